#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <cmath>

namespace untangle {

void sum_all(const float* x, size_t n, float* out) {
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) total += x[i];
  out[0] = float(total);
}

void sum_rows(const float* x, int rows, int cols, float* out) {
  for (int r = 0; r < rows; ++r) sum_all(x + size_t(r) * cols, size_t(cols), out + r);
}

void sum_columns(const float* x, int rows, int cols, float* out) {
  for (int c = 0; c < cols; ++c) {
    double total = 0.0;
    for (int r = 0; r < rows; ++r) total += x[size_t(r) * cols + c];
    out[c] = float(total);
  }
}

void logsumexp_rows(const float* x, int rows, int cols, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* row = x + size_t(r) * cols;
    const float largest = *std::max_element(row, row + cols);
    if (std::isinf(largest)) {  // all -inf (or a +inf): the answer is that infinity, not inf - inf = NaN
      out[r] = largest;
      continue;
    }
    double total = 0.0;
    for (int c = 0; c < cols; ++c) total += std::exp(double(row[c]) - largest);
    out[r] = float(largest + std::log(total));
  }
}

void sum_axis(const float* x, int outer, int length, int inner, float* out) {
  for (int o = 0; o < outer; ++o)
    for (int i = 0; i < inner; ++i) {
      double total = 0.0;
      for (int l = 0; l < length; ++l) total += x[(size_t(o) * length + l) * inner + i];
      out[size_t(o) * inner + i] = float(total);
    }
}

void logsumexp_axis(const float* x, int outer, int length, int inner, float* out) {
  for (int o = 0; o < outer; ++o)
    for (int i = 0; i < inner; ++i) {
      const float* first = x + size_t(o) * length * inner + i;  // then every inner-th float
      float largest = first[0];
      for (int l = 1; l < length; ++l) largest = std::max(largest, first[size_t(l) * inner]);
      if (std::isinf(largest)) {
        out[size_t(o) * inner + i] = largest;
        continue;
      }
      double total = 0.0;
      for (int l = 0; l < length; ++l) total += std::exp(double(first[size_t(l) * inner]) - largest);
      out[size_t(o) * inner + i] = float(largest + std::log(total));
    }
}

void sum_axis_backward(const float* gy, int outer, int length, int inner, float factor, float* gx) {
  for (int o = 0; o < outer; ++o)
    for (int l = 0; l < length; ++l)
      for (int i = 0; i < inner; ++i)
        gx[(size_t(o) * length + l) * inner + i] += factor * gy[size_t(o) * inner + i];
}

void logsumexp_axis_backward(const float* x, const float* y, const float* gy, int outer, int length,
                             int inner, float* gx) {
  for (int o = 0; o < outer; ++o)
    for (int l = 0; l < length; ++l)
      for (int i = 0; i < inner; ++i) {
        const size_t xi = (size_t(o) * length + l) * inner + i, yi = size_t(o) * inner + i;
        gx[xi] += gy[yi] * std::exp(x[xi] - y[yi]);
      }
}

}  // namespace untangle
