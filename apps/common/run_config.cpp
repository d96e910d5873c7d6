#include "apps/common/run_config.h"

#include <cstdlib>
#include <filesystem>

#include "apps/common/json.h"
#include "apps/common/learned_manipulation.h"
#include "apps/common/pca_prior.h"
#include "build_info.h"
#include "core/check.h"
#include "core/file_io.h"
#include "nn/presets.h"

namespace untangle {

const std::vector<PaperPreset>& paper_presets() {
  // Zietlow et al. 2021, Table 2 (appendix): the hyperparameters of the line search's best models, used
  // for Tables 1 and 3-5; the latent size there is the number of factors.
  static const std::vector<PaperPreset> presets = {
      {"beta_vae", "dsprites", "beta", "8", "Zietlow et al. Table 2"},
      {"beta_vae", "shapes3d", "beta", "32", "Zietlow et al. Table 2"},
      {"beta_tcvae", "dsprites", "beta", "6", "Zietlow et al. Table 2"},
      {"beta_tcvae", "shapes3d", "beta", "32", "Zietlow et al. Table 2"},
      {"factor_vae", "dsprites", "gamma", "35", "Zietlow et al. Table 2"},
      {"factor_vae", "shapes3d", "gamma", "7", "Zietlow et al. Table 2"},
      {"slow_vae", "dsprites", "beta", "1", "Zietlow et al. Table 2"},
      {"slow_vae", "shapes3d", "beta", "1", "Zietlow et al. Table 2"},
  };
  return presets;
}

DatasetOptions RunConfig::dataset_options() const {
  DatasetOptions options;
  options.spacing = spacing;
  options.data_file = data_file;
  options.noise = noise;
  options.noise_seed = seed;
  if (!manipulation.empty()) add_manipulation(options, manipulation);
  return options;
}

namespace {

std::string text_of(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

long long parse_integer(const std::string& name, const std::string& text, const std::string& source) {
  return parse_integer_text(text, source + ": '" + name + "'");
}

// An integer field held as an int: a value that would wrap is refused, not narrowed.
int parse_int(const std::string& name, const std::string& text, const std::string& source) {
  const long long value = parse_integer(name, text, source);
  require(value >= -2147483647LL - 1 && value <= 2147483647LL, source, ": '", name, "' = ", value,
          " is out of range");
  return int(value);
}

double parse_number(const std::string& name, const std::string& text, const std::string& source) {
  return parse_number_text(text, source + ": '" + name + "'");
}

bool parse_bool(const std::string& name, const std::string& text, const std::string& source) {
  require(text == "true" || text == "false", source, ": '", name, "' must be true or false, got '", text,
          "'");
  return text == "true";
}

// The run-level fields (the model's come from nn/model_settings.cpp).
std::vector<std::pair<std::string, std::string>> run_fields(const RunConfig& c) {
  return {{"preset", c.preset},
          {"dataset", c.dataset},
          {"spacing", std::to_string(c.spacing)},
          {"data_file", c.data_file},
          {"noise", text_of(c.noise)},
          {"manipulation", c.manipulation},
          {"standardise", c.standardise ? "true" : "false"},
          {"steps", std::to_string(c.steps)},
          {"batch", std::to_string(c.batch)},
          {"seed", std::to_string(c.seed)},
          {"device", c.device},
          {"cuda_graph", c.cuda_graph ? "true" : "false"},
          {"log_every", std::to_string(c.log_every)},
          {"checkpoint_every", std::to_string(c.checkpoint_every)},
          {"eval_every", std::to_string(c.eval_every)},
          {"final_metrics", c.final_metrics},
          {"final_metric_sizes", c.final_metric_sizes},
          {"version", c.version}};
}

// The shortest decimal that reads back as the same number: a value that is exactly a float (every
// float setting) only needs to come back as that float, so 1e-4f prints as 0.0001, not 9.99999975e-05.
std::string shortest_text(double value) {
  const bool is_float = double(float(value)) == value;
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    const double back = std::strtod(buffer, nullptr);
    if (is_float ? float(back) == float(value) : back == value) break;
  }
  return buffer;
}

bool looks_integer(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtoll(text.c_str(), &end, 10);
  return end && *end == '\0';
}

bool looks_numeric(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end && *end == '\0';
}

// A path given on the command line as an absolute one, so a run resumed from another directory still
// finds its files ("" stays "").
std::string absolute_path(const std::string& path) {
  return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> run_config_fields(const RunConfig& config) {
  auto fields = model_settings_to_fields(config.model);
  for (auto& field : run_fields(config)) fields.push_back(field);
  return fields;
}

RunConfig run_config_from_fields(const std::map<std::string, std::string>& fields,
                                 const std::string& source) {
  RunConfig c;
  std::map<std::string, std::string> model_fields;
  const auto run_names = run_fields(c);
  for (const auto& [name, value] : fields) {
    bool is_run_field = false;
    for (const auto& [run_name, unused] : run_names) is_run_field = is_run_field || run_name == name;
    if (!is_run_field) model_fields[name] = value;
  }
  c.model = model_settings_from_fields(model_fields);
  auto get = [&](const char* name) -> const std::string* {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  // A run is not rebuilt from guesses: without these a default (e.g. another dataset) would be used
  // silently, and its images would not fit the checkpoint's model.
  for (const char* key : {"dataset", "steps", "batch", "seed", "latents", "channels", "height", "width"})
    require(fields.count(key), source, ": no '", key, "' key (a run's config.json lists every setting)");
  if (auto v = get("preset")) c.preset = *v;
  if (auto v = get("dataset")) c.dataset = *v;
  if (auto v = get("spacing")) c.spacing = parse_int("spacing", *v, source);
  if (auto v = get("data_file")) c.data_file = *v;
  if (auto v = get("noise")) c.noise = float(parse_number("noise", *v, source));
  if (auto v = get("manipulation")) c.manipulation = *v;
  if (auto v = get("standardise")) c.standardise = parse_bool("standardise", *v, source);
  if (auto v = get("steps")) c.steps = parse_integer("steps", *v, source);
  if (auto v = get("batch")) c.batch = parse_int("batch", *v, source);
  if (auto v = get("seed")) {
    const long long seed = parse_integer("seed", *v, source);
    require(seed >= 0, source, ": 'seed' must not be negative, got ", seed);
    c.seed = (unsigned long long)seed;
  }
  if (auto v = get("device")) c.device = *v;
  if (auto v = get("cuda_graph")) c.cuda_graph = parse_bool("cuda_graph", *v, source);
  if (auto v = get("log_every")) c.log_every = parse_integer("log_every", *v, source);
  if (auto v = get("checkpoint_every")) c.checkpoint_every = parse_integer("checkpoint_every", *v, source);
  if (auto v = get("eval_every")) c.eval_every = parse_integer("eval_every", *v, source);
  if (auto v = get("final_metrics")) c.final_metrics = *v;
  if (auto v = get("final_metric_sizes")) c.final_metric_sizes = *v;
  if (auto v = get("version")) c.version = *v;
  validate_run_config(c, source);
  return c;
}

void write_run_config(const std::string& path, const RunConfig& config) {
  write_file_atomically(path, run_config_json(config));
}

std::string run_config_json(const RunConfig& config) {
  JsonObject json;
  for (const auto& [name, value] : run_config_fields(config)) {
    // Numbers as JSON numbers (the seed as an exact integer); a version stays text.
    if (name == "seed")
      json.add(name, (long long)config.seed);
    else if (looks_integer(value))
      json.raw_number(name, value);
    else if (looks_numeric(value) && name != "version")
      json.raw_number(name, shortest_text(std::strtod(value.c_str(), nullptr)));
    else if (value == "true" || value == "false")
      json.add(name, value == "true");
    else
      json.add(name, value);
  }
  return json.str(2) + "\n";
}

RunConfig read_run_config(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return run_config_from_fields(parse_flat_json(std::string(bytes.begin(), bytes.end()), path), path);
}

std::vector<std::string> model_setting_flags() {
  std::vector<std::string> flags;
  for (const auto& [name, value] : model_settings_to_fields(ModelSettings{})) {
    if (name == "model" || name == "channels" || name == "height" || name == "width" ||
        name == "dataset_size" || name == "factors")
      continue;  // chosen by --model or taken from the dataset
    std::string flag = name;
    for (char& ch : flag)
      if (ch == '_') ch = '-';
    flags.push_back(flag);
  }
  return flags;
}

namespace {

// Flags that say which data the run sees (read before the model is sized to the data).
void apply_data_flags(Args& args, RunConfig& c) {
  c.spacing = args.small_integer("spacing", c.spacing);
  c.data_file = args.text("data-file", c.data_file);
  c.noise = float(args.number("noise", c.noise));
  if (args.has("manipulation")) c.manipulation = absolute_path(args.text("manipulation", ""));
  const long long seed = args.integer("seed", (long long)c.seed);
  require(seed >= 0, "option --seed must not be negative, got ", seed);
  c.seed = (unsigned long long)seed;
  c.device = args.text("device", c.device);
  const std::string graph = args.text("cuda-graph", c.cuda_graph ? "true" : "false");
  require(graph == "true" || graph == "false", "option --cuda-graph: expected true or false, got '", graph,
          "'");
  c.cuda_graph = graph == "true";
}

// Layer 4: the schedule and every model setting the user named.
void apply_training_flags(Args& args, RunConfig& c) {
  args.refuse_both("lr", "learning-rate");
  c.steps = args.integer("steps", c.steps);
  c.batch = args.small_integer("batch", c.batch);
  if (args.has("lr")) c.model.optimizer.learning_rate = float(args.number("lr", 0.0));
  for (const std::string& flag : model_setting_flags()) {
    if (!args.has(flag)) continue;
    std::string name = flag;
    for (char& ch : name)
      if (ch == '-') ch = '_';
    try {
      set_model_setting(c.model, name, args.text(flag, ""));
    } catch (const Error& error) {
      fail("option --", flag, ": ", error.what());
    }
  }
  if (args.has("standardise")) {
    const std::string text = args.text("standardise", "");
    require(text == "true" || text == "false", "option --standardise: expected true or false, got '", text,
            "'");
    c.standardise = text == "true";
  }
  c.log_every = args.integer("log-every", c.log_every);
  c.checkpoint_every = args.integer("checkpoint-every", c.checkpoint_every);
  c.eval_every = args.integer("eval-every", c.eval_every);
  c.final_metrics = args.text("final-metrics", c.final_metrics);
  c.final_metric_sizes = args.text("final-sizes", c.final_metric_sizes);
}

// Layers 1-3 for --model / --dataset / --preset, with the data flags applied before the model is sized.
RunConfig resolved_defaults(Args& args) {
  RunConfig c;
  const std::string model = args.text("model", "beta_vae");
  c.dataset = args.text("dataset", "dsprites");
  c.preset = args.text("preset", default_convention_preset(model));
  apply_data_flags(args, c);

  // 1-2: model defaults, then the convention preset (loss, optimiser, initialiser, architecture, batch).
  c.model = default_model_settings(model);
  const ConventionPreset& convention = find_convention_preset(c.preset);
  apply_convention_preset(convention, c.model);
  c.batch = convention.batch_size;
  c.standardise = convention.standardise_inputs;

  // The model is sized to the data (checked first, so a bad value is named before it is used).
  validate_run_config(c, kCommandLine);
  auto dataset = make_dataset(c.dataset, c.dataset_options());
  c.model.channels = int(dataset->channels());
  c.model.height = int(dataset->height());
  c.model.width = int(dataset->width());
  c.model.dataset_size = double(dataset->size());
  c.model.factors = int(dataset->num_factors());
  if (convention.latents_from_factors) c.model.latents = c.model.factors;

  // 3: the papers' values for this (model, dataset); the latent size is then the number of factors.
  for (const PaperPreset& p : paper_presets()) {
    if (model != p.model || c.dataset != p.dataset) continue;
    set_model_setting(c.model, p.setting, p.value);
    c.model.latents = int(dataset->num_factors());
  }
  return c;
}

}  // namespace

RunConfig run_config_from_args(Args& args) {
  RunConfig c;
  if (args.has("config")) {
    // A run's config.json is layers 1-3 already; model, dataset and preset are the file's.
    for (const char* fixed : {"model", "dataset", "preset"})
      require(!args.has(fixed), "--", fixed,
              " cannot change a run given by --config (edit the file instead)");
    c = read_run_config(args.text("config", ""));
    apply_data_flags(args, c);
  } else {
    c = resolved_defaults(args);
  }
  apply_training_flags(args, c);
  // 5: an anisotropic prior without given variances starts from the data's PCA spectrum (Mathieu et al.),
  // estimated from 256 observations drawn with the run's seed and recorded in config.json.
  if (c.model.model == "decomposition_vae" && c.model.prior == "anisotropic" &&
      c.model.prior_variances.empty()) {
    auto dataset = make_dataset(c.dataset, c.dataset_options());
    c.model.prior_variances = variances_text(dataset_pca_spectrum(*dataset, c.model.latents, 256, c.seed));
  }
  c.version = UNTANGLE_VERSION;
  validate_run_config(c, kCommandLine);
  return c;
}

}  // namespace untangle
