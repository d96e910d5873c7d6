// `untangle train`: trains one model on one dataset into a run directory (apps/common/trainer.h).
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/divergence.h"
#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "apps/untangle/commands.h"
#include "data/registry.h"

namespace untangle {

namespace {
void print_usage() {
  std::printf(R"(usage: untangle train --model M --dataset D --out DIR [options]
       untangle train --resume --out DIR [--steps N] [--lr X]

Trains M on D and writes DIR/config.json, train_log.csv, checkpoint.utg, metrics.json and figures.
  --model M            )");
  for (const std::string& name : model_names()) std::printf("%s ", name.c_str());
  std::printf(R"(
  --dataset D          )");
  for (const std::string& name : dataset_names()) std::printf("%s ", name.c_str());
  std::printf(R"(
  --preset P           disentanglement_lib (default: Bernoulli loss summed, Adam 1e-4, batch 64, conv nets)
                       or disent (MSE mean, Adam 1e-3, batch 256, Burgess nets, standardised inputs)
                       or weak_disentangle (weak_gan's default: its own nets, generator Adam 1e-3,
                       batch 64, latents = the dataset's factors)
  --steps N            training steps (default 300000, the reference's)
  --batch B            batch size (default from the preset)
  --lr X               learning rate (default from the preset; weak_gan: the generator's, and
                       --discriminator-learning-rate its discriminator's and encoder's)
  --seed S             one seed for weights, data, noise and evaluation (default 0)
  --device auto|cpu|cuda   where to train (default auto: a CUDA device when one is present)
  --cuda-graph true|false  on a GPU, replay each step as one captured CUDA graph (default true; models
                       that decide things on the host during a step, e.g. factor_vae, always run eagerly)
  --spacing K          xysquares: grid spacing 1..8 (default 8)
  --data-file PATH     dsprites/shapes3d: read the real file instead of rendering
  --noise EPS          add uniform noise in [-EPS, EPS] (Zietlow et al. 5.2)
  --manipulation FILE  apply a learned manipulation x' = reflect(x + eps m(w)) (Zietlow et al. 4.4;
                       made by zietlow_tables; eps is the file's)
  --standardise true|false   per-channel input standardisation (default from the preset)
  --log-every N        train_log.csv rows (default 100)     --checkpoint-every N (default 2000)
  --eval-every N       fast MIG/DCI into metrics_log.csv every N steps (default 0: off)
  --final-metrics LIST metrics at the end (default mig,dci,sap,factorvae,betavae; "" for none)
  --final-sizes reference|fast   sample sizes of the final metrics (default fast; untangle eval
                       --run DIR computes them at the reference study's sizes)
  --resume             continue the run in --out from its checkpoint (bit-identical on the CPU); with
                       --steps N it trains on to N (never fewer than done); a finished run is left as it is.
                       A run that diverged (DIR/diverged.json) continues only with a lower --lr X
Model settings (defaults: the model's reference values, then Zietlow et al. Table 2 for
beta_vae/beta_tcvae/factor_vae/slow_vae on dsprites/shapes3d, with latents = number of factors):
 )");
  for (const std::string& flag : model_setting_flags()) std::printf(" --%s", flag.c_str());
  std::printf("\nExit status: 0 done, 1 bad input or a failed write (e.g. a full disk), 3 stopped on a non-finite\n"
              "loss, weight or Adam moment (the last good checkpoint kept), 130 / 143 stopped by\n"
              "SIGINT / SIGTERM (a checkpoint is written at the step it stopped; --resume continues).\n");
}
}  // namespace

int command_train(int argc, char** argv) {
  Args args(argc, argv, 2, {"resume"});
  if (args.help()) {
    print_usage();
    return 0;
  }
  const std::string out = args.required_text("out");
  RunConfig config;
  const bool resume = args.flag("resume");
  if (resume) {
    config = read_run_config(out + "/config.json");
    config.steps = args.integer("steps", config.steps);
    // A run that diverged continues only with a lower learning rate (apps/common/divergence.h); a healthy
    // run keeps the settings its config.json records.
    require(!(args.has("lr") && args.has("learning-rate")), "give --lr or --learning-rate, not both");
    const char* rate_option = args.has("lr") ? "lr" : "learning-rate";
    if (args.has(rate_option)) {
      require(read_divergence(out).has_value(), "--", rate_option, " with --resume is for a run that diverged; ",
              out, " has not (its settings stay those of its config.json)");
      config.model.optimizer.learning_rate = float(args.number(rate_option, 0.0));
    }
  } else {
    config = run_config_from_args(args);
  }
  args.reject_unknown();
  TrainingResult result = train_run(config, out, resume);
  if (result.stopped_by_signal) return 128 + result.stopped_by_signal;  // the shell's convention: 130, 143
  return result.stopped_on_non_finite_loss ? 3 : 0;
}

}  // namespace untangle
