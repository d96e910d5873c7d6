// The Adam update (Kingma & Ba, 2015) for one parameter tensor, in PyTorch's form:
//   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2,
//   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)        t = 1, 2, ... (the step number)
// TensorFlow (disentanglement_lib) folds the bias corrections into the learning rate and so adds eps to
// the uncorrected sqrt(v); the two differ only in where the tiny eps enters.
#pragma once
#include <cstddef>

namespace untangle {

struct AdamHyperparameters {
  float learning_rate = 1e-4f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
};

// param, grad, m, v: n floats each; m and v are updated in place. step >= 1.
void adam_update(float* param, const float* grad, float* m, float* v, size_t n, const AdamHyperparameters& h,
                 long long step);

}  // namespace untangle
