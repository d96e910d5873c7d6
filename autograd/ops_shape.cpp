// Ops that move values without arithmetic: reshape, flatten, concat, slice, FactorVAE's per-column
// shuffle and PCL's row permutation. Their backward passes move gradients back along the same paths. The
// copies are kernels/cpu/copy.h (and their CUDA twins).
#include <algorithm>
#include <memory>
#include <numeric>

#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/copy.h"
#include "kernels/cuda/copy.h"
#include "kernels/cuda/memory.h"

namespace untangle {

namespace {

// dst[r * dst_stride + dst_offset + i] (+)= src[r * src_stride + src_offset + i] on `device`.
void copy_rows(Device device, const float* src, size_t src_stride, size_t src_offset, float* dst,
               size_t dst_stride, size_t dst_offset, size_t rows, size_t width, bool accumulate) {
  on_device(
      device,
      [&] {
        cuda::copy_strided_rows(src, src_stride, src_offset, dst, dst_stride, dst_offset, rows, width,
                                accumulate);
      },
      [&] {
        copy_strided_rows(src, src_stride, src_offset, dst, dst_stride, dst_offset, rows, width, accumulate);
      });
}

// (outer, inner) around an axis, for row-major copies of blocks along it.
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
  require(shape_numel(shape) == x.numel(), "reshape: cannot reshape ", shape_string(x.shape()), " (",
          x.numel(), " values) to ", shape_string(shape));
  const Device device = x.device();
  Tensor y = Tensor::empty(shape, device);
  copy_floats(x.storage(), device, y.storage(), device, x.numel());
  if (tape.needs_grad({&x})) {
    tape.record("reshape", y,
                [x, y, device]() { add_floats(x.grad_storage(), y.grad_storage(), x.numel(), device); });
  }
  return y;
}

Tensor flatten(Tape& tape, const Tensor& x) {
  require(x.rank() >= 1, "flatten: needs at least one dimension");
  return reshape(tape, x, {x.dim(0), -1});
}

Tensor concat(Tape& tape, const std::vector<Tensor>& parts, int axis) {
  require(!parts.empty(), "concat: nothing to concatenate");
  const Shape& first = parts[0].shape();
  axis = normalise_axis("concat", axis, int(first.size()));
  const Device device = parts[0].device();
  Shape out_shape = first;
  out_shape[size_t(axis)] = 0;
  for (const Tensor& p : parts) {
    require(p.rank() == int(first.size()), "concat: ranks differ: ", shape_string(first), " and ",
            shape_string(p.shape()));
    require(p.device() == device, "concat: parts on different devices");
    for (int i = 0; i < p.rank(); ++i)
      require(i == axis || p.shape()[size_t(i)] == first[size_t(i)], "concat: shapes ", shape_string(first),
              " and ", shape_string(p.shape()), " differ outside axis ", axis);
    out_shape[size_t(axis)] += p.dim(axis);
  }
  size_t outer, inner;
  split_around(out_shape, axis, outer, inner);
  const size_t out_row = size_t(out_shape[size_t(axis)]) * inner;
  Tensor y = Tensor::empty(out_shape, device);
  size_t offset = 0;  // where this part's block starts inside each output row
  std::vector<size_t> offsets;
  for (const Tensor& p : parts) {
    const size_t row = size_t(p.dim(axis)) * inner;
    copy_rows(device, p.storage(), row, 0, y.storage(), out_row, offset, outer, row, false);
    offsets.push_back(offset);
    offset += row;
  }
  bool any = false;
  for (const Tensor& p : parts) any = any || tape.needs_grad({&p});
  if (any) {
    tape.record("concat", y, [parts, y, offsets, outer, inner, out_row, axis, device]() {
      for (size_t k = 0; k < parts.size(); ++k) {
        if (!parts[k].requires_grad()) continue;
        const size_t row = size_t(parts[k].dim(axis)) * inner;
        copy_rows(device, y.grad_storage(), out_row, offsets[k], parts[k].grad_storage(), row, 0, outer, row,
                  true);
      }
    });
  }
  return y;
}

Tensor slice(Tape& tape, const Tensor& x, int axis, int start, int end) {
  axis = normalise_axis("slice", axis, x.rank());
  const int length = x.dim(axis);
  require(0 <= start && start <= end && end <= length, "slice: range [", start, ", ", end, ") outside axis ",
          axis, " of size ", length);
  const Device device = x.device();
  Shape out_shape = x.shape();
  out_shape[size_t(axis)] = end - start;
  size_t outer, inner;
  split_around(x.shape(), axis, outer, inner);
  const size_t in_row = size_t(length) * inner, out_row = size_t(end - start) * inner,
               skip = size_t(start) * inner;
  Tensor y = Tensor::empty(out_shape, device);
  copy_rows(device, x.storage(), in_row, skip, y.storage(), out_row, 0, outer, out_row, false);
  if (tape.needs_grad({&x})) {
    tape.record("slice", y, [x, y, outer, in_row, out_row, skip, device]() {
      copy_rows(device, y.grad_storage(), out_row, 0, x.grad_storage(), in_row, skip, outer, out_row, true);
    });
  }
  return y;
}

namespace {

// n indices 0..n-1 in a uniformly random order: Fisher-Yates from the last position down, one next_below
// per position (the order shuffle_columns has always drawn in, so its streams are unchanged).
void draw_permutation(int* permutation, int n, PhiloxRng& rng) {
  std::iota(permutation, permutation + n, 0);
  for (int i = n - 1; i > 0; --i) std::swap(permutation[i], permutation[rng.next_below(uint64_t(i) + 1)]);
}

// y[i, j] = z[source[j * B + i], j] for z: (B, D), with `source` one permutation of the rows per column;
// the backward pass adds each gradient element back to the one place it came from.
Tensor gather_permuted_columns(Tape& tape, const Tensor& z, std::vector<int> source, const char* name) {
  const int B = z.dim(0), D = z.dim(1);
  const Device device = z.device();
  // The permutation where the kernels read it: the host vector, or a copy in device memory; either is
  // kept alive by the closure that uses it in the backward pass.
  auto host = std::make_shared<std::vector<int>>(std::move(source));
  std::shared_ptr<const int> indices(host, host->data());  // shares ownership of the vector
  on_device(
      device,
      [&] {
        const size_t bytes = host->size() * sizeof(int);
        int* copy = static_cast<int*>(cuda::allocate(bytes));
        cuda::copy_to_device(copy, host->data(), bytes);
        indices.reset(copy, [bytes](const int* p) { cuda::release(const_cast<int*>(p), bytes); });
      },
      [] {});  // the kernels read the host vector
  Tensor y = Tensor::empty({B, D}, device);
  on_device(
      device, [&] { cuda::gather_columns(z.storage(), indices.get(), B, D, y.storage()); },
      [&] { gather_columns(z.storage(), indices.get(), B, D, y.storage()); });
  if (tape.needs_grad({&z})) {
    tape.record(name, y, [z, y, indices, B, D, device]() {
      on_device(
          device, [&] { cuda::scatter_add_columns(y.grad_storage(), indices.get(), B, D, z.grad_storage()); },
          [&] { scatter_add_columns(y.grad_storage(), indices.get(), B, D, z.grad_storage()); });
    });
  }
  return y;
}

}  // namespace

Tensor shuffle_columns(Tape& tape, const Tensor& z, PhiloxRng& rng) {
  require(z.rank() == 2, "shuffle_columns: expects (batch, latents), got ", shape_string(z.shape()));
  const int B = z.dim(0), D = z.dim(1);
  // source[j * B + i] = the row whose value lands in row i of column j (Fisher-Yates per column, drawn on
  // the host from the same stream on either device).
  std::vector<int> source(size_t(B) * D);
  for (int j = 0; j < D; ++j) draw_permutation(source.data() + size_t(j) * B, B, rng);
  return gather_permuted_columns(tape, z, std::move(source), "shuffle_columns");
}

Tensor permute_rows(Tape& tape, const Tensor& x, PhiloxRng& rng) {
  require(x.rank() == 2, "permute_rows: expects (batch, features), got ", shape_string(x.shape()));
  const int B = x.dim(0), D = x.dim(1);
  // One permutation drawn on the host, then the column gather with that permutation in every column.
  std::vector<int> source(size_t(B) * D);
  draw_permutation(source.data(), B, rng);
  for (int j = 1; j < D; ++j) std::copy(source.begin(), source.begin() + B, source.begin() + size_t(j) * B);
  return gather_permuted_columns(tape, x, std::move(source), "permute_rows");
}

}  // namespace untangle
