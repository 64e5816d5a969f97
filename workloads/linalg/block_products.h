#pragma once
// Products of a large row-major matrix R (m x n) with thin blocks of vectors,
//   Y = R X   (X: n x q)     and     Z = R^T U   (U: m x q),
// for the q <= 64 vectors of a subspace solver. They stream R from memory once per
// product and do all q dot products per row while the row is in cache, so a block
// of 16 vectors costs little more than one matrix-vector product (Eigen's GEMM is
// tuned for wide blocks and is several times slower at these widths).
// Results are deterministic: the summation order is fixed.
#include "matrix.h"

namespace itera {

void multiply(const Matrix& r, const ColMatrix& x, ColMatrix& y);            // y = r x
void multiply_transposed(const Matrix& r, const ColMatrix& u, ColMatrix& z); // z = r^T u
// y = r x - a c and z = r^T y, streaming r once per block of up to 16 vectors:
// the products of a deflated matrix R - A B^T, with c = B^T x; a may have no columns.
void multiply_both(const Matrix& r, const ColMatrix& x, const ColMatrix& a, const ColMatrix& c, ColMatrix& y,
                   ColMatrix& z);

}  // namespace itera
