#include "nn/gan_networks.h"

#include "core/check.h"

namespace untangle {

namespace {

constexpr float kLeakySlope = 0.2f;   // tensorsketch LeakyReLU(alpha=0.2)
constexpr float kScaleFloor = 1e-8f;  // the encoder's scale = softplus(b) + 1e-8

// A weight or bias as this pass should see it: itself, or a constant copy when the pass is frozen.
Tensor maybe_frozen(const Tensor& t, bool frozen) {
  return frozen && t.defined() ? stop_gradient(t) : t;
}

void require_gan_images(const char* network, const GanShape& shape, const Tensor& x) {
  require(x.rank() == 4 && x.dim(1) == shape.channels && x.dim(2) == shape.height && x.dim(3) == shape.width,
          network, ": expects (B, ", shape.channels, ", ", shape.height, ", ", shape.width, ") images, got ",
          shape_string(x.shape()));
}

void require_gan_shape(const GanShape& shape) {
  require(shape.height >= 16 && shape.width >= 16 && shape.height % 16 == 0 && shape.width % 16 == 0,
          "weak_gan networks: image sides must be multiples of 16 (four stride-2 layers), got ", shape.height,
          "x", shape.width);
  require(shape.channels > 0 && shape.latents > 0 && shape.classes > 0 && shape.base_channels > 0,
          "weak_gan networks: channels, latents, classes and base channels must be positive");
}

// Values per feature map after the four stride-2 layers: (H/16)·(W/16).
int smallest_map(const GanShape& shape) {
  return (shape.height / 16) * (shape.width / 16);
}

}  // namespace

// ---- spectrally normalised layers ------------------------------------------------------------------------

SpectralDense::SpectralDense(int in_features, int out_features, bool has_bias, PhiloxRng& rng,
                             Initializer init)
    : weight(Tensor::zeros({out_features, in_features})) {
  initialize(weight, init, in_features, out_features, rng);
  weight.set_requires_grad(true);
  if (has_bias) bias = Tensor::zeros({out_features}).set_requires_grad(true);
  norm = SpectralNorm(out_features, in_features, rng);
}

Tensor SpectralDense::forward(Tape& tape, const Tensor& x, ForwardMode mode, bool frozen) const {
  return linear(tape, x, norm.normalize(tape, maybe_frozen(weight, frozen), mode),
                maybe_frozen(bias, frozen));
}

void SpectralDense::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".weight", weight);
  if (bias.defined()) parameters.add(prefix + ".bias", bias);
}

void SpectralDense::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  norm.collect_buffers(buffers, prefix + ".spectral_norm");
}

SpectralConv2d::SpectralConv2d(int in_channels, int out_channels, PhiloxRng& rng, Initializer init)
    : weight(Tensor::zeros({out_channels, in_channels, 4, 4})), bias(Tensor::zeros({out_channels})) {
  initialize(weight, init, 16 * in_channels, 16 * out_channels, rng);
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
  norm = SpectralNorm(out_channels, 16 * in_channels, rng);
}

Tensor SpectralConv2d::forward(Tape& tape, const Tensor& x, ForwardMode mode, bool frozen) const {
  return conv2d(tape, x, norm.normalize(tape, maybe_frozen(weight, frozen), mode), maybe_frozen(bias, frozen),
                /*stride=*/2, /*padding=*/1);
}

void SpectralConv2d::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".weight", weight);
  parameters.add(prefix + ".bias", bias);
}

void SpectralConv2d::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  norm.collect_buffers(buffers, prefix + ".spectral_norm");
}

// ---- generator -----------------------------------------------------------------------------------------

GanGenerator::GanGenerator(const GanShape& shape, PhiloxRng& rng, Initializer init) : shape_(shape) {
  require_gan_shape(shape);
  const int c = shape.base_channels;
  dense1_ = Linear(shape.latents, 4 * c, rng, init);
  dense2_ = Linear(4 * c, 2 * c * smallest_map(shape), rng, init);
  deconv1_ = ConvTranspose2d(2 * c, 2 * c, 4, 2, 1, rng, init);
  deconv2_ = ConvTranspose2d(2 * c, c, 4, 2, 1, rng, init);
  deconv3_ = ConvTranspose2d(c, c, 4, 2, 1, rng, init);
  deconv4_ = ConvTranspose2d(c, shape.channels, 4, 2, 1, rng, init);
  for (int features : {4 * c, 2 * c * smallest_map(shape), 2 * c, c, c}) batch_norms_.emplace_back(features);
}

