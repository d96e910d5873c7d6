// The networks of Shu et al.'s weakly supervised GAN (ICLR 2020; google-research
// weak_disentangle/networks.py Generator, Encoder, Discriminator with mask_type "match", and the widths and
// flags of configs/gan.gin). c = `base_channels` (the reference's 32; tests use fewer). Images are
// (C, H, W) with H and W multiples of 16 (64×64 in the reference), h = H/16, w = W/16. Every convolution is
// k4 s2 with TensorFlow's "same" padding, which on these even sizes is padding 1. Leaky ReLUs have slope
// 0.2 (tensorsketch's LeakyReLU default). Weights start Glorot-uniform and biases at zero (gan.gin's
// "keras" initializer).
//
//   generator      z (B, Z) -> dense 4c, ReLU, BN -> dense 2c·h·w, ReLU, BN -> reshape (2c, h, w)
//                  -> convT 2c, c, c, each leaky ReLU then BN -> convT C -> logits (B, C, H, W)
//                  BN = batch norm after the activation (the reference hooks it onto each ReLU's output).
//                  The reference ends in a sigmoid; here the generator returns its logits, so the image is
//                  sigmoid(logits) (the `bernoulli` reconstruction kind's output_to_image).
//   encoder        conv c, c, 2c, 2c, leaky ReLU -> flatten -> dense 4c, leaky ReLU -> dense 2Z = (a, b)
//                  q(z|x) = N(a, diag s²), s = softplus(b) + 1e-8; spectral norm on all six layers
//   discriminator  width 2 (gan.gin), share_dense on, uncond_bias off:
//                  body (one set of weights for both images): conv 2c, 2c, 4c, 4c, leaky ReLU -> flatten
//                    -> dense 8c, leaky ReLU
//                  neck: concat(body(x1), body(x2)) -> dense 8c, leaky ReLU -> dense 8c, leaky ReLU = h
//                  logit = dense 1 without bias (h) + <h, e_y>,  e_y = row y of the class embedding E (K, 8c)
//                    divided by sqrt(|E_y|² + 1e-3) (weight norm; the reference's head_cond applied to
//                    one_hot(y)), K = the number of pairing labels
//                  spectral norm on the body, the neck and the unconditional head; not on E
//
// Spectral norm and batch norm (nn/normalization.h) keep buffers; a Training forward pass advances them.
#pragma once
#include <string>
#include <vector>

#include "nn/architectures.h"
#include "nn/normalization.h"

namespace untangle {

// A dense layer x Wᵀ + b whose W (out, in) is divided by its spectral norm. x: (B, in) -> (B, out).
class SpectralDense {
 public:
  SpectralDense() = default;
  SpectralDense(int in_features, int out_features, bool has_bias, PhiloxRng& rng, Initializer init);
  // frozen: the weights enter as constants, so the result trains nothing in this layer.
  Tensor forward(Tape& tape, const Tensor& x, ForwardMode mode, bool frozen = false) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;
  Tensor weight, bias;  // bias undefined when the layer has none
  SpectralNorm norm;
};

// A k4 s2 p1 convolution whose W (O, C, 4, 4), seen as (O, 16C), is divided by its spectral norm.
// x: (N, C, H, W) -> (N, O, H/2, W/2).
class SpectralConv2d {
 public:
  SpectralConv2d() = default;
  SpectralConv2d(int in_channels, int out_channels, PhiloxRng& rng, Initializer init);
  Tensor forward(Tape& tape, const Tensor& x, ForwardMode mode, bool frozen = false) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;
  Tensor weight, bias;
  SpectralNorm norm;
};

// The sizes every GAN network is built for.
struct GanShape {
  int channels = 1, height = 64, width = 64;
  int latents = 5;         // Z: the generator's input and the encoder's output
  int classes = 5;         // K: the discriminator's pairing labels (one per factor)
  int base_channels = 32;  // c
};

class GanGenerator : public Decoder {
 public:
  GanGenerator(const GanShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // z: (B, Z) -> logits (B, C, H, W); the tape's mode (forward_mode_of) picks batch or running statistics.
  Tensor forward(Tape& tape, const Tensor& z) const override {
    return forward(tape, z, forward_mode_of(tape));
  }
  Tensor forward(Tape& tape, const Tensor& z, ForwardMode mode) const;
  void collect(ParameterList& parameters, const std::string& prefix) const override;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;

 private:
  GanShape shape_;
  Linear dense1_, dense2_;
  ConvTranspose2d deconv1_, deconv2_, deconv3_, deconv4_;
  std::vector<BatchNorm> batch_norms_;  // after dense1, dense2, deconv1, deconv2, deconv3
};

class GanEncoder : public Encoder {
 public:
  GanEncoder(const GanShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // x: (B, C, H, W) -> mean a and log-variance 2·log(softplus(b) + 1e-8), each (B, Z)
  GaussianCode forward(Tape& tape, const Tensor& x) const override {
    return forward(tape, x, forward_mode_of(tape));
  }
  GaussianCode forward(Tape& tape, const Tensor& x, ForwardMode mode) const;
  void collect(ParameterList& parameters, const std::string& prefix) const override;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;

 private:
  GanShape shape_;
  std::vector<SpectralConv2d> convs_;
  SpectralDense dense_, code_;
};

class GanDiscriminator {
 public:
  GanDiscriminator(const GanShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // x1, x2: (B, C, H, W) images in [0, 1] (pair b is (x1[b], x2[b])); labels: one-hot (B, K) -> logits (B, 1)
  Tensor forward(Tape& tape, const Tensor& x1, const Tensor& x2, const Tensor& labels,
                 ForwardMode mode) const;
  // The same with every weight as a constant: gradients reach the images but no weight (the generator's
  // step). A Training pass still advances the spectral-norm vectors, as the reference's.
  Tensor forward_frozen(Tape& tape, const Tensor& x1, const Tensor& x2, const Tensor& labels,
                        ForwardMode mode) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;

  // The two halves of forward (frozen: weights as constants):
  // the pair features h = neck(concat(body(x1), body(x2))): x1, x2 (B, C, H, W) -> (B, 8c)
  Tensor pair_features(Tape& tape, const Tensor& x1, const Tensor& x2, ForwardMode mode, bool frozen) const;
  // the logit from them: h (B, 8c), labels one-hot (B, K) -> (B, 1) = dense1(h) + <h, e_y>
  Tensor logits(Tape& tape, const Tensor& h, const Tensor& labels, ForwardMode mode, bool frozen) const;
  // The weight-normalised class embedding: rows e_y (K, 8c).
  Tensor class_vectors(Tape& tape, bool frozen) const;
  static constexpr float kWeightNormEpsilon = 1e-3f;  // gan.gin weight_normalization.add.epsilon

 private:
  GanShape shape_;
  std::vector<SpectralConv2d> body_convs_;
  SpectralDense body_dense_, neck1_, neck2_, unconditional_head_;
  Tensor class_embedding_;  // (K, 8c), trained; weight-normalised rows are used
};

// labels (each in [0, classes)) -> one-hot rows (B, classes) on `device`.
Tensor one_hot(const std::vector<int>& labels, int classes, Device device);

}  // namespace untangle
