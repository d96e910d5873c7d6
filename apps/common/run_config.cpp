#include "apps/common/run_config.h"

#include <cstdlib>
#include <filesystem>

#include "apps/common/json.h"
#include "apps/common/learned_manipulation.h"
#include "apps/common/pca_prior.h"
#include "build_info.h"
#include "kernels/check.h"
#include "kernels/file_io.h"
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
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  require(!text.empty() && end && *end == '\0', source, ": '", name, "' is not an integer ('", text, "')");
  return value;
}

double parse_number(const std::string& name, const std::string& text, const std::string& source) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  require(!text.empty() && end && *end == '\0', source, ": '", name, "' is not a number ('", text, "')");
  return value;
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

void check_positive(const RunConfig& c) {
  require(c.noise == 0.0f || c.manipulation.empty(), "--noise and --manipulation are two variants of the data; give one");
  require(c.steps >= 1, "--steps must be at least 1");
  require(c.batch >= 1, "--batch must be at least 1");
  require(c.log_every >= 1, "--log-every must be at least 1");
  require(c.checkpoint_every >= 1, "--checkpoint-every must be at least 1");
  require(c.eval_every >= 0, "--eval-every must be 0 (off) or positive");
  require(c.final_metric_sizes == "reference" || c.final_metric_sizes == "fast",
          "--final-sizes must be reference or fast");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> run_config_fields(const RunConfig& config) {
  auto fields = model_settings_to_fields(config.model);
  for (auto& field : run_fields(config)) fields.push_back(field);
  return fields;
}

RunConfig run_config_from_fields(const std::map<std::string, std::string>& fields, const std::string& source) {
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
  if (auto v = get("preset")) c.preset = *v;
  if (auto v = get("dataset")) c.dataset = *v;
  if (auto v = get("spacing")) c.spacing = int(parse_integer("spacing", *v, source));
  if (auto v = get("data_file")) c.data_file = *v;
  if (auto v = get("noise")) c.noise = float(parse_number("noise", *v, source));
  if (auto v = get("manipulation")) c.manipulation = *v;
  if (auto v = get("standardise")) c.standardise = *v == "true";
  if (auto v = get("steps")) c.steps = parse_integer("steps", *v, source);
  if (auto v = get("batch")) c.batch = int(parse_integer("batch", *v, source));
  if (auto v = get("seed")) c.seed = (unsigned long long)parse_integer("seed", *v, source);
  if (auto v = get("device")) c.device = *v;
  if (auto v = get("cuda_graph")) c.cuda_graph = *v == "true";
  if (auto v = get("log_every")) c.log_every = parse_integer("log_every", *v, source);
  if (auto v = get("checkpoint_every")) c.checkpoint_every = parse_integer("checkpoint_every", *v, source);
  if (auto v = get("eval_every")) c.eval_every = parse_integer("eval_every", *v, source);
  if (auto v = get("final_metrics")) c.final_metrics = *v;
  if (auto v = get("final_metric_sizes")) c.final_metric_sizes = *v;
  if (auto v = get("version")) c.version = *v;
  return c;
}

void write_run_config(const std::string& path, const RunConfig& config) {
  JsonObject json;
  for (const auto& [name, value] : run_config_fields(config)) {
    // Numbers as JSON numbers (the seed as an exact integer); a version stays text.
    if (name == "seed") json.add(name, (long long)config.seed);
    else if (looks_integer(value)) json.raw_number(name, value);
    else if (looks_numeric(value) && name != "version") json.raw_number(name, shortest_text(std::strtod(value.c_str(), nullptr)));
    else if (value == "true" || value == "false") json.add(name, value == "true");
    else json.add(name, value);
  }
  write_file_atomically(path, json.str(2) + "\n");
}

RunConfig read_run_config(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return run_config_from_fields(parse_flat_json(std::string(bytes.begin(), bytes.end()), path), path);
}

std::vector<std::string> model_setting_flags() {
  std::vector<std::string> flags;
  for (const auto& [name, value] : model_settings_to_fields(ModelSettings{})) {
    if (name == "model" || name == "channels" || name == "height" || name == "width" || name == "dataset_size" ||
        name == "factors")
      continue;  // chosen by --model or taken from the dataset
    std::string flag = name;
    for (char& ch : flag)
      if (ch == '_') ch = '-';
    flags.push_back(flag);
  }
  return flags;
}

RunConfig run_config_from_args(Args& args) {
  RunConfig c;
  const std::string model = args.text("model", "beta_vae");
  c.dataset = args.text("dataset", "dsprites");
  c.preset = args.text("preset", default_convention_preset(model));
  c.spacing = int(args.integer("spacing", 8));
  c.data_file = args.text("data-file", "");
  c.noise = float(args.number("noise", 0.0));
  c.manipulation = absolute_path(args.text("manipulation", ""));
  c.seed = (unsigned long long)args.integer("seed", 0);
  c.device = args.text("device", "auto");
  const std::string graph = args.text("cuda-graph", "true");
  require(graph == "true" || graph == "false", "--cuda-graph: expected true or false, got '", graph, "'");
  c.cuda_graph = graph == "true";
  c.version = UNTANGLE_VERSION;

  // 1-2: model defaults, then the convention preset (loss, optimiser, initialiser, architecture, batch).
  c.model = default_model_settings(model);
  const ConventionPreset& convention = find_convention_preset(c.preset);
  apply_convention_preset(convention, c.model);
  c.batch = convention.batch_size;
  c.standardise = convention.standardise_inputs;

  // The model is sized to the data.
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

  // 4: the user's flags.
  c.steps = args.integer("steps", c.steps);
  c.batch = int(args.integer("batch", c.batch));
  if (args.has("lr")) c.model.optimizer.learning_rate = float(args.number("lr", 0.0));
  for (const std::string& flag : model_setting_flags()) {
    if (!args.has(flag)) continue;
    std::string name = flag;
    for (char& ch : name)
      if (ch == '-') ch = '_';
    set_model_setting(c.model, name, args.text(flag, ""));
  }
  if (args.has("standardise")) c.standardise = args.text("standardise", "") != "false";
  c.log_every = args.integer("log-every", c.log_every);
  c.checkpoint_every = args.integer("checkpoint-every", c.checkpoint_every);
  c.eval_every = args.integer("eval-every", c.eval_every);
  c.final_metrics = args.text("final-metrics", c.final_metrics);
  c.final_metric_sizes = args.text("final-sizes", c.final_metric_sizes);
  // 5: an anisotropic prior without given variances starts from the data's PCA spectrum (Mathieu et al.),
  // estimated from 256 observations drawn with the run's seed and recorded in config.json.
  if (c.model.model == "decomposition_vae" && c.model.prior == "anisotropic" && c.model.prior_variances.empty())
    c.model.prior_variances = variances_text(dataset_pca_spectrum(*dataset, c.model.latents, 256, c.seed));
  check_positive(c);
  return c;
}

}  // namespace untangle
