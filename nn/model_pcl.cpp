// PCL, permutation-contrastive learning (Hyvarinen & Morioka, "Nonlinear ICA of temporally dependent
// stationary sources", AISTATS 2017), as bethgelab/slow_disentanglement runs it on image pairs
// (bethgelab/slow_disentanglement/scripts/solver.py, the `--pcl` branch of Solver.train and Solver.r_func).
// No decoder and no KL: a logistic regression tells true pairs of consecutive frames from pairs whose earlier
// frame is another pair's, and the encoder's features h are trained to make that easy.
//   h1 = mu(frames t+1), h2 = mu(frames t)                       (P, D) each: the encoder's means
//   r(h1, h2) = -sum_i |a_i h1_i + b_i h2_i + c_i| + sum_i h1_i^2 + d
//   positives: r(h1, h2) -> label 1;  negatives: r(h1, h2[perm]) -> label 0, perm a random permutation of
//   the P pairs (torch.randperm in the reference: a negative may keep its own partner)
//   loss = BCE-with-logits over the 2P logits, averaged
// Learned with the encoder by the same Adam: a, b, c in R^D initialised 1, -1, 0 and d in R initialised 0
// (the reference's self.params). The squared term has no coefficient and a positive sign, as in r_func;
// Morioka's original PCL code scales it by a learned a >= 0 instead, and uses a maxout MLP on whitened
// signals where this uses the run's image encoder (default the disentanglement_lib conv net; the reference
// uses its BetaVAE_H encoder with a D-wide output). Our encoder keeps its log-variance head, which PCL
// leaves unused (it gets no gradient and Adam leaves it as initialised).
// Logged: loss, and the classifier's accuracy (r > 0 on positives, r < 0 on negatives).
#include <algorithm>

#include "core/check.h"
#include "nn/model.h"

namespace untangle {

namespace {

class Pcl : public Model {
 public:
  Pcl(const ModelSettings& settings, PhiloxRng& rng)
      : Model(settings, rng, Networks::EncoderOnly),
        a_(Tensor::full({settings.latents}, 1.0f)),
        b_(Tensor::full({settings.latents}, -1.0f)),
        c_(Tensor::zeros({settings.latents})),
        d_(Tensor::zeros({1})) {
    for (const Tensor& t : {a_, b_, c_, d_}) t.set_requires_grad(true);
  }

  PairSampling pair_sampling() const override { return PairSampling::Temporal; }

  // The encoder's group, plus the regression's coefficients (checkpointed with it).
  std::vector<ParameterGroup> parameter_groups() const override {
    std::vector<ParameterGroup> groups = Model::parameter_groups();
    groups[0].parameters.add("pcl.a", a_);
    groups[0].parameters.add("pcl.b", b_);
    groups[0].parameters.add("pcl.c", c_);
    groups[0].parameters.add("pcl.d", d_);
    return groups;
  }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    require(batch.x_pair.defined() && batch.x_pair.shape() == batch.x.shape(), "model '", settings_.model,
            "' trains on temporal pairs: the batch needs x_pair (frames t+1) with the shape of x (frames t)");
    const int pairs = batch.x.dim(0);
    Tensor frames = concat(tape, {batch.x, batch.x_pair}, 0);   // (2P, C, H, W): frames t, then frames t+1
    Tensor features = encode(tape, frames).mean;                // (2P, D)
    Tensor earlier = slice(tape, features, 0, 0, pairs);        // h2: (P, D)
    Tensor later = slice(tape, features, 0, pairs, 2 * pairs);  // h1: (P, D)
    Tensor positives = score(tape, later, earlier);             // (P)
    Tensor negatives = score(tape, later, permute_rows(tape, earlier, rng));  // (P)

    Tensor logits = concat(tape, {positives, negatives}, 0);  // (2P)
    std::vector<float> labels(size_t(2 * pairs), 0.0f);
    std::fill(labels.begin(), labels.begin() + pairs, 1.0f);
    Tensor targets = Tensor::from_vector(labels, {2 * pairs}, logits.device());
    Tensor loss = bce_with_logits(tape, logits, targets, Reduction::Mean);
    return {loss, {{"loss", loss}, {"accuracy", accuracy(positives, negatives)}}};
  }

 private:
  // r(h1, h2) = -sum_i |a_i h1_i + b_i h2_i + c_i| + sum_i h1_i^2 + d.  h1, h2: (P, D) -> (P)
  Tensor score(Tape& tape, const Tensor& h1, const Tensor& h2) const {
    Tensor inside = add(tape, add(tape, mul(tape, h1, a_), mul(tape, h2, b_)), c_);  // (P, D)
    Tensor penalty = sum(tape, abs(tape, inside), 1);                                // (P)
    Tensor energy = sum(tape, square(tape, h1), 1);                                  // (P)
    return add(tape, sub(tape, energy, penalty), d_);
  }

  // The fraction of logits on the right side of 0, from device ops so the step never waits for the GPU:
  // with margin = r on positives and -r on negatives, relu(margin) / (|margin| + tiny) is 1 where the
  // margin is positive and 0 where it is not (tiny only keeps 0/0 away).
  static Tensor accuracy(const Tensor& positives, const Tensor& negatives) {
    Tape untracked = Tape::evaluation();
    Tensor margin = concat(untracked, {positives, scale(untracked, negatives, -1.0f)}, 0);
    Tensor correct =
        div(untracked, relu(untracked, margin), add_scalar(untracked, abs(untracked, margin), 1e-30f));
    return mean(untracked, correct);
  }

  Tensor a_, b_, c_, d_;  // (D), (D), (D), (1)
};

}  // namespace

std::unique_ptr<Model> make_pcl(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<Pcl>(settings, rng);
}

}  // namespace untangle
