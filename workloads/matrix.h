#pragma once
// Dense weight matrices are row-major float: row = output channel, column =
// input channel, the layout of llama2.c checkpoints and PyTorch/safetensors.
#include <Eigen/Dense>
#include <string>

namespace itera {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ColMatrix = Eigen::MatrixXf;
using Vector = Eigen::VectorXf;

// One linear layer's weight, W in R^{rows x cols} (y = W x).
struct NamedMatrix {
  std::string name;
  Matrix w;
  int repeat = 1;  // how many identical copies the model has (catalog shapes)
};

// Throws itera::Error naming the tensor and the first non-finite element.
void require_finite(const std::string& tensor_name, const Matrix& w);

}  // namespace itera
