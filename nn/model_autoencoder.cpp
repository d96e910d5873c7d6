// AE: the deterministic autoencoder baseline (disent frameworks/ae/_unsupervised__ae.py, Ae).
//   z = mean(x)            (the encoder's log-variance head is unused: no noise, no prior)
//   loss = recon(decode(z), x)
#include "nn/model.h"

namespace untangle {

namespace {

class Autoencoder : public Model {
 public:
  using Model::Model;
  bool can_capture_step() const override { return true; }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng&, long long) const override {
    Tensor z = encode(tape, batch.x).mean;  // (B, D)
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, settings_.reconstruction);
    return {reconstruction, {{"loss", reconstruction}, {"reconstruction", reconstruction}}};
  }
};

}  // namespace

std::unique_ptr<Model> make_autoencoder(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<Autoencoder>(settings, rng);
}

}  // namespace untangle
