// The CPU twins of the op table's rows: each is the kernels' arguments worked out from the shapes, as a
// reader would do by hand, then the kernels called directly. Gradients start at zero (kernels add into them).
#include "op_twins.h"

#include <algorithm>
#include <utility>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/losses.h"
#include "kernels/cpu/reduce.h"

namespace untangle::testing {

namespace {

std::vector<float> zeros_like(const Tensor& t) {
  return std::vector<float>(t.numel(), 0.0f);
}

// An output of `count` floats and a zero gradient for each input (none for the ones listed in `no_gradient`).
OpOutputs blank_outputs(size_t count, const std::vector<Tensor>& inputs,
                        std::vector<size_t> no_gradient = {}) {
  OpOutputs r{std::vector<float>(count), {}};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool skip = std::find(no_gradient.begin(), no_gradient.end(), i) != no_gradient.end();
    r.gradients.push_back(skip ? std::vector<float>() : zeros_like(inputs[i]));
  }
  return r;
}

// x viewed as (outer, length, inner) around `axis`, as autograd/ops_reduce.cpp views it.
struct AxisSplit {
  int outer = 1, length = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int axis) {
  if (axis < 0) axis += int(shape.size());
  AxisSplit s;
  for (int i = 0; i < int(shape.size()); ++i) {
    const int d = shape[size_t(i)];
    if (i < axis)
      s.outer *= d;
    else if (i == axis)
      s.length = d;
    else
      s.inner *= d;
  }
  return s;
}

}  // namespace

CpuTwin activation_twin(Activation f, float slope) {
  return [f, slope](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const size_t n = in[0].numel();
    OpOutputs r = blank_outputs(n, in);
    activation_forward(f, in[0].data(), r.output.data(), n, slope);
    activation_backward(f, in[0].data(), r.output.data(), upstream.data(), r.gradients[0].data(), n, slope);
    return r;
  };
}

CpuTwin binary_twin(BinaryOp op) {
  return [op](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const Broadcast plan = plan_broadcast(in[0].shape(), in[1].shape());
    OpOutputs r = blank_outputs(plan.count(), in);
    binary_forward(op, plan, in[0].data(), in[1].data(), r.output.data());
    binary_backward(op, plan, in[0].data(), in[1].data(), upstream.data(), r.gradients[0].data(),
                    r.gradients[1].data());
    return r;
  };
}

CpuTwin binary_with_scalar_twin(BinaryOp op, float value) {
  return [op, value](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const Broadcast plan = plan_broadcast(in[0].shape(), {});
    OpOutputs r = blank_outputs(plan.count(), in);
    binary_forward(op, plan, in[0].data(), &value, r.output.data());
    binary_backward(op, plan, in[0].data(), &value, upstream.data(), r.gradients[0].data(), nullptr);
    return r;
  };
}

CpuTwin sum_all_twin(bool mean) {
  return [mean](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const size_t n = in[0].numel();
    const float factor = mean ? 1.0f / float(n) : 1.0f;
    OpOutputs r = blank_outputs(1, in);
    sum_all(in[0].data(), n, r.output.data());
    r.output[0] *= factor;
    sum_axis_backward(upstream.data(), 1, int(n), 1, factor, r.gradients[0].data());
    return r;
  };
}

CpuTwin sum_along_axis_twin(int axis, bool mean) {
  return [axis, mean](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const AxisSplit s = split_at(in[0].shape(), axis);
    const float factor = mean ? 1.0f / float(s.length) : 1.0f;
    OpOutputs r = blank_outputs(size_t(s.outer) * s.inner, in);
    sum_axis(in[0].data(), s.outer, s.length, s.inner, r.output.data());
    for (float& v : r.output) v *= factor;
    sum_axis_backward(upstream.data(), s.outer, s.length, s.inner, factor, r.gradients[0].data());
    return r;
  };
}

CpuTwin logsumexp_twin(int axis) {
  return [axis](const std::vector<Tensor>& in, const std::vector<float>& upstream) {
    const AxisSplit s = split_at(in[0].shape(), axis);
    OpOutputs r = blank_outputs(size_t(s.outer) * s.inner, in);
    logsumexp_axis(in[0].data(), s.outer, s.length, s.inner, r.output.data());
    logsumexp_axis_backward(in[0].data(), r.output.data(), upstream.data(), s.outer, s.length, s.inner,
                            r.gradients[0].data());
    return r;
  };
}

// a: (M, K), b: (K, N) -> y: (M, N);  da = dy b^T,  db = a^T dy.
CpuTwin matmul_reference_twin() {
  return [](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const int M = in[0].dim(0), K = in[0].dim(1), N = in[1].dim(1);
    const float *a = in[0].data(), *b = in[1].data();
    OpOutputs r = blank_outputs(size_t(M) * N, in);
    sgemm_reference(false, false, M, N, K, 1.0f, a, K, b, N, 0.0f, r.output.data(), N);
    sgemm_reference(false, true, M, K, N, 1.0f, dy.data(), N, b, N, 0.0f, r.gradients[0].data(), K);
    sgemm_reference(true, false, K, N, M, 1.0f, a, K, dy.data(), N, 0.0f, r.gradients[1].data(), N);
    return r;
  };
}

