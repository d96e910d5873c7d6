// Zietlow et al. 2021's learned dataset manipulation (§4.4 and appendix B.1): an additive image m(w),
// rendered from an observation's ground-truth factors w, perturbs the dataset as
//   x' = reflect(x + eps * m(w)),   |m(w)| <= 1 (a tanh output),
//   reflect(v) = v - 2 relu(v - 1) + 2 relu(-v)   (keeps [0, 1]; appendix B.1's x'_norm)
// eps = 0.1 on dSprites and 0.175 on Shapes3D in the paper.
//
// The network is disentanglement_lib's deconv decoder (nn/architectures.h DeconvDecoder) whose input
// MLP gets one extra hidden layer of a single neuron: the factors are compressed to one scalar before
// the image is rendered, so m cannot simply encode every factor in its own pixels. The bottleneck is a
// linear unit (the paper does not name its activation; a single ReLU unit could die and freeze m).
//   w: (B, K) factor values scaled to [0, 1] -> dense 1 -> DeconvDecoder(latents = 1) -> tanh
//   -> m(w): (B, C, 64, 64) in [-1, 1]
//
// A trained manipulation is saved as a checkpoint file (nn/checkpoint.h) holding the network's tensors
// and what it was trained for (dataset, factor sizes, channels, eps), so any command can apply it as a
// dataset transform and refuse a file made for other data.
#pragma once
#include <string>
#include <vector>

#include "nn/architectures.h"

namespace untangle {

class ManipulationNetwork {
 public:
  ManipulationNetwork(int factors, int channels, PhiloxRng& rng,
                      Initializer init = Initializer::GlorotUniform);
  // w: (B, K) in [0, 1] -> m(w): (B, C, 64, 64) in [-1, 1]
  Tensor forward(Tape& tape, const Tensor& w) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;
  int factors() const { return factors_; }
  int channels() const { return channels_; }

 private:
  int factors_, channels_;
  Linear bottleneck_;       // K -> 1
  DeconvDecoder renderer_;  // 1 -> (C, 64, 64)
};

// The network's input for factor indices: index / (size - 1), so every factor spans [0, 1] whatever its
// number of values (a factor with one value gives 0). factors: one row of K indices per observation.
// -> (B, K)
Tensor factor_values(const std::vector<std::vector<size_t>>& factors, const std::vector<size_t>& sizes);

// x' = reflect(x + eps * m), differentiable in both x and m.  x, m: (B, C, H, W) -> (B, C, H, W)
Tensor manipulate(Tape& tape, const Tensor& x, const Tensor& m, float epsilon);

// What a manipulation file records besides the weights.
struct ManipulationInfo {
  std::string dataset;               // the dataset name it was trained on (e.g. "dsprites")
  std::vector<size_t> factor_sizes;  // must match the dataset it is applied to
  int channels = 1;
  float epsilon = 0.1f;
  std::string description;  // free text: how it was made (runs, steps), shown by commands that load it
};

struct LoadedManipulation {
  ManipulationInfo info;
  std::unique_ptr<ManipulationNetwork> network;
};

// Written atomically; the tensors are named "manipulation.*", the info is metadata.
void save_manipulation(const std::string& path, const ManipulationNetwork& network,
                       const ManipulationInfo& info);
// Errors name the file: not a manipulation file, damaged, or inconsistent with its own info.
LoadedManipulation load_manipulation(const std::string& path);

}  // namespace untangle
