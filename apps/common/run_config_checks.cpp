// The valid range of every run setting, checked in one place (validate_run_config in run_config.h):
// after the command line is parsed and after a run's config.json is read. A value outside its range is
// an error naming the setting, never narrowed, clamped or replaced by a default.
//
// The ranges are those under which the settings mean something in the references: weights of loss terms
// are non-negative (β-VAE, β-TCVAE, FactorVAE γ, DIP-VAE λ), Adam's β1/β2 lie in [0, 1) and its learning
// rate and ε are positive (Kingma & Ba 2015), xysquares' grid spacing is 1..8 (data/xysquares.h).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "apps/common/run_config.h"
#include "core/check.h"
#include "data/dataset.h"
#include "metrics/evaluate.h"

namespace untangle {

namespace {

// Names a setting as the user gave it: a flag on the command line, a key in a file.
class SettingChecker {
 public:
  explicit SettingChecker(const std::string& source)
      : source_(source), command_line_(source == kCommandLine) {}

  std::string name(const std::string& key) const {
    if (!command_line_) return source_ + ": '" + key + "'";
    if (key == "final_metric_sizes") return "option --final-sizes";
    if (key == "learning_rate") return "option --lr (--learning-rate)";
    std::string flag = key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return "option --" + flag;
  }
  void at_least(const std::string& key, double value, double minimum) const {
    require(std::isfinite(value) && value >= minimum, name(key), " must be at least ", minimum, ", got ",
            value);
  }
  void positive(const std::string& key, double value) const {
    require(std::isfinite(value) && value > 0, name(key), " must be positive, got ", value);
  }
  void in_range(const std::string& key, double value, double low, double high) const {
    require(std::isfinite(value) && value >= low && value <= high, name(key), " must be in [", low, ", ",
            high, "], got ", value);
  }
  // Adam's decay rates: [0, 1).
  void decay_rate(const std::string& key, double value) const {
    require(std::isfinite(value) && value >= 0 && value < 1, name(key), " must be in [0, 1), got ", value);
  }
  void one_of(const std::string& key, const std::string& value,
              const std::vector<std::string>& allowed) const {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fail(name(key), " must be one of ", list, ", got '", value, "'");
  }

 private:
  std::string source_;
  bool command_line_;
};

void validate_model_settings(const ModelSettings& m, const SettingChecker& check) {
  check.at_least("latents", m.latents, 1);
  check.at_least("channels", m.channels, 1);
  check.at_least("height", m.height, 1);
  check.at_least("width", m.width, 1);
  check.at_least("factors", m.factors, 0);
  check.positive("learning_rate", m.optimizer.learning_rate);
  check.decay_rate("adam_beta1", m.optimizer.beta1);
  check.decay_rate("adam_beta2", m.optimizer.beta2);
  check.positive("adam_epsilon", m.optimizer.epsilon);
  check.positive("discriminator_learning_rate", m.discriminator_optimizer.learning_rate);
  check.decay_rate("discriminator_beta1", m.discriminator_optimizer.beta1);
  check.decay_rate("discriminator_beta2", m.discriminator_optimizer.beta2);
  check.positive("discriminator_epsilon", m.discriminator_optimizer.epsilon);
  check.at_least("beta", m.beta, 0);
  check.at_least("gamma", m.gamma, 0);
  check.at_least("c_max", m.c_max, 0);
  check.positive("rate_prior", m.rate_prior);
  check.at_least("iteration_threshold", double(m.iteration_threshold), 1);
  check.at_least("lambda_od", m.lambda_od, 0);
  check.at_least("lambda_d_factor", m.lambda_d_factor, 0);
  check.at_least("dataset_size", m.dataset_size, 1);
  check.at_least("blur_radius", m.reconstruction.blur_radius, 0);
  check.at_least("pixel_weight", m.reconstruction.pixel_weight, 0);
  check.at_least("blur_weight", m.reconstruction.blur_weight, 0);
  check.at_least("discriminator_width", m.discriminator_width, 1);
  check.at_least("discriminator_hidden_layers", m.discriminator_hidden_layers, 0);
  check.at_least("gan_channels", m.gan_channels, 1);
  require(m.k == -1 || m.k >= 1, check.name("k"), " must be -1 (drawn per pair) or at least 1, got ", m.k);
  require(m.transition_rate == -1.0f || (std::isfinite(m.transition_rate) && m.transition_rate > 0),
          check.name("transition_rate"), " must be positive or -1 (drawn per pair), got ", m.transition_rate);
  check.one_of("transition", m.transition, {"laplace", "uniform"});
  check.one_of("pairing", m.pairing, {"share", "change"});
  check.one_of("ada_divergence", m.ada_divergence, {"asymmetric_kl", "symmetric_kl"});
  check.one_of("ada_mean_source", m.ada_mean_source, {"both", "second"});
  check.at_least("alpha", m.alpha, 0);
  check.one_of("divergence", m.divergence, {"mmd", "aggregate_kl"});
  check.one_of("prior", m.prior, {"isotropic", "anisotropic", "student_t", "spike_and_slab"});
  check.in_range("learn_prior_variance", m.learn_prior_variance, 0, 1);
  check.positive("student_t_dof", m.student_t_dof);
  check.in_range("spike_weight", m.spike_weight, 0, 1);
}

}  // namespace

void validate_run_config(const RunConfig& c, const std::string& source) {
  const SettingChecker check(source);
  check.one_of("dataset", c.dataset, dataset_names());
  check.in_range("spacing", c.spacing, 1, 8);
  check.in_range("noise", c.noise, 0, 1);
  require(c.noise == 0.0f || c.manipulation.empty(), source,
          ": noise and manipulation are two variants of the data; give one");
  check.at_least("steps", double(c.steps), 1);
  check.at_least("batch", c.batch, 1);
  check.one_of("device", c.device, {"auto", "cpu", "cuda"});
  check.at_least("log_every", double(c.log_every), 1);
  check.at_least("checkpoint_every", double(c.checkpoint_every), 1);
  check.at_least("eval_every", double(c.eval_every), 0);
  for (const std::string& metric : split_list(c.final_metrics))
    check.one_of("final_metrics", metric, metric_names());
  check.one_of("final_metric_sizes", c.final_metric_sizes, {"reference", "fast"});
  validate_model_settings(c.model, check);
}

void check_model_fits_dataset(const RunConfig& c, const GroundTruthDataset& dataset,
                              const std::string& source) {
  const ModelSettings& m = c.model;
  require(size_t(m.channels) == dataset.channels() && size_t(m.height) == dataset.height() &&
              size_t(m.width) == dataset.width(),
          source, ": the model takes ", m.channels, "x", m.height, "x", m.width, " images but dataset '",
          c.dataset, "' has ", dataset.channels(), "x", dataset.height(), "x", dataset.width());
  require(m.factors == 0 || size_t(m.factors) == dataset.num_factors(), source, ": 'factors' is ", m.factors,
          " but dataset '", c.dataset, "' has ", dataset.num_factors());
}

}  // namespace untangle
