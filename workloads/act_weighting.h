#pragma once
// Activation-aware low-rank compensation. A layer's output error on inputs X is
// ||(W - W^) X^T||_F; with H = X^T X (cols x cols) that is ||(W - W^) H^(1/2)||_F.
// So instead of the residual R the methods decompose R T for a weighting T, and map
// the right factor back with T^-1:  R T ~ A B_T  =>  R ~ A (B_T T^-1).
//
// diagonal: T = diag(s), s_j = sqrt(H_jj / n), the RMS of input channel j (the
//           approximate form of QERA, Zhang et al. 2024; LQER, Zhang et al. 2024,
//           scales by mean |x_j|, which this generalises);
// exact:    T = (H / n + damp I)^(1/2) (QERA's exact form), damp = 1e-2 * mean diag(H / n)
//           so that T is invertible when some channels are never excited.
#include <string>

#include "matrix.h"

namespace itera {

enum class WeightingKind { None, Diagonal, Exact };
const char* weighting_name(WeightingKind k);
WeightingKind parse_weighting(const std::string& text);  // none | diag | exact

struct ActWeighting {
  WeightingKind kind = WeightingKind::None;
  ColMatrix t;      // cols x cols
  ColMatrix t_inv;  // its inverse
};

// gram = X^T X accumulated over `count` input vectors.
ActWeighting make_weighting(WeightingKind kind, const Eigen::MatrixXd& gram, int64_t count);

// ||(W - W^) X^T|| / ||W X^T|| from the Gram matrix H = X^T X.
double output_rel_error(const Matrix& w, const Matrix& w_hat, const Eigen::MatrixXd& gram);

}  // namespace itera
