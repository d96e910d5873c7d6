// `untangle metrics`: disentanglement metrics of a codes table, as one JSON object on stdout
// (docs/design.md "Commands"; metric definitions in metrics/*.h and docs/metrics.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "apps/common/args.h"
#include "apps/common/metric_progress.h"
#include "apps/untangle/codes_table_info.h"
#include "apps/untangle/commands.h"
#include "core/file_io.h"
#include "data/npy.h"
#include "data/registry.h"
#include "metrics/codes_table.h"
#include "metrics/evaluate.h"

namespace untangle {

namespace {

const char* kUsage =
    "usage: untangle metrics --codes C.npy --factors F.npy [--test-codes C2.npy --test-factors F2.npy]\n"
    "                        [--factor-sizes a,b,c | --dataset D] [--metrics mig,dci,sap,factorvae,betavae]\n"
    "                        [--seed S] [--sizes reference|fast] [--prune-threshold X]\n"
    "\n"
    "Computes disentanglement metrics and prints one JSON object on stdout (progress on stderr).\n"
    "  --codes, --factors    codes table (N x D float32/float64) and factor indices (N x K integers)\n"
    "  --test-codes/--test-factors  a separate test set: train and test are then exactly the given rows\n"
    "                        (no sampling, no shuffling).\n"
    "                        Without them: if the table holds every point of the factor grid, each metric\n"
    "                        samples fresh points from it with --seed (disentanglement_lib's sampling).\n"
    "                        Otherwise the rows are split, with --seed, into disjoint train (2/3) and test\n"
    "                        (1/3) rows, and each metric takes up to its sizes from them without\n"
    "                        replacement (MIG, SAP continuous, unsupervised: from all rows); a warning says\n"
    "                        when the table holds fewer rows than a metric's sizes.\n"
    "  --factor-sizes        the factor grid's sizes, one per factor column\n"
    "  --dataset D           or: take them from dataset D\n"
    "                        (default: the <codes stem>_info.json that untangle encode writes; sizes are\n"
    "                        never guessed from the indices present)\n"
    "  --metrics             any of mig, dci, sap, sap_continuous, modularity, unsupervised, factorvae,\n"
    "                        betavae (default mig,dci,sap,factorvae,betavae). factorvae and betavae always\n"
    "                        draw factor-conditioned samples from the --codes table used as a lookup.\n"
    "  --seed                random seed (default 0)\n"
    "  --sizes               reference (disentanglement_lib study, default) or fast (disent's training-time\n"
    "                        sizes); the JSON's \"sizes\" and \"metric_points\" say what made the scores\n"
    "  --prune-threshold     FactorVAE: codes with std below this are inactive (default 0.05; disent uses "
    "0)\n";

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
    require(!is_float, option, " ", path, ": factors must be integer indices (int64), got ",
            dtype_name(array.dtype));
  else
    require(is_float, option, " ", path, ": codes must be float32 or float64, got ", dtype_name(array.dtype));
  require(array.shape[0] > 0 && array.shape[1] > 0, option, " ", path, ": the table is empty");
  return array;
}

LabelledCodes load_labelled_codes(const std::string& codes_path, const char* codes_option,
                                  const std::string& factors_path, const char* factors_option) {
  NpyArray codes = load_table(codes_path, codes_option, false);
  NpyArray factors = load_table(factors_path, factors_option, true);
  require(codes.shape[0] == factors.shape[0], codes_option, " ", codes_path, " has ", codes.shape[0],
          " rows but ", factors_option, " ", factors_path, " has ", factors.shape[0]);
  const std::string what = codes_path + " / " + factors_path;
  return make_labelled_codes(codes.as_double(), factors.as_int64(), codes.shape[0], codes.shape[1],
                             factors.shape[1], what.c_str());
}

void print_number(double value) {
  if (std::isfinite(value))
    std::printf("%.10g", value);
  else
    std::printf("null");  // JSON has no NaN: an undefined score (e.g. MIG of a constant factor)
}

std::vector<size_t> parse_factor_sizes(const std::string& text) {
  std::vector<size_t> sizes;
  for (const std::string& part : split_list(text)) {
    const long long size = parse_integer_text(part, "option --factor-sizes");
    require(size > 0, "option --factor-sizes: '", part, "' is not a positive integer");
    sizes.push_back(size_t(size));
  }
  require(!sizes.empty(), "option --factor-sizes is empty");
  return sizes;
}

// The factor grid's sizes: --factor-sizes, else --dataset, else the sidecar `untangle encode` wrote beside
// the codes. Never guessed from the indices present (a sample rarely holds every factor's largest value).
std::vector<size_t> resolve_factor_sizes(const std::string& sizes_text, const std::string& dataset_name,
                                         const std::string& codes_path) {
  require(sizes_text.empty() || dataset_name.empty(), "give --factor-sizes or --dataset, not both");
  std::vector<size_t> sizes;
  std::string from;
  if (!sizes_text.empty()) {
    sizes = parse_factor_sizes(sizes_text);
    from = "--factor-sizes";
  } else if (!dataset_name.empty()) {
    sizes = make_dataset(dataset_name, DatasetOptions{})->factor_sizes();
    from = "--dataset " + dataset_name;
  } else {
    const std::string info_path = codes_table_info_path(codes_path);
    require(std::filesystem::exists(info_path), "the factor sizes of ", codes_path,
            " are not known: give --factor-sizes a,b,c or ",
            "--dataset D, or encode with `untangle encode`, which writes them to ", info_path);
    const CodesTableInfo info = read_codes_table_info(info_path);
    sizes = info.factor_sizes;
    from = info_path + " (dataset " + info.dataset + ")";
  }
  std::string list;
  for (size_t size : sizes) list += (list.empty() ? "" : ",") + std::to_string(size);
  std::fprintf(stderr, "metrics: factor sizes %s from %s\n", list.c_str(), from.c_str());
  return sizes;
}

// Warns on stderr for each metric that gets fewer points than its sizes ask for.
void warn_about_shortfalls(const std::vector<MetricPlan>& wanted, const std::vector<MetricPlan>& used,
                           const std::string& sizes_name) {
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (used[i].train >= wanted[i].train && used[i].test >= wanted[i].test) continue;
    std::fprintf(
        stderr,
        "metrics: warning: %s at %s sizes asks for %zu train + %zu test points, but the table gives %zu + "
        "%zu; it uses those (fewer points: noisier scores, not comparable with the reference's)\n",
        wanted[i].metric.c_str(), sizes_name.c_str(), wanted[i].train, wanted[i].test, used[i].train,
        used[i].test);
  }
}

