#include "nn/priors.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace untangle {

namespace {

constexpr double kLogTwoPi = 1.8378770664093453;
constexpr double kPi = 3.14159265358979323846;

struct PriorName {
  PriorKind kind;
  const char* name;
};
const PriorName kPriorNames[] = {{PriorKind::Isotropic, "isotropic"},
                                 {PriorKind::Anisotropic, "anisotropic"},
                                 {PriorKind::StudentT, "student_t"},
                                 {PriorKind::SpikeAndSlab, "spike_and_slab"}};

// -0.5 (z^2 / s^2 + log s^2 + log 2 pi), with log s^2 given per latent (D) and broadcast over rows.
Tensor gaussian_log_density(Tape& tape, const Tensor& z, const Tensor& log_variance) {
  Tensor scaled = mul(tape, square(tape, z), exp(tape, scale(tape, log_variance, -1.0f)));
  return scale(tape, add_scalar(tape, add(tape, scaled, log_variance), float(kLogTwoPi)), -0.5f);
}

// Student-t(nu, 0, s): log Gamma((nu+1)/2) - log Gamma(nu/2) - 0.5 log(nu pi) - log s
//                      - (nu+1)/2 log(1 + z^2 / (nu s^2))
Tensor student_t_log_density(Tape& tape, const Tensor& z, const Tensor& log_variance, double nu) {
  const double constant = std::lgamma((nu + 1.0) / 2.0) - std::lgamma(nu / 2.0) - 0.5 * std::log(nu * kPi);
  Tensor ratio = mul(tape, square(tape, z), exp(tape, scale(tape, log_variance, -1.0f)));  // z^2 / s^2
  Tensor tail = scale(tape, log(tape, add_scalar(tape, scale(tape, ratio, float(1.0 / nu)), 1.0f)),
                      float(-(nu + 1.0) / 2.0));
  return add_scalar(tape, sub(tape, tail, scale(tape, log_variance, 0.5f)), float(constant));
}

// log( gamma N(z; 0, 0.05^2) + (1 - gamma) N(z; 0, s^2) ), the two weighted components side by side on a
// third axis and combined by logsumexp (as Sparse.log_prob upstream).
Tensor spike_and_slab_log_density(Tape& tape, const Tensor& z, const Tensor& log_variance, double gamma) {
  const int B = z.dim(0), D = z.dim(1);
  const double log_spike_variance = 2.0 * std::log(double(kSpikeStddev));
  Tensor spike = add_scalar(tape, scale(tape, square(tape, z), float(-0.5 / (kSpikeStddev * kSpikeStddev))),
                            float(std::log(gamma) - 0.5 * (log_spike_variance + kLogTwoPi)));
  Tensor slab = add_scalar(tape, gaussian_log_density(tape, z, log_variance), float(std::log(1.0 - gamma)));
  Tensor both = concat(tape, {reshape(tape, spike, {B, D, 1}), reshape(tape, slab, {B, D, 1})}, 2);
  return logsumexp(tape, both, 2);
}

}  // namespace

PriorKind prior_kind_from_name(const std::string& name) {
  std::string known;
  for (const PriorName& entry : kPriorNames) {
    if (name == entry.name) return entry.kind;
    known += (known.empty() ? "" : ", ") + std::string(entry.name);
  }
  fail("unknown prior '", name, "' (known: ", known, ")");
}

std::string prior_kind_name(PriorKind kind) {
  for (const PriorName& entry : kPriorNames)
    if (kind == entry.kind) return entry.name;
  fail("prior_kind_name: unknown prior kind");
}

