// `untangle metrics`: disentanglement metrics of a codes table, as one JSON object on stdout
// (DESIGN.md "contract — commands"; metric definitions in metrics/*.h and docs/metrics.md).
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "apps/common/args.h"
#include "apps/untangle/commands.h"
#include "data/npy.h"
#include "metrics/codes_table.h"
#include "metrics/evaluate.h"

namespace untangle {

namespace {

const char* kUsage =
    "usage: untangle metrics --codes C.npy --factors F.npy [--test-codes C2.npy --test-factors F2.npy]\n"
    "                        [--factor-sizes a,b,c] [--metrics mig,dci,sap,factorvae,betavae] [--seed S]\n"
    "                        [--sizes reference|fast] [--prune-threshold X]\n"
    "\n"
    "Computes disentanglement metrics and prints one JSON object on stdout.\n"
    "  --codes, --factors    codes table (N x D float32/float64) and factor indices (N x K integers)\n"
    "  --test-codes/--test-factors  a separate test set: train and test are then exactly the given rows\n"
    "                        (no sampling, no shuffling). Without them each metric samples its points\n"
    "                        from the table with --seed (exactly disentanglement_lib's sampling when the\n"
    "                        table holds the whole factor grid; random rows otherwise).\n"
    "  --factor-sizes        the factor grid (default: largest index + 1 per factor)\n"
    "  --metrics             any of mig, dci, sap, sap_continuous, modularity, unsupervised, factorvae,\n"
    "                        betavae (default mig,dci,sap,factorvae,betavae). factorvae and betavae always\n"
    "                        draw factor-conditioned samples from the --codes table used as a lookup.\n"
    "  --seed                random seed (default 0)\n"
    "  --sizes               reference (disentanglement_lib study, default) or fast (disent's training-time sizes)\n"
    "  --prune-threshold     FactorVAE: codes with std below this are inactive (default 0.05; disent uses 0)\n";

// Loads a codes (float) or factors (integer) table, naming the file and option in every error.
NpyArray load_table(const std::string& path, const char* option, bool integer) {
  NpyArray array;
  try {
    array = read_npy(path);
  } catch (const Error& error) {
    fail(option, " ", path, ": ", error.what());
  }
  require(array.shape.size() == 2, option, " ", path, ": expected a 2-d array (rows x columns), got ",
          array.shape.size(), " dimensions");
  const bool is_float = array.dtype == DType::Float32 || array.dtype == DType::Float64;
  if (integer)
    require(!is_float, option, " ", path, ": factors must be integer indices (int64), got ", dtype_name(array.dtype));
  else
    require(is_float, option, " ", path, ": codes must be float32 or float64, got ", dtype_name(array.dtype));
  require(array.shape[0] > 0 && array.shape[1] > 0, option, " ", path, ": the table is empty");
  return array;
}

LabelledCodes load_labelled_codes(const std::string& codes_path, const char* codes_option,
                                  const std::string& factors_path, const char* factors_option) {
  NpyArray codes = load_table(codes_path, codes_option, false);
  NpyArray factors = load_table(factors_path, factors_option, true);
  require(codes.shape[0] == factors.shape[0], codes_option, " ", codes_path, " has ", codes.shape[0], " rows but ",
          factors_option, " ", factors_path, " has ", factors.shape[0]);
  const std::string what = codes_path + " / " + factors_path;
  return make_labelled_codes(codes.as_double(), factors.as_int64(), codes.shape[0], codes.shape[1], factors.shape[1],
                             what.c_str());
}

void print_number(double value) {
  if (std::isfinite(value)) std::printf("%.10g", value);
  else std::printf("null");  // JSON has no NaN: an undefined score (e.g. MIG of a constant factor)
}

}  // namespace

int command_metrics(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  const std::string codes_path = args.required_text("codes"), factors_path = args.required_text("factors");
  const std::string test_codes_path = args.text("test-codes", ""), test_factors_path = args.text("test-factors", "");
  const std::string sizes_text = args.text("factor-sizes", "");
  const std::string metrics_text = args.text("metrics", "");
  const long long seed = args.integer("seed", 0);
  const std::string preset = args.text("sizes", "reference");
  const double prune_threshold = args.number("prune-threshold", 0.05);
  args.reject_unknown();
  require(test_codes_path.empty() == test_factors_path.empty(),
          "--test-codes and --test-factors go together (give both or neither)");
  require(seed >= 0, "--seed must be non-negative");
  require(preset == "reference" || preset == "fast", "--sizes must be 'reference' or 'fast', got '", preset, "'");

  EvaluationRequest request;
  if (!metrics_text.empty()) request.metrics = split_list(metrics_text);
  request.seed = uint64_t(seed);
  request.sizes = preset == "fast" ? kFastSizes : kReferenceSizes;
  request.factor_vae_prune_threshold = prune_threshold;
  std::vector<size_t> factor_sizes;
  for (const std::string& part : split_list(sizes_text)) {
    char* end = nullptr;
    const long long size = std::strtoll(part.c_str(), &end, 10);
    require(end && *end == '\0' && size > 0, "--factor-sizes: '", part, "' is not a positive integer");
    factor_sizes.push_back(size_t(size));
  }

  const LabelledCodes train = load_labelled_codes(codes_path, "--codes", factors_path, "--factors");
  check_codes_for_metrics(train, "--codes " + codes_path);
  bool conditioning = false;
  for (const std::string& name : request.metrics) conditioning = conditioning || needs_factor_conditioning(name);
  // Validates factor indices against --factor-sizes, and the table's density when conditioning is needed.
  const std::unique_ptr<CodeSource> table = make_codes_table_source(train, factor_sizes, conditioning);
  const bool full_grid = covers_factor_grid(train, table->factor_sizes());

  MetricScores scores;
  std::string sampling;
  size_t num_test_rows = 0;
  if (!test_codes_path.empty()) {
    const LabelledCodes test = load_labelled_codes(test_codes_path, "--test-codes", test_factors_path, "--test-factors");
    require(test.num_codes == train.num_codes, "--test-codes has ", test.num_codes, " columns but --codes has ",
            train.num_codes);
    require(test.num_factors == train.num_factors, "--test-factors has ", test.num_factors,
            " columns but --factors has ", train.num_factors);
    num_test_rows = test.num_points;
    scores = evaluate_metrics_on_rows(train, test, table.get(), request);
    sampling = "given rows";
  } else {
    scores = evaluate_metrics(*table, request);
    sampling = full_grid ? "sampled from the full factor grid" : "sampled rows of the table";
  }

  std::printf("{\"sampling\": \"%s\", \"seed\": %lld, \"sizes\": \"%s\", \"train_rows\": %zu, \"test_rows\": %zu, ",
              sampling.c_str(), seed, preset.c_str(), train.num_points, num_test_rows);
  std::printf("\"num_codes\": %zu, \"factor_sizes\": [", train.num_codes);
  const std::vector<size_t> sizes = table->factor_sizes();
  for (size_t k = 0; k < sizes.size(); ++k) std::printf("%s%zu", k ? ", " : "", sizes[k]);
  std::printf("]");
  for (const auto& [name, value] : scores) {
    std::printf(", \"%s\": ", name.c_str());
    print_number(value);
  }
  std::printf("}\n");
  return 0;
}

}  // namespace untangle