// x: (B, in), weight: (out, in), bias: (out) -> y = x weight^T + bias: (B, out);
// dx = dy weight, dweight = dy^T x, dbias = the column sums of dy.
CpuTwin linear_reference_twin(bool with_bias) {
  return [with_bias](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const int B = in[0].dim(0), inputs = in[0].dim(1), outputs = in[1].dim(0);
    const float *x = in[0].data(), *w = in[1].data();
    OpOutputs r = blank_outputs(size_t(B) * outputs, in);
    sgemm_reference(false, true, B, outputs, inputs, 1.0f, x, inputs, w, inputs, 0.0f, r.output.data(),
                    outputs);
    sgemm_reference(false, false, B, inputs, outputs, 1.0f, dy.data(), outputs, w, inputs, 0.0f,
                    r.gradients[0].data(), inputs);
    sgemm_reference(true, false, outputs, inputs, B, 1.0f, dy.data(), outputs, x, inputs, 0.0f,
                    r.gradients[1].data(), inputs);
    if (with_bias) {
      for (int i = 0; i < B; ++i)
        for (int o = 0; o < outputs; ++o) r.output[size_t(i) * outputs + o] += in[2].data()[o];
      sum_columns(dy.data(), B, outputs, r.gradients[2].data());
    }
    return r;
  };
}

// x: (N, C, H, W), weight: (O, C, k, k), bias: (O) -> (N, O, Ho, Wo), by the direct loops.
CpuTwin conv2d_reference_twin(int stride, int padding) {
  return [stride, padding](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const Tensor &x = in[0], &w = in[1];
    const Conv2dGeometry g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0),
                           w.dim(2), w.dim(3), stride,   padding};
    OpOutputs r = blank_outputs(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), in);
    conv2d_forward_reference(g, x.data(), w.data(), in[2].data(), r.output.data());
    conv2d_backward_data_reference(g, dy.data(), w.data(), r.gradients[0].data());
    conv2d_backward_weight_reference(g, x.data(), dy.data(), r.gradients[1].data(), r.gradients[2].data());
    return r;
  };
}

CpuTwin with_fused_relu(CpuTwin twin) {
  return [twin](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const std::vector<float> pre = twin(in, dy).output;
    std::vector<float> masked(dy.size());
    for (size_t i = 0; i < dy.size(); ++i) masked[i] = pre[i] > 0.0f ? dy[i] : 0.0f;
    OpOutputs r = twin(in, masked);
    for (float& v : r.output) v = v > 0.0f ? v : 0.0f;
    return r;
  };
}

// x: (N, C, H, W), weight: (C, O, k, k), bias: (O) -> (N, O, Ho, Wo). The transposed convolution is the
// convolution g from the output (O channels) to x (C channels) run backwards: forward = g's data gradient,
// dx = g's forward pass, dweight = g's weight gradient with x in the role of dy.
CpuTwin conv_transpose2d_reference_twin(int stride, int padding) {
  return [stride, padding](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const Tensor &x = in[0], &w = in[1];
    const int out_height = (x.dim(2) - 1) * stride - 2 * padding + w.dim(2);
    const int out_width = (x.dim(3) - 1) * stride - 2 * padding + w.dim(3);
    const Conv2dGeometry g{x.dim(0), w.dim(1), out_height, out_width, w.dim(0),
                           w.dim(2), w.dim(3), stride,     padding};
    const size_t plane = size_t(out_height) * out_width;
    OpOutputs r = blank_outputs(size_t(g.batch) * g.in_channels * plane, in);
    conv2d_backward_data_reference(g, x.data(), w.data(), r.output.data());
    conv2d_forward_reference(g, dy.data(), w.data(), nullptr, r.gradients[0].data());
    conv2d_backward_weight_reference(g, dy.data(), x.data(), r.gradients[1].data(), nullptr);
    for (int n = 0; n < g.batch; ++n)
      for (int o = 0; o < g.in_channels; ++o)
        for (size_t p = 0; p < plane; ++p) {
          const size_t at = (size_t(n) * g.in_channels + o) * plane + p;
          r.output[at] += in[2].data()[o];
          r.gradients[2][size_t(o)] += dy[at];
        }
    return r;
  };
}

// Concat and slice along an axis move rows of (extent along the axis) x (the dimensions after it) floats,
// one row per combination of the dimensions before it (kernels/cpu/copy.h).
CpuTwin concat_twin(std::vector<int> parts, int axis) {
  return [parts, axis](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const AxisSplit first = split_at(in[size_t(parts[0])].shape(), axis);
    size_t total_width = 0, count = 0;
    for (int p : parts) {
      total_width += size_t(split_at(in[size_t(p)].shape(), axis).length) * first.inner;
      count += in[size_t(p)].numel();
    }
    OpOutputs r = blank_outputs(count, in);
    size_t offset = 0;
    for (int p : parts) {
      const size_t width = size_t(split_at(in[size_t(p)].shape(), axis).length) * first.inner;
      copy_strided_rows(in[size_t(p)].data(), width, 0, r.output.data(), total_width, offset,
                        size_t(first.outer), width, false);
      copy_strided_rows(dy.data(), total_width, offset, r.gradients[size_t(p)].data(), width, 0,
                        size_t(first.outer), width, true);
      offset += width;
    }
    return r;
  };
}