Prior::Prior(const PriorSettings& settings, int latents) : settings_(settings), latents_(latents) {
  require(latents > 0, "prior: latents must be positive, got ", latents);
  require(settings.variances.empty() || int(settings.variances.size()) == latents,
          "prior: ", settings.variances.size(), " variances given for ", latents, " latents");
  require(settings.kind != PriorKind::StudentT || settings.degrees_of_freedom > 0.0f,
          "prior: student_t needs degrees of freedom > 0, got ", settings.degrees_of_freedom);
  require(settings.kind != PriorKind::SpikeAndSlab ||
              (settings.spike_weight > 0.0f && settings.spike_weight < 1.0f),
          "prior: spike_and_slab needs a spike weight in (0, 1), got ", settings.spike_weight);
  std::vector<float> weights(size_t(latents), 0.0f);
  for (size_t d = 0; d < settings.variances.size(); ++d) {
    require(settings.variances[d] > 0.0, "prior: variance ", d, " is not positive (", settings.variances[d],
            ")");
    weights[d] = float(std::log(settings.variances[d]));
  }
  weights_ = Tensor::from_vector(weights, {latents});
  weights_.set_requires_grad(settings.learn_variance);
}

Tensor Prior::log_variance(Tape& tape) const {
  Tensor normaliser = logsumexp(tape, reshape(tape, weights_, {1, latents_}), 1);  // (1)
  return add_scalar(tape, sub(tape, weights_, normaliser), float(std::log(double(latents_))));
}

Tensor Prior::log_density(Tape& tape, const Tensor& z) const {
  require(z.rank() == 2 && z.dim(1) == latents_, "prior: z must be (B, ", latents_, ")");
  Tensor log_var = log_variance(tape);
  switch (settings_.kind) {
    case PriorKind::Isotropic:
    case PriorKind::Anisotropic: return gaussian_log_density(tape, z, log_var);
    case PriorKind::StudentT: return student_t_log_density(tape, z, log_var, settings_.degrees_of_freedom);
    case PriorKind::SpikeAndSlab: return spike_and_slab_log_density(tape, z, log_var, settings_.spike_weight);
  }
  fail("prior: unknown kind");
}

Tensor Prior::sample(Tape& tape, int count, PhiloxRng& rng) const {
  // Each sample is offset + coefficient * s_d: only the slab/Gaussian part scales with the prior's scale.
  const size_t n = size_t(count) * size_t(latents_);
  std::vector<float> offset(n, 0.0f), coefficient(n, 0.0f);
  const double nu = settings_.degrees_of_freedom, gamma = settings_.spike_weight;
  for (size_t i = 0; i < n; ++i) {
    switch (settings_.kind) {
      case PriorKind::Isotropic:
      case PriorKind::Anisotropic: coefficient[i] = float(rng.next_normal()); break;
      case PriorKind::StudentT: {
        // t = eps / sqrt(V / nu), V ~ chi^2_nu = 2 Gamma(nu / 2, 1)
        const double eps = rng.next_normal(), chi_square = 2.0 * sample_gamma(nu / 2.0, rng);
        coefficient[i] = float(eps / std::sqrt(chi_square / nu));
        break;
      }
      case PriorKind::SpikeAndSlab: {
        const bool spike = rng.next_uniform() < gamma;
        const double eps = rng.next_normal();
        (spike ? offset[i] : coefficient[i]) = float(spike ? kSpikeStddev * eps : eps);
        break;
      }
    }
  }
  const Device device = weights_.device();
  Tensor stddev = exp(tape, scale(tape, log_variance(tape), 0.5f));  // (D)
  Tensor scaled = mul(tape, Tensor::from_vector(coefficient, {count, latents_}, device), stddev);
  return add(tape, Tensor::from_vector(offset, {count, latents_}, device), scaled);
}

double sample_gamma(double shape, PhiloxRng& rng) {
  require(shape > 0.0, "sample_gamma: shape must be positive, got ", shape);
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a)
    const double u = std::max(double(rng.next_uniform()), 1e-12);
    return sample_gamma(shape + 1.0, rng) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = rng.next_normal(), v_root = 1.0 + c * x;
    if (v_root <= 0.0) continue;
    const double v = v_root * v_root * v_root;
    const double u = std::max(double(rng.next_uniform()), 1e-12);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

}  // namespace untangle
