// Broadcasting binary ops on the GPU against kernels/cpu/broadcast.h: same shape, a scalar operand,
// per-row (B, D) op (D) and per-channel (N, C, H, W) op (1, C, 1, 1), both argument orders.
// Bounds: forward 1e-6 (one float operation, correctly rounded on both sides). Backward 1e-5, and 1e-3
// where one operand is broadcast over more than 1000 outputs (a scalar over 49,152, a channel over 4,096):
// the CPU adds those terms one by one into a float, an error of order 1e-7 sqrt(n) of the partial sums'
// scale, and a sum of random-sign terms can come out ten times smaller than that scale; the GPU sums in
// double.
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cuda/broadcast.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

size_t count_of(const std::vector<int>& shape) {
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  return n;
}

std::string shape_text(const std::vector<int>& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + ")";
}

}  // namespace

TEST_CASE("cuda broadcasting add/sub/mul/div match the CPU, forward and backward") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(751);
  const std::vector<std::pair<std::vector<int>, std::vector<int>>> cases = {
      {{64, 3, 16, 16}, {64, 3, 16, 16}},
      {{64, 3, 16, 16}, {}},
      {{}, {64, 10}},
      {{256, 10}, {10}},
      {{64, 32, 8, 8}, {1, 32, 1, 1}},
      {{1, 32, 1, 1}, {64, 32, 8, 8}},
      {{5, 1, 7}, {3, 1}}};
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div})
    for (const auto& [a_shape, b_shape] : cases) {
      const Broadcast plan = plan_broadcast(a_shape, b_shape);
      const size_t na = count_of(a_shape), nb = count_of(b_shape), n = plan.count();
      // Divisors kept away from zero: |b| in [0.5, 2].
      auto a = random_floats(na, rng), b = random_floats(nb, rng, 0.5f, 2.0f), d_out = random_floats(n, rng);
      auto da = random_floats(na, rng), db = random_floats(nb, rng);
      std::vector<float> out(n);
      binary_forward(op, plan, a.data(), b.data(), out.data());
      auto a_d = to_device(a), b_d = to_device(b), d_out_d = to_device(d_out), out_d = poisoned(n);
      auto da_d = to_device(da), db_d = to_device(db);
      cuda::binary_forward(op, plan, a_d.data(), b_d.data(), out_d.data());
      binary_backward(op, plan, a.data(), b.data(), d_out.data(), da.data(), db.data());
      cuda::binary_backward(op, plan, a_d.data(), b_d.data(), d_out_d.data(), da_d.data(), db_d.data());

      const std::string what =
          std::string(binary_op_name(op)) + " " + shape_text(a_shape) + " " + shape_text(b_shape);
      CHECK(report(what + " forward", max_relative_error(out_d.to_host(), out), 1e-6) <= 1e-6);
      const double bound_a = n / na > 1000 ? 1e-3 : 1e-5, bound_b = n / nb > 1000 ? 1e-3 : 1e-5;
      CHECK(report(what + " grad a", max_relative_error(da_d.to_host(), da), bound_a) <= bound_a);
      CHECK(report(what + " grad b", max_relative_error(db_d.to_host(), db), bound_b) <= bound_b);
    }
}
