// The encoder and decoder networks, selectable by name (make_encoder / make_decoder):
//   "conv"    disentanglement_lib's conv_encoder / deconv_decoder (below; architectures.cpp)
//   "burgess" disent's vae_conv64 (architecture_burgess.cpp)
//   "fc"      disentanglement_lib's fc_encoder / fc_decoder (architecture_fc.cpp)
//   "linear"  one linear map each way, the linear VAE of Zietlow et al.'s Theorem 1 (architecture_linear.cpp)
// and FactorVAE's discriminator (discriminator.h).
//
// The encoder and decoder networks of the reference study (disentanglement_lib,
// methods/shared/architectures.py; docs/models.md). Images are 64x64.
//
// conv_encoder:   conv 32 k4 s2 -> conv 32 k4 s2 -> conv 64 k2 s2 -> conv 64 k2 s2 (all ReLU)
//                 -> flatten 1024 -> dense 256 ReLU -> two heads: mean (D), log-variance (D)
// deconv_decoder: dense 256 ReLU -> dense 1024 ReLU -> reshape (64, 4, 4)
//                 -> convT 64 -> convT 32 -> convT 32 (k4 s2, ReLU) -> convT C (k4 s2) = Bernoulli logits
// TensorFlow's SAME padding on these even sizes is symmetric padding 1 for k4 s2 and 0 for k2 s2.
// TF flattens NHWC and we flatten NCHW: a fixed permutation of the dense layer's inputs, which changes
// nothing about what the network can learn (it matters only when importing TF weights).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/layers.h"

namespace untangle {

struct GaussianCode {
  Tensor mean;          // (B, D)
  Tensor log_variance;  // (B, D)
};

// What every encoder does: images to the parameters of a diagonal Gaussian posterior.
class Encoder {
 public:
  virtual ~Encoder() = default;
  // x: (B, C, H, W) -> mean, log-variance: (B, D)
  virtual GaussianCode forward(Tape& tape, const Tensor& x) const = 0;
  virtual void collect(ParameterList& parameters, const std::string& prefix) const = 0;
};

// What every decoder does: codes to one output per pixel (Bernoulli logits, or values for MSE).
class Decoder {
 public:
  virtual ~Decoder() = default;
  // z: (B, D) -> (B, C, H, W)
  virtual Tensor forward(Tape& tape, const Tensor& z) const = 0;
  virtual void collect(ParameterList& parameters, const std::string& prefix) const = 0;
};

// The shape of the data and code an architecture is built for.
struct NetworkShape {
  int channels = 1, height = 64, width = 64;
  int latents = 10;
};

// Builds the encoder / decoder called `name` ("conv", "burgess", "fc", "linear"); an unknown name or a
// shape the architecture cannot take is an error naming both.
std::unique_ptr<Encoder> make_encoder(const std::string& name, const NetworkShape& shape, PhiloxRng& rng,
                                      Initializer init);
std::unique_ptr<Decoder> make_decoder(const std::string& name, const NetworkShape& shape, PhiloxRng& rng,
                                      Initializer init);
std::vector<std::string> architecture_names();

class ConvEncoder : public Encoder {
 public:
  ConvEncoder(int channels, int latents, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // x: (B, C, 64, 64) -> mean, log-variance: (B, D)
  GaussianCode forward(Tape& tape, const Tensor& x) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  Conv2d conv1_, conv2_, conv3_, conv4_;
  Linear dense_, mean_head_, log_variance_head_;
};

class DeconvDecoder : public Decoder {
 public:
  DeconvDecoder(int channels, int latents, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  // z: (B, D) -> logits: (B, C, 64, 64)
  Tensor forward(Tape& tape, const Tensor& z) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  Linear dense1_, dense2_;
  ConvTranspose2d deconv1_, deconv2_, deconv3_, deconv4_;
};

// disent's EncoderConv64 / DecoderConv64 (Burgess et al. style; disent/model/ae/_vae_conv64.py). All encoder
// convs are k4 s2 p2, so 64 -> 33 -> 17 -> 9 -> 5 and the flatten is 64*5*5 = 1600 wide; one dense layer
// gives 2D outputs, split into mean and log-variance. disent's decoder has exactly the layers of
// disentanglement_lib's deconv decoder (dense 256, 1024, reshape (64, 4, 4), convT k4 s2 p1 64, 32, 32, C),
// so "burgess" builds a DeconvDecoder (only the initialiser differs, and that is passed in).
class BurgessEncoder : public Encoder {
 public:
  BurgessEncoder(int channels, int latents, PhiloxRng& rng, Initializer init = Initializer::XavierNormal);
  GaussianCode forward(Tape& tape, const Tensor& x) const override;  // x: (B, C, 64, 64)
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  int latents_;
  Conv2d conv1_, conv2_, conv3_, conv4_;
  Linear dense_, code_;
};

// disentanglement_lib's fc_encoder / fc_decoder (beta-VAE paper Table 1 row 1), for any image size:
//   encoder: flatten -> dense 1200 ReLU -> dense 1200 ReLU -> mean (D), log-variance (D)
//   decoder: dense 1200 tanh x3 -> dense C*H*W -> reshape (C, H, W)
class FcEncoder : public Encoder {
 public:
  FcEncoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  GaussianCode forward(Tape& tape, const Tensor& x) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  Linear dense1_, dense2_, mean_head_, log_variance_head_;
};

class FcDecoder : public Decoder {
 public:
  FcDecoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  Tensor forward(Tape& tape, const Tensor& z) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  NetworkShape shape_;
  Linear dense1_, dense2_, dense3_, output_;
};

// The linear VAE of Zietlow et al. (2021) §4.1, Theorem 1 (linear VAEs perform PCA): mean = M_E x + b,
// log-variance = L x + c (each a single dense layer on the flattened image), decoder = M_D z + d.
class LinearEncoder : public Encoder {
 public:
  LinearEncoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  GaussianCode forward(Tape& tape, const Tensor& x) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  Linear mean_, log_variance_;
};

class LinearDecoder : public Decoder {
 public:
  LinearDecoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  Tensor forward(Tape& tape, const Tensor& z) const override;
  void collect(ParameterList& parameters, const std::string& prefix) const override;

 private:
  NetworkShape shape_;
  Linear output_;
};

}  // namespace untangle
