// The trainer: runs a RunConfig to completion in a run directory (docs/design.md "Run directory"):
//
//   DIR/config.json       every setting (RunConfig), written first
//   DIR/train_log.csv     step, TERM_mean for each of the model's loss terms (its mean over the steps since
//                         the previous row), seconds; the console shows single steps' values ("this step:")
//   DIR/checkpoint.utg    weights, optimiser state, step, RNG positions, the open log interval's sums;
//                         every --checkpoint-every steps
//   DIR/metrics_log.csv   fast MIG / DCI every --eval-every steps (when on)
//   DIR/metrics.json      the final metrics (and the best fast values seen during training)
//   DIR/reconstructions.png, DIR/traversals.png
//   DIR/diverged.json     only after a divergence (divergence.h)
//
// Resuming from the checkpoint continues the same random streams, so on the CPU a resumed run ends with
// the same files as an uninterrupted one (wall-clock seconds aside), whenever it was stopped or killed:
// log rows after the checkpoint are dropped and logged again, and a run without a checkpoint starts over.
// A non-finite loss term, weight or Adam moment stops the run naming the step and the term or tensor;
// no checkpoint holding a non-finite value is ever written, so the last good one is kept.
#pragma once
#include <string>

#include "apps/common/run_config.h"
#include "apps/common/trained_run.h"

namespace untangle {

struct TrainingResult {
  long long steps_done = 0;
  bool stopped_on_non_finite_loss = false;
  bool cuda_graph_used = false;  // the steady-state step was replayed as a CUDA graph
  // SIGINT or SIGTERM stopped the run after steps_done steps, with a checkpoint there (0: not stopped).
  int stopped_by_signal = 0;
};

// The rows of one training batch, drawn as the model's pair_sampling() and settings say: uniform
// observations, or pairs split into (x, x_pair) and, for matched pairs, their labels. out.x (and
// out.x_pair) must already have rows_per_input rows.
void draw_batch(const GroundTruthDataset& dataset, const InputPipeline& inputs, const Model& model, int batch,
                PhiloxRng& rng, Batch& out);
// Rows of x (and of x_pair) for a batch of `batch`: temporal pairs split the batch's images into halves;
// an odd batch is then an error.
int rows_per_input(const Model& model, int batch);

// Trains `config` in `directory`. With resume, the directory's checkpoint is loaded first (config must
// be the directory's own, with steps possibly raised). Throws untangle::Error on bad input.
TrainingResult train_run(const RunConfig& config, const std::string& directory, bool resume);

}  // namespace untangle
