#include "apps/common/latent_rotation.h"

#include <cmath>

#include "autograd/ops.h"
#include "core/check.h"

namespace untangle {

namespace {

// log det of a symmetric positive-definite D x D matrix (row-major) by Cholesky.
double log_determinant(std::vector<double> A, int D) {
  double log_det = 0.0;
  for (int j = 0; j < D; ++j) {
    double diagonal = A[size_t(j) * D + j];
    for (int k = 0; k < j; ++k) diagonal -= A[size_t(j) * D + k] * A[size_t(j) * D + k];
    require(diagonal > 0.0, "rotated objective: the posterior covariance is not positive definite");
    const double root = std::sqrt(diagonal);
    A[size_t(j) * D + j] = root;
    log_det += 2.0 * std::log(root);
    for (int i = j + 1; i < D; ++i) {
      double value = A[size_t(i) * D + j];
      for (int k = 0; k < j; ++k) value -= A[size_t(i) * D + k] * A[size_t(j) * D + k];
      A[size_t(i) * D + j] = value / root;
    }
  }
  return log_det;
}

std::vector<float> as_floats(const std::vector<double>& values) {
  return std::vector<float>(values.begin(), values.end());
}

// KL(N(mean, Sigma) || N(0, diag lambda)) for one example, in double.
double kl_to_diagonal_gaussian(const std::vector<double>& mean, const std::vector<double>& covariance,
                               const std::vector<double>& lambda, int D) {
  double total = -double(D) - log_determinant(covariance, D);
  for (int i = 0; i < D; ++i)
    total += (covariance[size_t(i) * D + i] + mean[size_t(i)] * mean[size_t(i)]) / lambda[size_t(i)] +
             std::log(lambda[size_t(i)]);
  return 0.5 * total;
}

}  // namespace

std::vector<double> random_orthogonal(int D, PhiloxRng& rng) {
  std::vector<double> Q(size_t(D) * D);
  for (double& value : Q) value = rng.next_normal();
  // Modified Gram-Schmidt on the columns; the positive norm is the QR's diagonal, so the columns need no
  // further sign fix.
  for (int j = 0; j < D; ++j) {
    for (int k = 0; k < j; ++k) {
      double dot = 0.0;
      for (int i = 0; i < D; ++i) dot += Q[size_t(i) * D + k] * Q[size_t(i) * D + j];
      for (int i = 0; i < D; ++i) Q[size_t(i) * D + j] -= dot * Q[size_t(i) * D + k];
    }
    double norm = 0.0;
    for (int i = 0; i < D; ++i) norm += Q[size_t(i) * D + j] * Q[size_t(i) * D + j];
    norm = std::sqrt(norm);
    for (int i = 0; i < D; ++i) Q[size_t(i) * D + j] /= norm;
  }
  return Q;
}

std::vector<double> identity_matrix(int D) {
  std::vector<double> I(size_t(D) * D, 0.0);
  for (int i = 0; i < D; ++i) I[size_t(i) * D + i] = 1.0;
  return I;
}

RotatedObjective rotated_objective(const Model& model, const Tensor& x, const std::vector<float>& noise,
                                   const std::vector<double>& rotation,
                                   const std::vector<double>& prior_variances) {
  Tape tape = Tape::evaluation();
  GaussianCode code = model.encode(tape, x);
  const int B = code.mean.dim(0), D = code.mean.dim(1);
  require(noise.size() == size_t(B) * D && rotation.size() == size_t(D) * D &&
              prior_variances.size() == size_t(D),
          "rotated objective: noise, rotation or prior variances do not match the batch and latents");
  const Device device = model.device();
  Tensor R = Tensor::from_vector(as_floats(rotation), {D, D}, device);
  std::vector<double> transposed(rotation.size());
  for (int i = 0; i < D; ++i)
    for (int j = 0; j < D; ++j) transposed[size_t(j) * D + i] = rotation[size_t(i) * D + j];
  Tensor R_transposed = Tensor::from_vector(as_floats(transposed), {D, D}, device);
  // Rows are examples, so R v for each row v is the row times R^T.
  Tensor stddev = exp(tape, scale(tape, code.log_variance, 0.5f));
  Tensor rotated_mean = matmul(tape, code.mean, R_transposed);
  Tensor rotated_noise =
      matmul(tape, mul(tape, stddev, Tensor::from_vector(noise, {B, D}, device)), R_transposed);
  Tensor z = add(tape, rotated_mean, rotated_noise);
  Tensor decoded = model.decode(tape, matmul(tape, z, R));  // decoder input R^T z'
  RotatedObjective result;
  result.reconstruction =
      reconstruction_loss(tape, decoded, x.to(device), model.settings().reconstruction).item();

  const std::vector<float> means = rotated_mean.to_vector(), log_variances = code.log_variance.to_vector();
  const std::vector<double> ones(size_t(D), 1.0);
  for (int b = 0; b < B; ++b) {
    std::vector<double> mean(static_cast<size_t>(D)), covariance(static_cast<size_t>(D) * D, 0.0);
    for (int i = 0; i < D; ++i) mean[size_t(i)] = means[size_t(b) * D + i];
    for (int i = 0; i < D; ++i)
      for (int j = 0; j < D; ++j)
        for (int k = 0; k < D; ++k)
          covariance[size_t(i) * D + j] += rotation[size_t(i) * D + k] * rotation[size_t(j) * D + k] *
                                           std::exp(double(log_variances[size_t(b) * D + k]));
    result.kl_isotropic += kl_to_diagonal_gaussian(mean, covariance, ones, D) / B;
    result.kl_anisotropic += kl_to_diagonal_gaussian(mean, covariance, prior_variances, D) / B;
  }
  return result;
}

RepresentationFunction rotated_representation(RepresentationFunction base, std::vector<double> rotation,
                                              int D) {
  return [base = std::move(base), rotation = std::move(rotation), D](const float* images, size_t batch,
                                                                     float* codes) {
    std::vector<float> plain(batch * size_t(D));
    base(images, batch, plain.data());
    for (size_t b = 0; b < batch; ++b)
      for (int i = 0; i < D; ++i) {
        double value = 0.0;
        for (int j = 0; j < D; ++j) value += rotation[size_t(i) * D + j] * plain[b * D + size_t(j)];
        codes[b * D + size_t(i)] = float(value);
      }
  };
}

}  // namespace untangle
