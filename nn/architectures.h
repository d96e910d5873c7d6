// The encoder and decoder networks of the reference study (disentanglement_lib,
// methods/shared/architectures.py; ../shared/reference/disentanglement_lib.md §1). Images are 64x64.
//
// conv_encoder:   conv 32 k4 s2 -> conv 32 k4 s2 -> conv 64 k2 s2 -> conv 64 k2 s2 (all ReLU)
//                 -> flatten 1024 -> dense 256 ReLU -> two heads: mean (D), log-variance (D)
// deconv_decoder: dense 256 ReLU -> dense 1024 ReLU -> reshape (64, 4, 4)
//                 -> convT 64 -> convT 32 -> convT 32 (k4 s2, ReLU) -> convT C (k4 s2) = Bernoulli logits
// TensorFlow's SAME padding on these even sizes is symmetric padding 1 for k4 s2 and 0 for k2 s2.
// TF flattens NHWC and we flatten NCHW: a fixed permutation of the dense layer's inputs, which changes
// nothing about what the network can learn (it matters only when importing TF weights).
#pragma once
#include "nn/layers.h"

namespace untangle {

struct GaussianCode {
  Tensor mean;          // (B, D)
  Tensor log_variance;  // (B, D)
};

class ConvEncoder {
 public:
  ConvEncoder(int channels, int latents, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // x: (B, C, 64, 64) -> mean, log-variance: (B, D)
  GaussianCode forward(Tape& tape, const Tensor& x) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;

 private:
  Conv2d conv1_, conv2_, conv3_, conv4_;
  Linear dense_, mean_head_, log_variance_head_;
};

class DeconvDecoder {
 public:
  DeconvDecoder(int channels, int latents, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // z: (B, D) -> logits: (B, C, 64, 64)
  Tensor forward(Tape& tape, const Tensor& z) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;

 private:
  Linear dense1_, dense2_;
  ConvTranspose2d deconv1_, deconv2_, deconv3_, deconv4_;
};

}  // namespace untangle