Tensor GanGenerator::forward(Tape& tape, const Tensor& z, ForwardMode mode) const {
  require(z.rank() == 2 && z.dim(1) == shape_.latents, "weak_gan generator: expects codes (B, ",
          shape_.latents, "), got ", shape_string(z.shape()));
  const int c = shape_.base_channels;
  auto normalized = [&](size_t layer, const Tensor& activated) {  // batch norm after the activation
    return batch_norms_[layer].forward(tape, activated, mode);
  };
  auto leaky = [&](const Tensor& x) { return leaky_relu(tape, x, kLeakySlope); };
  Tensor h = normalized(0, relu(tape, dense1_.forward(tape, z)));                  // (B, 4c)
  h = normalized(1, relu(tape, dense2_.forward(tape, h)));                         // (B, 2c·h·w)
  h = reshape(tape, h, {z.dim(0), 2 * c, shape_.height / 16, shape_.width / 16});  // (B, 2c, h, w)
  h = normalized(2, leaky(deconv1_.forward(tape, h)));                             // (B, 2c, 2h, 2w)
  h = normalized(3, leaky(deconv2_.forward(tape, h)));                             // (B, c, 4h, 4w)
  h = normalized(4, leaky(deconv3_.forward(tape, h)));                             // (B, c, 8h, 8w)
  return deconv4_.forward(tape, h);                                                // (B, C, H, W) logits
}

void GanGenerator::collect(ParameterList& parameters, const std::string& prefix) const {
  dense1_.collect(parameters, prefix + ".dense1");
  dense2_.collect(parameters, prefix + ".dense2");
  deconv1_.collect(parameters, prefix + ".deconv1");
  deconv2_.collect(parameters, prefix + ".deconv2");
  deconv3_.collect(parameters, prefix + ".deconv3");
  deconv4_.collect(parameters, prefix + ".deconv4");
  for (size_t i = 0; i < batch_norms_.size(); ++i)
    batch_norms_[i].collect(parameters, prefix + ".batch_norm" + std::to_string(i + 1));
}

void GanGenerator::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  for (size_t i = 0; i < batch_norms_.size(); ++i)
    batch_norms_[i].collect_buffers(buffers, prefix + ".batch_norm" + std::to_string(i + 1));
}

// ---- encoder -------------------------------------------------------------------------------------------

GanEncoder::GanEncoder(const GanShape& shape, PhiloxRng& rng, Initializer init) : shape_(shape) {
  require_gan_shape(shape);
  const int c = shape.base_channels;
  int in = shape.channels;
  for (int out : {c, c, 2 * c, 2 * c}) {
    convs_.emplace_back(in, out, rng, init);
    in = out;
  }
  dense_ = SpectralDense(2 * c * smallest_map(shape), 4 * c, true, rng, init);
  code_ = SpectralDense(4 * c, 2 * shape.latents, true, rng, init);
}

GaussianCode GanEncoder::forward(Tape& tape, const Tensor& x, ForwardMode mode) const {
  require_gan_images("weak_gan encoder", shape_, x);
  Tensor h = x;
  for (const SpectralConv2d& conv : convs_)
    h = leaky_relu(tape, conv.forward(tape, h, mode), kLeakySlope);  // (B, c, H/2, W/2) ... (B, 2c, h, w)
  h = leaky_relu(tape, dense_.forward(tape, flatten(tape, h), mode), kLeakySlope);  // (B, 4c)
  Tensor code = code_.forward(tape, h, mode);                                       // (B, 2Z) = (a, b)
  const int Z = shape_.latents;
  Tensor standard_deviation = add_scalar(tape, softplus(tape, slice(tape, code, 1, Z, 2 * Z)), kScaleFloor);
  return {slice(tape, code, 1, 0, Z), scale(tape, log(tape, standard_deviation), 2.0f)};
}

void GanEncoder::collect(ParameterList& parameters, const std::string& prefix) const {
  for (size_t i = 0; i < convs_.size(); ++i)
    convs_[i].collect(parameters, prefix + ".conv" + std::to_string(i + 1));
  dense_.collect(parameters, prefix + ".dense");
  code_.collect(parameters, prefix + ".code");
}

void GanEncoder::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  for (size_t i = 0; i < convs_.size(); ++i)
    convs_[i].collect_buffers(buffers, prefix + ".conv" + std::to_string(i + 1));
  dense_.collect_buffers(buffers, prefix + ".dense");
  code_.collect_buffers(buffers, prefix + ".code");
}

// ---- discriminator -------------------------------------------------------------------------------------

GanDiscriminator::GanDiscriminator(const GanShape& shape, PhiloxRng& rng, Initializer init) : shape_(shape) {
  require_gan_shape(shape);
  const int d =
      2 * shape.base_channels;  // gan.gin's Discriminator.width = 2: every width is twice the encoder's
  int in = shape.channels;
  for (int out : {d, d, 2 * d, 2 * d}) {
    body_convs_.emplace_back(in, out, rng, init);
    in = out;
  }
  body_dense_ = SpectralDense(2 * d * smallest_map(shape), 4 * d, true, rng, init);  // 4d = 8c
  neck1_ = SpectralDense(8 * d, 4 * d, true, rng, init);
  neck2_ = SpectralDense(4 * d, 4 * d, true, rng, init);
  unconditional_head_ = SpectralDense(4 * d, 1, false, rng, init);
  // head_cond is a bias-free dense layer from one_hot(y) (K inputs) to 8c outputs: a (K, 8c) kernel.
  class_embedding_ = Tensor::zeros({shape.classes, 4 * d});
  initialize(class_embedding_, init, shape.classes, 4 * d, rng);
  class_embedding_.set_requires_grad(true);
}

