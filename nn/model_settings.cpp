// ModelSettings as named text fields: what the trainer writes to config.json, and reads back to rebuild
// a run's model (resume, eval, encode). One table lists every field once, with how to print and parse it,
// so a new setting cannot be written without also being read.
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/check.h"
#include "nn/model.h"

namespace untangle {

namespace {

struct Field {
  const char* name;
  std::function<std::string(const ModelSettings&)> print;
  std::function<void(ModelSettings&, const std::string&)> parse;
};

std::string exact(double value) {
  std::ostringstream out;
  out.precision(17);  // round-trips a double (and so every float) exactly
  out << value;
  return out.str();
}

double parse_number(const std::string& field, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  require(!text.empty() && end && *end == '\0', "model setting '", field, "': '", text, "' is not a number");
  require(std::isfinite(value), "model setting '", field, "': '", text, "' is not a finite number");
  return value;
}

// The parsed value as T: an integer setting must be a whole number within T's range (a cast would wrap
// or be undefined), a float one within float's range. Ranges that make sense for a model are checked
// with the run configuration (apps/common/run_config.cpp, validate_run_config).
template <typename T>
T parse_as(const std::string& field, const std::string& text) {
  const double value = parse_number(field, text);
  if constexpr (std::is_integral_v<T>) {
    require(value == std::floor(value) && value >= double(std::numeric_limits<T>::lowest()) &&
                value < double(std::numeric_limits<T>::max()) + 1.0,
            "model setting '", field, "': '", text, "' is not a whole number in range");
  } else {
    require(std::fabs(value) <= double(std::numeric_limits<T>::max()), "model setting '", field, "': '", text,
            "' is out of range");
  }
  return T(value);
}

// A field holding a number of type T at `member`.
template <typename T>
Field number(const char* name, T ModelSettings::*member) {
  return {name, [member](const ModelSettings& s) { return exact(double(s.*member)); },
          [name, member](ModelSettings& s, const std::string& text) { s.*member = parse_as<T>(name, text); }};
}

// A number inside a nested struct (the reconstruction settings or an optimiser's hyperparameters).
template <typename Outer, typename T>
Field nested_number(const char* name, Outer ModelSettings::*outer, T Outer::*member) {
  return {name, [outer, member](const ModelSettings& s) { return exact(double(s.*outer.*member)); },
          [name, outer, member](ModelSettings& s, const std::string& text) {
            s.*outer.*member = parse_as<T>(name, text);
          }};
}

Field text(const char* name, std::string ModelSettings::*member) {
  return {name, [member](const ModelSettings& s) { return s.*member; },
          [member](ModelSettings& s, const std::string& value) { s.*member = value; }};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      text("model", &ModelSettings::model),
      text("architecture", &ModelSettings::architecture),
      {"initializer", [](const ModelSettings& s) { return initializer_name(s.initializer); },
       [](ModelSettings& s, const std::string& v) { s.initializer = initializer_from_name(v); }},
      number("channels", &ModelSettings::channels),
      number("height", &ModelSettings::height),
      number("width", &ModelSettings::width),
      number("latents", &ModelSettings::latents),
      {"reconstruction",
       [](const ModelSettings& s) { return reconstruction_kind_name(s.reconstruction.kind); },
       [](ModelSettings& s, const std::string& v) {
         s.reconstruction.kind = reconstruction_kind_from_name(v);
       }},
      {"reduction", [](const ModelSettings& s) { return loss_reduction_name(s.reconstruction.reduction); },
       [](ModelSettings& s, const std::string& v) {
         s.reconstruction.reduction = loss_reduction_from_name(v);
       }},
      nested_number("blur_radius", &ModelSettings::reconstruction, &ReconstructionSettings::blur_radius),
      nested_number("pixel_weight", &ModelSettings::reconstruction, &ReconstructionSettings::pixel_weight),
      nested_number("blur_weight", &ModelSettings::reconstruction, &ReconstructionSettings::blur_weight),
      nested_number("learning_rate", &ModelSettings::optimizer, &AdamHyperparameters::learning_rate),
      nested_number("adam_beta1", &ModelSettings::optimizer, &AdamHyperparameters::beta1),
      nested_number("adam_beta2", &ModelSettings::optimizer, &AdamHyperparameters::beta2),
      nested_number("adam_epsilon", &ModelSettings::optimizer, &AdamHyperparameters::epsilon),
      number("beta", &ModelSettings::beta),
      number("gamma", &ModelSettings::gamma),
      number("c_max", &ModelSettings::c_max),
      number("rate_prior", &ModelSettings::rate_prior),
      number("iteration_threshold", &ModelSettings::iteration_threshold),
      number("lambda_od", &ModelSettings::lambda_od),
      number("lambda_d_factor", &ModelSettings::lambda_d_factor),
      number("dataset_size", &ModelSettings::dataset_size),
      text("ada_divergence", &ModelSettings::ada_divergence),
      text("ada_mean_source", &ModelSettings::ada_mean_source),
      number("discriminator_width", &ModelSettings::discriminator_width),
      number("discriminator_hidden_layers", &ModelSettings::discriminator_hidden_layers),
      nested_number("discriminator_learning_rate", &ModelSettings::discriminator_optimizer,
                    &AdamHyperparameters::learning_rate),
      nested_number("discriminator_beta1", &ModelSettings::discriminator_optimizer,
                    &AdamHyperparameters::beta1),
      nested_number("discriminator_beta2", &ModelSettings::discriminator_optimizer,
                    &AdamHyperparameters::beta2),
      nested_number("discriminator_epsilon", &ModelSettings::discriminator_optimizer,
                    &AdamHyperparameters::epsilon),
      number("factors", &ModelSettings::factors),
      number("k", &ModelSettings::k),
      text("transition", &ModelSettings::transition),
      number("transition_rate", &ModelSettings::transition_rate),
      text("pairing", &ModelSettings::pairing),
      number("gan_channels", &ModelSettings::gan_channels),
      number("alpha", &ModelSettings::alpha),
      text("divergence", &ModelSettings::divergence),
      text("prior", &ModelSettings::prior),
      text("prior_variances", &ModelSettings::prior_variances),
      number("learn_prior_variance", &ModelSettings::learn_prior_variance),
      number("student_t_dof", &ModelSettings::student_t_dof),
      number("spike_weight", &ModelSettings::spike_weight),
  };
  return table;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> model_settings_to_fields(const ModelSettings& settings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Field& field : fields()) out.emplace_back(field.name, field.print(settings));
  return out;
}

ModelSettings model_settings_from_fields(const std::map<std::string, std::string>& values) {
  auto model = values.find("model");
  require(model != values.end(), "model settings: no 'model' field");
  ModelSettings settings = default_model_settings(model->second);
  for (const auto& [name, value] : values) {
    const Field* field = nullptr;
    for (const Field& f : fields())
      if (name == f.name) field = &f;
    require(field != nullptr, "model settings: unknown field '", name, "'");
    field->parse(settings, value);
  }
  return settings;
}

void set_model_setting(ModelSettings& settings, const std::string& name, const std::string& value) {
  for (const Field& field : fields()) {
    if (name != field.name) continue;
    field.parse(settings, value);
    return;
  }
  fail("model settings: unknown field '", name, "'");
}

}  // namespace untangle