CpuTwin slice_twin(int axis, int start, int end) {
  return [axis, start, end](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const AxisSplit s = split_at(in[0].shape(), axis);
    const size_t row = size_t(s.length) * s.inner, width = size_t(end - start) * s.inner;
    const size_t offset = size_t(start) * s.inner;
    OpOutputs r = blank_outputs(size_t(s.outer) * width, in);
    copy_strided_rows(in[0].data(), row, offset, r.output.data(), width, 0, size_t(s.outer), width, false);
    copy_strided_rows(dy.data(), width, 0, r.gradients[0].data(), row, offset, size_t(s.outer), width, true);
    return r;
  };
}

std::vector<int> fisher_yates_permutation(int count, PhiloxRng& rng) {
  std::vector<int> permutation(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) permutation[size_t(i)] = i;
  for (int i = count - 1; i > 0; --i)
    std::swap(permutation[size_t(i)], permutation[rng.next_below(uint64_t(i) + 1)]);
  return permutation;
}

namespace {

// z: (B, D); `source` holds one permutation per column, column by column (kernels/cpu/copy.h).
OpOutputs gather_by_columns(const std::vector<Tensor>& in, const std::vector<float>& dy,
                            const std::vector<int>& source) {
  const int B = in[0].dim(0), D = in[0].dim(1);
  OpOutputs r = blank_outputs(in[0].numel(), in);
  gather_columns(in[0].data(), source.data(), B, D, r.output.data());
  scatter_add_columns(dy.data(), source.data(), B, D, r.gradients[0].data());
  return r;
}

}  // namespace

CpuTwin shuffle_columns_twin(uint64_t seed) {
  return [seed](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    PhiloxRng rng(seed);
    std::vector<int> source;
    for (int j = 0; j < in[0].dim(1); ++j) {
      const std::vector<int> column = fisher_yates_permutation(in[0].dim(0), rng);
      source.insert(source.end(), column.begin(), column.end());
    }
    return gather_by_columns(in, dy, source);
  };
}

CpuTwin permute_rows_twin(uint64_t seed) {
  return [seed](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    PhiloxRng rng(seed);
    const std::vector<int> rows = fisher_yates_permutation(in[0].dim(0), rng);
    std::vector<int> source;
    for (int j = 0; j < in[0].dim(1); ++j) source.insert(source.end(), rows.begin(), rows.end());
    return gather_by_columns(in, dy, source);
  };
}

// A loss's output is per element (None) or one sum scaled by 1 (Sum) or 1/n (Mean); the upstream gradient
// is then per element or one value (kernels/cpu/losses.h).
CpuTwin mse_twin(Reduction reduction) {
  return [reduction](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const size_t n = in[0].numel();
    const bool per_element = reduction == Reduction::None;
    const float scale = reduction == Reduction::Mean ? 1.0f / float(n) : 1.0f;
    OpOutputs r = blank_outputs(per_element ? n : 1, in);
    if (per_element)
      mse_elementwise(in[0].data(), in[1].data(), r.output.data(), n);
    else
      mse_sum(in[0].data(), in[1].data(), n, scale, r.output.data());
    mse_backward(in[0].data(), in[1].data(), dy.data(), per_element, scale, r.gradients[0].data(),
                 r.gradients[1].data(), n);
    return r;
  };
}

CpuTwin bce_with_logits_twin(Reduction reduction) {
  return [reduction](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const size_t n = in[0].numel();
    const bool per_element = reduction == Reduction::None;
    const float scale = reduction == Reduction::Mean ? 1.0f / float(n) : 1.0f;
    OpOutputs r = blank_outputs(per_element ? n : 1, in, {1});  // targets get no gradient
    if (per_element)
      bce_with_logits_elementwise(in[0].data(), in[1].data(), r.output.data(), n);
    else
      bce_with_logits_sum(in[0].data(), in[1].data(), n, scale, r.output.data());
    bce_with_logits_backward(in[0].data(), in[1].data(), dy.data(), per_element, scale, r.gradients[0].data(),
                             n);
    return r;
  };
}

CpuTwin gaussian_kl_twin() {
  return [](const std::vector<Tensor>& in, const std::vector<float>& dy) {
    const int rows = in[0].dim(0), cols = in[0].dim(1);
    OpOutputs r = blank_outputs(size_t(rows), in);
    gaussian_kl_forward(in[0].data(), in[1].data(), rows, cols, r.output.data());
    gaussian_kl_backward(in[0].data(), in[1].data(), dy.data(), rows, cols, r.gradients[0].data(),
                         r.gradients[1].data());
    return r;
  };
}

}  // namespace untangle::testing