Tensor GanDiscriminator::class_vectors(Tape& tape, bool frozen) const {
  return normalize_rows(tape, maybe_frozen(class_embedding_, frozen), kWeightNormEpsilon);
}

Tensor GanDiscriminator::pair_features(Tape& tape, const Tensor& x1, const Tensor& x2, ForwardMode mode,
                                       bool frozen) const {
  require_gan_images("weak_gan discriminator", shape_, x1);
  require(x2.shape() == x1.shape(), "weak_gan discriminator: the second images ", shape_string(x2.shape()),
          " differ in shape from the first ", shape_string(x1.shape()));
  const int B = x1.dim(0);
  // One body pass over both images of every pair, as the reference (so one power iteration per pass).
  Tensor h = concat(tape, {x1, x2}, 0);  // (2B, C, H, W)
  for (const SpectralConv2d& conv : body_convs_)
    h = leaky_relu(tape, conv.forward(tape, h, mode, frozen), kLeakySlope);  // ... (2B, 4c, h, w)
  h = leaky_relu(tape, body_dense_.forward(tape, flatten(tape, h), mode, frozen), kLeakySlope);  // (2B, 8c)
  h = concat(tape, {slice(tape, h, 0, 0, B), slice(tape, h, 0, B, 2 * B)}, 1);                   // (B, 16c)
  h = leaky_relu(tape, neck1_.forward(tape, h, mode, frozen), kLeakySlope);                      // (B, 8c)
  return leaky_relu(tape, neck2_.forward(tape, h, mode, frozen), kLeakySlope);                   // (B, 8c)
}

Tensor GanDiscriminator::logits(Tape& tape, const Tensor& h, const Tensor& labels, ForwardMode mode,
                                bool frozen) const {
  require(labels.shape() == Shape{h.dim(0), shape_.classes},
          "weak_gan discriminator: expects one-hot labels (", h.dim(0), ", ", shape_.classes, "), got ",
          shape_string(labels.shape()));
  Tensor unconditional = unconditional_head_.forward(tape, h, mode, frozen);  // (B, 1)
  Tensor class_vector = matmul(tape, labels, class_vectors(tape, frozen));    // (B, 8c): e_y of each pair
  Tensor projection = sum(tape, mul(tape, h, class_vector), 1, true);         // (B, 1)
  return add(tape, unconditional, projection);
}

Tensor GanDiscriminator::forward(Tape& tape, const Tensor& x1, const Tensor& x2, const Tensor& labels,
                                 ForwardMode mode) const {
  return logits(tape, pair_features(tape, x1, x2, mode, false), labels, mode, false);
}

Tensor GanDiscriminator::forward_frozen(Tape& tape, const Tensor& x1, const Tensor& x2, const Tensor& labels,
                                        ForwardMode mode) const {
  return logits(tape, pair_features(tape, x1, x2, mode, true), labels, mode, true);
}

void GanDiscriminator::collect(ParameterList& parameters, const std::string& prefix) const {
  for (size_t i = 0; i < body_convs_.size(); ++i)
    body_convs_[i].collect(parameters, prefix + ".body.conv" + std::to_string(i + 1));
  body_dense_.collect(parameters, prefix + ".body.dense");
  neck1_.collect(parameters, prefix + ".neck.dense1");
  neck2_.collect(parameters, prefix + ".neck.dense2");
  unconditional_head_.collect(parameters, prefix + ".head.unconditional");
  parameters.add(prefix + ".head.class_embedding", class_embedding_);
}

void GanDiscriminator::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  for (size_t i = 0; i < body_convs_.size(); ++i)
    body_convs_[i].collect_buffers(buffers, prefix + ".body.conv" + std::to_string(i + 1));
  body_dense_.collect_buffers(buffers, prefix + ".body.dense");
  neck1_.collect_buffers(buffers, prefix + ".neck.dense1");
  neck2_.collect_buffers(buffers, prefix + ".neck.dense2");
  unconditional_head_.collect_buffers(buffers, prefix + ".head.unconditional");
}

Tensor one_hot(const std::vector<int>& labels, int classes, Device device) {
  std::vector<float> rows(labels.size() * size_t(classes), 0.0f);
  for (size_t b = 0; b < labels.size(); ++b) {
    require(labels[b] >= 0 && labels[b] < classes, "one_hot: label ", labels[b], " of row ", b,
            " is outside [0, ", classes, ")");
    rows[b * size_t(classes) + size_t(labels[b])] = 1.0f;
  }
  return Tensor::from_vector(rows, {int(labels.size()), classes}, device);
}

}  // namespace untangle