LabelledCodes load_test_rows(const std::string& codes_path, const std::string& factors_path,
                             const LabelledCodes& train) {
  LabelledCodes test = load_labelled_codes(codes_path, "--test-codes", factors_path, "--test-factors");
  require(test.num_codes == train.num_codes, "--test-codes has ", test.num_codes, " columns but --codes has ",
          train.num_codes);
  require(test.num_factors == train.num_factors, "--test-factors has ", test.num_factors,
          " columns but --factors has ", train.num_factors);
  return test;
}

// The one JSON line on stdout.
void print_result(const std::string& sampling, long long seed, const std::string& sizes,
                  const std::string& points, size_t train_rows, size_t test_rows, size_t num_codes,
                  const std::vector<size_t>& factor_sizes, const MetricScores& scores) {
  std::printf("{\"sampling\": \"%s\", \"seed\": %lld, \"sizes\": \"%s\", \"metric_points\": \"%s\", ",
              sampling.c_str(), seed, sizes.c_str(), points.c_str());
  std::printf("\"train_rows\": %zu, \"test_rows\": %zu, \"num_codes\": %zu, \"factor_sizes\": [", train_rows,
              test_rows, num_codes);
  for (size_t k = 0; k < factor_sizes.size(); ++k) std::printf("%s%zu", k ? ", " : "", factor_sizes[k]);
  std::printf("]");
  for (const auto& [name, value] : scores) {
    std::printf(", \"%s\": ", name.c_str());
    print_number(value);
  }
  std::printf("}\n");
}

// The command line of `untangle metrics`, checked.
struct MetricsOptions {
  std::string codes_path, factors_path, test_codes_path, test_factors_path, sizes_text, dataset_name, preset;
  long long seed = 0;
  EvaluationRequest request;
};

