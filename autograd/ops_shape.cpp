// Ops that move values without arithmetic: reshape, flatten, concat, slice, and FactorVAE's
// per-column shuffle. Their backward passes move gradients back along the same paths.
#include <algorithm>
#include <numeric>

#include "autograd/ops.h"
#include "kernels/check.h"

namespace untangle {

Tensor reshape(Tape& tape, const Tensor& x, Shape shape) {
  int unknown = -1;
  size_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      require(unknown < 0, "reshape: only one dimension may be -1 in ", shape_string(shape));
      unknown = int(i);
    } else {
      known *= size_t(shape[i]);
    }
  }
  if (unknown >= 0) {
    require(known > 0 && x.numel() % known == 0, "reshape: cannot reshape ", shape_string(x.shape()), " to ",
            shape_string(shape));
    shape[size_t(unknown)] = int(x.numel() / known);
  }
  require(shape_numel(shape) == x.numel(), "reshape: cannot reshape ", shape_string(x.shape()), " (", x.numel(),
          " values) to ", shape_string(shape));
  Tensor y = Tensor::from_vector(x.to_vector(), shape);
  if (tape.needs_grad({&x})) {
    tape.record("reshape", y, [x, y]() mutable {
      const float* gy = y.grad();
      float* gx = x.grad();
      for (size_t i = 0; i < x.numel(); ++i) gx[i] += gy[i];
    });
  }
  return y;
}

Tensor flatten(Tape& tape, const Tensor& x) {
  require(x.rank() >= 1, "flatten: needs at least one dimension");
  return reshape(tape, x, {x.dim(0), -1});
}

namespace {
// (outer, length along axis, inner) for row-major copies of blocks along an axis.
void split_around(const Shape& s, int axis, size_t& outer, size_t& inner) {
  outer = 1, inner = 1;
  for (int i = 0; i < int(s.size()); ++i) {
    if (i < axis) outer *= size_t(s[size_t(i)]);
    if (i > axis) inner *= size_t(s[size_t(i)]);
  }
}
int normalise_axis(const char* op, int axis, int rank) {
  require(axis >= -rank && axis < rank, op, ": axis ", axis, " out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}
}  // namespace

Tensor concat(Tape& tape, const std::vector<Tensor>& parts, int axis) {
  require(!parts.empty(), "concat: nothing to concatenate");
  const Shape& first = parts[0].shape();
  axis = normalise_axis("concat", axis, int(first.size()));
  Shape out_shape = first;
  out_shape[size_t(axis)] = 0;
  for (const Tensor& p : parts) {
    require(p.rank() == int(first.size()), "concat: ranks differ: ", shape_string(first), " and ",
            shape_string(p.shape()));
    for (int i = 0; i < p.rank(); ++i)
      require(i == axis || p.shape()[size_t(i)] == first[size_t(i)], "concat: shapes ", shape_string(first), " and ",
              shape_string(p.shape()), " differ outside axis ", axis);
    out_shape[size_t(axis)] += p.dim(axis);
  }
  size_t outer, inner;
  split_around(out_shape, axis, outer, inner);
  const size_t out_row = size_t(out_shape[size_t(axis)]) * inner;
  Tensor y = Tensor::zeros(out_shape);
  size_t offset = 0;  // where this part's block starts inside each output row
  std::vector<size_t> offsets;
  for (const Tensor& p : parts) {
    const size_t row = size_t(p.dim(axis)) * inner;
    for (size_t o = 0; o < outer; ++o) std::copy_n(p.data() + o * row, row, y.data() + o * out_row + offset);
    offsets.push_back(offset);
    offset += row;
  }
  bool any = false;
  for (const Tensor& p : parts) any = any || tape.needs_grad({&p});
  if (any) {
    tape.record("concat", y, [parts, y, offsets, outer, inner, out_row, axis]() mutable {
      const float* gy = y.grad();
      for (size_t k = 0; k < parts.size(); ++k) {
        if (!parts[k].requires_grad()) continue;
        const size_t row = size_t(parts[k].dim(axis)) * inner;
        float* gp = parts[k].grad();
        for (size_t o = 0; o < outer; ++o)
          for (size_t i = 0; i < row; ++i) gp[o * row + i] += gy[o * out_row + offsets[k] + i];
      }
    });
  }
  return y;
}

Tensor slice(Tape& tape, const Tensor& x, int axis, int start, int end) {
  axis = normalise_axis("slice", axis, x.rank());
  const int length = x.dim(axis);
  require(0 <= start && start <= end && end <= length, "slice: range [", start, ", ", end, ") outside axis ", axis,
          " of size ", length);
  Shape out_shape = x.shape();
  out_shape[size_t(axis)] = end - start;
  size_t outer, inner;
  split_around(x.shape(), axis, outer, inner);
  const size_t in_row = size_t(length) * inner, out_row = size_t(end - start) * inner, skip = size_t(start) * inner;
  Tensor y = Tensor::zeros(out_shape);
  for (size_t o = 0; o < outer; ++o) std::copy_n(x.data() + o * in_row + skip, out_row, y.data() + o * out_row);
  if (tape.needs_grad({&x})) {
    tape.record("slice", y, [x, y, outer, in_row, out_row, skip]() mutable {
      const float* gy = y.grad();
      float* gx = x.grad();
      for (size_t o = 0; o < outer; ++o)
        for (size_t i = 0; i < out_row; ++i) gx[o * in_row + skip + i] += gy[o * out_row + i];
    });
  }
  return y;
}

Tensor shuffle_columns(Tape& tape, const Tensor& z, PhiloxRng& rng) {
  require(z.rank() == 2, "shuffle_columns: expects (batch, latents), got ", shape_string(z.shape()));
  const int B = z.dim(0), D = z.dim(1);
  // source[j * B + i] = the row whose value lands in row i of column j (Fisher-Yates per column).
  std::vector<int> source(size_t(B) * D);
  for (int j = 0; j < D; ++j) {
    int* perm = source.data() + size_t(j) * B;
    std::iota(perm, perm + B, 0);
    for (int i = B - 1; i > 0; --i) std::swap(perm[i], perm[rng.next_below(uint64_t(i) + 1)]);
  }
  Tensor y = Tensor::zeros({B, D});
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < D; ++j) y.data()[size_t(i) * D + j] = z.data()[size_t(source[size_t(j) * B + i]) * D + j];
  if (tape.needs_grad({&z})) {
    tape.record("shuffle_columns", y, [z, y, source, B, D]() mutable {
      const float* gy = y.grad();
      float* gz = z.grad();
      for (int i = 0; i < B; ++i)
        for (int j = 0; j < D; ++j) gz[size_t(source[size_t(j) * B + i]) * D + j] += gy[size_t(i) * D + j];
    });
  }
  return y;
}

}  // namespace untangle
