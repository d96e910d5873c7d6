// A run whose training diverged (a loss term, a weight or an Adam moment became NaN or infinite) stops
// and keeps its last good checkpoint. Resuming it with the same settings would replay the same steps to
// the same divergence (training is deterministic), so the run directory records what happened in
// DIR/diverged.json, and `untangle train --resume` refuses to continue until it is given a lower
// learning rate (--lr), which config.json then records. docs/reliability.md "Hard kills and resume".
#pragma once
#include <optional>
#include <string>

#include "nn/checkpoint.h"

namespace untangle {

struct Divergence {
  long long step = 0;             // the step whose loss or update was not finite
  std::string cause;              // e.g. "kl = inf" or "the update made 'encoder.fc1.weight' non-finite"
  double learning_rate = 0;       // the run's --lr when it diverged
  long long checkpoint_step = 0;  // the last good checkpoint's step (0: none was written)
};

// DIR/diverged.json.
std::string divergence_path(const std::string& directory);
void write_divergence(const std::string& directory, const Divergence& divergence);
// The directory's record, or nothing when the run has not diverged.
std::optional<Divergence> read_divergence(const std::string& directory);

// The name of the first tensor of `checkpoint` that holds a NaN or an infinity, or "" when all are finite.
std::string first_non_finite_tensor(const Checkpoint& checkpoint);

}  // namespace untangle