MetricsOptions read_metrics_options(Args& args) {
  MetricsOptions o;
  o.codes_path = args.required_text("codes");
  o.factors_path = args.required_text("factors");
  o.test_codes_path = args.text("test-codes", "");
  o.test_factors_path = args.text("test-factors", "");
  o.sizes_text = args.text("factor-sizes", "");
  o.dataset_name = args.text("dataset", "");
  const std::string metrics_text = args.text("metrics", "");
  o.seed = args.integer("seed", 0);
  o.preset = args.text("sizes", "reference");
  const double prune_threshold = args.number("prune-threshold", 0.05);
  args.reject_unknown();
  require(o.test_codes_path.empty() == o.test_factors_path.empty(),
          "--test-codes and --test-factors go together (give both or neither)");
  require(o.seed >= 0, "--seed must be non-negative");
  require(o.preset == "reference" || o.preset == "fast", "--sizes must be 'reference' or 'fast', got '",
          o.preset, "'");
  if (!metrics_text.empty()) o.request.metrics = split_list(metrics_text);
  for (const std::string& name : o.request.metrics)
    require(std::find(metric_names().begin(), metric_names().end(), name) != metric_names().end(),
            "option --metrics: unknown metric '", name, "'");
  o.request.seed = uint64_t(o.seed);
  o.request.sizes = o.preset == "fast" ? kFastSizes : kReferenceSizes;
  o.request.factor_vae_prune_threshold = prune_threshold;
  return o;
}

}  // namespace

int command_metrics(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  MetricsOptions options = read_metrics_options(args);
  const std::string &codes_path = options.codes_path, &test_codes_path = options.test_codes_path;
  const std::string& preset = options.preset;
  const long long seed = options.seed;
  EvaluationRequest& request = options.request;

  const LabelledCodes train = load_labelled_codes(codes_path, "--codes", options.factors_path, "--factors");
  check_codes_for_metrics(train, "--codes " + codes_path);
  const std::vector<size_t> factor_sizes =
      resolve_factor_sizes(options.sizes_text, options.dataset_name, codes_path);
  bool conditioning = false;
  for (const std::string& name : request.metrics)
    conditioning = conditioning || needs_factor_conditioning(name);
  // Validates factor indices against the sizes, and the table's density when conditioning is needed.
  const std::unique_ptr<CodeSource> table = make_codes_table_source(train, factor_sizes, conditioning);
  const bool full_grid = covers_factor_grid(train, factor_sizes);

  const std::vector<MetricPlan> wanted = plan_metrics(request);
  std::vector<MetricPlan> used = wanted;
  std::string sampling;
  size_t num_train_rows = train.num_points, num_test_rows = 0;
  LabelledCodes test;
  RowSplit split;
  if (!test_codes_path.empty()) {
    test = load_test_rows(test_codes_path, options.test_factors_path, train);
    check_codes_for_metrics(test, "--test-codes " + test_codes_path);
    num_test_rows = test.num_points;
    // Exactly the given rows, however many the sizes ask for.
    for (MetricPlan& p : used)
      if (!p.batch) p.train = train.num_points, p.test = p.test ? test.num_points : 0;
    sampling = "given rows";
  } else if (full_grid) {
    sampling = "sampled from the full factor grid";
  } else {
    split = split_rows(train, kTestFraction, request.seed);
    num_train_rows = split.train.num_points;
    num_test_rows = split.test.num_points;
    used = plan_metrics_on_pools(request, train.num_points, num_train_rows, num_test_rows);
    sampling = "disjoint train/test rows of the table";
  }
  warn_about_shortfalls(wanted, used, preset);
  // From a table, codes are looked up: a metric's work grows with the points (or votes) it fits, not
  // with the observations a model would encode.
  std::vector<MetricPlan> work = used;
  for (MetricPlan& p : work) p.observations = p.train + p.test;
  MetricProgressPrinter printer("metrics", work, 0.0);
  printer.announce(preset);
  request.progress = printer.callback();

  MetricScores scores;
  if (!test_codes_path.empty())
    scores = evaluate_metrics_on_rows(train, test, table.get(), request);
  else if (full_grid)
    scores = evaluate_metrics(*table, request);
  else
    scores = evaluate_metrics_on_pools(train, split.train, split.test, table.get(), request);

  print_result(sampling, seed, preset, describe_plan(used), num_train_rows, num_test_rows, train.num_codes,
               factor_sizes, scores);
  return 0;
}

}  // namespace untangle
