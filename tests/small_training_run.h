// The small, fast training configuration the trainer's tests share (tests/apps on the CPU, tests/gpu on
// a device): beta-VAE on XYSquares with the reference conv networks, 16 images per batch, a log row every
// 5 steps, no final metrics.
#pragma once
#include "apps/common/run_config.h"

namespace untangle::testing {

inline RunConfig small_training_run(long long steps) {
  RunConfig c;
  c.model = default_model_settings("beta_vae");
  c.model.channels = 3;
  c.model.latents = 6;
  c.model.beta = 4.0f;
  c.model.optimizer.learning_rate = 1e-3f;
  c.dataset = "xysquares";
  c.steps = steps;
  c.batch = 16;
  c.seed = 3;
  c.log_every = 5;
  c.checkpoint_every = 10;
  c.final_metrics = "";
  return c;
}

}  // namespace untangle::testing
