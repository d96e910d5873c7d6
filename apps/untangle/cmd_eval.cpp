// `untangle eval`: the disentanglement metrics of a trained run, from its checkpoint and dataset.
// Each evaluation setting has its own file, so a second evaluation with other options never replaces
// the first's results (eval_file_name below).
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "apps/common/args.h"
#include "apps/common/decomposition_metrics.h"
#include "apps/common/json.h"
#include "apps/common/metric_progress.h"
#include "apps/common/trained_run.h"
#include "apps/untangle/commands.h"
#include "core/file_io.h"
#include "metrics/evaluate.h"

namespace untangle {

namespace {

const char* kUsage =
    R"(usage: untangle eval --run DIR [--metrics LIST] [--sizes reference|fast] [--seed S] [--out FILE]
                     [--manipulation FILE | --noise EPS] [--hoyer N] [--iwae K [--iwae-points N]]
Computes metrics of the run's encoder means on freshly sampled observations of its dataset and prints
one JSON object. It also reports the active units (latents whose posterior variance, averaged over the
data, is below 0.8) and each latent's mean variance. Progress and an estimate of the time go to stderr.
The JSON is also written to FILE, by default one file per evaluation setting in DIR:
    eval_<sizes>_seed<S>_step<N>[_<metrics>][_noise<EPS> | _manipulation-<file stem>][_hoyer<N>][_iwae<K>x<N>].json
(<metrics> only when not the default list, joined by '-'), so an evaluation with other options, or of
the run after more training, never replaces an earlier one; the same setting gives the same numbers.
  --metrics  comma-separated, from: mig, dci, sap, sap_continuous, modularity, unsupervised,
             factorvae, betavae (default mig,dci,sap,factorvae,betavae)
  --sizes    reference (disentanglement_lib's study sizes, default) or fast (disent's); the JSON's
             "sizes" and "metric_points" say which made the scores
  --seed     evaluation seed (default: the run's seed)
  --manipulation FILE, --noise EPS   score the encoder on this variant of the run's dataset instead of
             the one it trained on (Zietlow et al.'s mod. / noise data)
  --hoyer N  also the normalised Hoyer sparsity of the encoder means of N observations ("hoyer_sparsity";
             Mathieu et al. 2019; default 0 = off)
  --iwae K   also the importance-weighted log p(x) with K samples ("iwae_log_px", nats per observation;
             Mathieu et al. use K = 1000) on --iwae-points observations (default 500); default 0 = off
)";

std::string eval_file_name(const std::string& sizes, uint64_t seed, long long step,
                           const std::string& metrics, const std::string& variant) {
  std::string name = "eval_" + sizes + "_seed" + std::to_string(seed) + "_step" + std::to_string(step);
  std::string default_list;
  for (const std::string& m : default_metric_names()) default_list += (default_list.empty() ? "" : ",") + m;
  if (metrics != default_list) {
    std::string joined;
    for (const std::string& m : split_list(metrics)) joined += (joined.empty() ? "" : "-") + m;
    name += "_" + joined;
  }
  return name + variant + ".json";
}

}  // namespace

int command_eval(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  const std::string directory = args.required_text("run");
  const std::string metric_list = args.text("metrics", "mig,dci,sap,factorvae,betavae");
  const std::string sizes = args.text("sizes", "reference");
  const long long seed = args.integer("seed", -1);
  const std::string manipulation = args.text("manipulation", "");
  const bool other_noise = args.has("noise");
  const float noise = float(args.number("noise", 0.0));
  const std::string out_option = args.text("out", "");
  const bool out_given = args.has("out");
  const long long hoyer_points = args.integer("hoyer", 0), iwae_samples = args.integer("iwae", 0);
  const long long iwae_points = args.integer("iwae-points", 500);
  require(hoyer_points == 0 || hoyer_points >= 2, "--hoyer: needs at least 2 observations, got ",
          hoyer_points);
  require(iwae_samples >= 0 && iwae_points >= 1, "--iwae and --iwae-points must be positive");
  args.reject_unknown();
  require(sizes == "reference" || sizes == "fast", "--sizes must be reference or fast");
  require(!out_given || !out_option.empty(), "option --out is empty");
  for (const std::string& name : split_list(metric_list))
    require(std::find(metric_names().begin(), metric_names().end(), name) != metric_names().end(),
            "option --metrics: unknown metric '", name, "'");

  TrainedRun run = load_trained_run(directory);
  if (!manipulation.empty() || other_noise) use_data_variant(run, manipulation, noise);
  EvaluationRequest request;
  request.metrics = split_list(metric_list);
  request.sizes = sizes == "fast" ? kFastSizes : kReferenceSizes;
  request.seed = seed >= 0 ? uint64_t(seed) : run.config.seed;

  // A variant of the data is part of the setting, so it never replaces the plain evaluation.
  std::string variant;
  if (!manipulation.empty()) variant = "_manipulation-" + std::filesystem::path(manipulation).stem().string();
  if (other_noise) variant = "_noise" + std::to_string(noise);
  // So are the extra scores: an evaluation with them never replaces one without.
  if (hoyer_points > 0) variant += "_hoyer" + std::to_string(hoyer_points);
  if (iwae_samples > 0) variant += "_iwae" + std::to_string(iwae_samples) + "x" + std::to_string(iwae_points);
  const std::string out =
      out_given ? out_option
                : directory + "/" + eval_file_name(sizes, request.seed, run.step, metric_list, variant);

  JsonObject json;
  json.add("run", directory).add("step", run.step).add("sizes", sizes).add("seed", (long long)request.seed);
  json.add("metric_points", describe_plan(plan_metrics(request)));
  for (const auto& [name, value] :
       evaluate_model_with_progress("eval", *run.model, *run.dataset, *run.inputs, request))
    json.add(name, value);
  // Active units (mean posterior variance < 0.8), for the over-pruning filter of Zietlow et al. §5.3.
  add_active_units(json, model_active_units(*run.model, *run.dataset, *run.inputs,
                                            sizes == "fast" ? 2000 : 10000, request.seed));
  if (hoyer_points > 0)
    json.add("hoyer_sparsity",
             model_hoyer_sparsity(*run.model, *run.dataset, *run.inputs, size_t(hoyer_points), request.seed));
  if (iwae_samples > 0) {
    json.add("iwae_samples", iwae_samples).add("iwae_points", iwae_points);
    json.add("iwae_log_px", model_log_likelihood(*run.model, *run.dataset, *run.inputs, size_t(iwae_points),
                                                 int(iwae_samples), request.seed));
  }
  write_file_atomically(out, json.str(2) + "\n");
  std::fprintf(stderr, "eval: wrote %s\n", out.c_str());
  std::printf("%s\n", json.str().c_str());
  return 0;
}

}  // namespace untangle
