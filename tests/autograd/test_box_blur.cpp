// box_blur against a direct loop over the (2r+1)^2 window (the definition: a 'same' zero-padded
// convolution with weights 1/(2r+1)^2), its gradient by finite differences, and stop_gradient.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "test_helpers.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

// out[n, c, y, x] = sum over |dy|, |dx| <= r of in[n, c, y + dy, x + dx] (0 outside) / (2r+1)^2, in double.
std::vector<double> direct_box_blur(const Tensor& x, int r) {
  const int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  std::vector<double> out(x.numel());
  for (int p = 0; p < N * C; ++p)
    for (int y = 0; y < H; ++y)
      for (int xx = 0; xx < W; ++xx) {
        double total = 0;
        for (int dy = -r; dy <= r; ++dy)
          for (int dx = -r; dx <= r; ++dx) {
            int yy = y + dy, xs = xx + dx;
            if (yy >= 0 && yy < H && xs >= 0 && xs < W) total += x.data()[(size_t(p) * H + yy) * W + xs];
          }
        out[(size_t(p) * H + y) * W + xx] = total / double((2 * r + 1) * (2 * r + 1));
      }
  return out;
}

}  // namespace

TEST_CASE("box_blur equals the direct window sum, including disent's radius 31 on 64x64") {
  PhiloxRng rng(7);
  struct Case {
    Shape shape;
    int radius;
  };
  for (const Case& c : {Case{{2, 3, 5, 7}, 1}, Case{{1, 2, 9, 6}, 2}, Case{{1, 1, 4, 4}, 10},
                        Case{{1, 1, 5, 5}, 0}, Case{{1, 2, 64, 64}, 31}}) {
    Tensor x = random_tensor(c.shape, rng);
    Tape tape = Tape::evaluation();
    Tensor y = box_blur(tape, x, c.radius);
    std::vector<double> expected = direct_box_blur(x, c.radius);
    double worst = 0;
    for (size_t i = 0; i < expected.size(); ++i) worst = std::max(worst, std::abs(expected[i] - y.data()[i]));
    CAPTURE(shape_string(c.shape));
    CAPTURE(c.radius);
    // Both sums are in double; the only error is the final rounding to float (values below 1 in size).
    CHECK(worst < 1e-7);
  }
}

TEST_CASE("gradient of box_blur (its own transpose)") {
  PhiloxRng rng(8);
  for (int radius : {1, 2, 4}) {
    Tensor x = random_tensor({2, 2, 5, 6}, rng);
    x.set_requires_grad(true);
    GradcheckResult result = gradcheck(
        [radius](Tape& t, const std::vector<Tensor>& in) { return box_blur(t, in[0], radius); }, {x});
    INFO("box_blur r" << radius << ": worst " << result.worst_location);
    CHECK(result.checked == x.numel());
    CHECK(result.passed);
  }
}

TEST_CASE("stop_gradient passes values and no gradient") {
  Tensor w = Tensor::from_vector({2.0f, -1.0f}, {2});
  w.set_requires_grad(true);
  Tape tape;
  // L = sum(w * stop(w)) + sum(w): dL/dw = stop(w) + 1 = (3, 0), not 2w + 1
  Tensor frozen = stop_gradient(w);
  CHECK(frozen.to_vector() == w.to_vector());
  CHECK(!frozen.requires_grad());
  Tensor loss = add(tape, sum(tape, mul(tape, w, frozen)), sum(tape, w));
  tape.backward(loss);
  CHECK(w.grad_vector() == std::vector<float>{3.0f, 0.0f});
}
