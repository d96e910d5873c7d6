#include "apps/common/figures.h"

#include <cmath>
#include <cstring>

#include "data/png.h"
#include "data/samplers.h"

namespace untangle {

namespace {

// Copies image `index` of a (N, C, H, W) batch in [0, 1] into cell (row, column) of an RGB canvas.
void paste(const Tensor& images, int index, std::vector<uint8_t>& canvas, int canvas_width, int row, int column) {
  const int C = images.dim(1), H = images.dim(2), W = images.dim(3), border = 2;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int k = 0; k < 3; ++k) {
        float v = images.data()[((size_t(index) * C + (C == 3 ? k : 0)) * H + y) * W + x];
        size_t at = ((size_t(row) * (H + border) + border + y) * canvas_width + size_t(column) * (W + border) + border + x) * 3 + k;
        canvas[at] = uint8_t(std::lround(std::fmin(std::fmax(v, 0.0f), 1.0f) * 255.0f));
      }
}

Tensor decoded_images(const Model& model, const InputPipeline& inputs, const Tensor& z) {
  Tape tape = Tape::evaluation();
  Tensor images =
      output_to_image(tape, model.decode(tape, z), model.settings().reconstruction.kind).to(Device::CPU);
  inputs.to_display_range(images.data(), size_t(images.dim(0)));
  return images;
}

}  // namespace

void write_image_grid(const std::string& path, const std::vector<Tensor>& rows, int columns) {
  const int H = rows[0].dim(2), W = rows[0].dim(3), border = 2;
  const int width = columns * (W + border) + border, height = int(rows.size()) * (H + border) + border;
  std::vector<uint8_t> canvas(size_t(width) * height * 3, 255);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int c = 0; c < columns && c < rows[r].dim(0); ++c) paste(rows[r], c, canvas, width, int(r), c);
  write_png(path, canvas.data(), size_t(width), size_t(height), 3);
}

void write_reconstruction_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                                 const InputPipeline& inputs, PhiloxRng& rng, int count) {
  const ModelSettings& s = model.settings();
  std::vector<size_t> indices = sample_uniform_indices(dataset, size_t(count), rng);
  Tensor originals = Tensor::zeros({count, s.channels, s.height, s.width});
  dataset.render_batch(indices, originals.data());
  Tensor x = Tensor::from_vector(originals.to_vector(), originals.shape());
  inputs.standardise(x.data(), size_t(count));
  Tape tape = Tape::evaluation();
  Tensor reconstructions = decoded_images(model, inputs, model.encode(tape, x).mean);
  write_image_grid(path, {originals, reconstructions}, count);
}

void write_traversal_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, PhiloxRng& rng, int steps) {
  const ModelSettings& s = model.settings();
  std::vector<size_t> index = sample_uniform_indices(dataset, 1, rng);
  Tensor x = Tensor::zeros({1, s.channels, s.height, s.width});
  inputs.fill(index, x);
  Tape tape = Tape::evaluation();
  const std::vector<float> base = model.encode(tape, x).mean.to_vector();
  std::vector<Tensor> rows;
  for (int latent = 0; latent < s.latents; ++latent) {
    Tensor z = Tensor::zeros({steps, s.latents});
    for (int i = 0; i < steps; ++i) {
      std::memcpy(z.data() + size_t(i) * s.latents, base.data(), base.size() * sizeof(float));
      z.data()[size_t(i) * s.latents + latent] = -2.0f + 4.0f * float(i) / float(std::max(steps - 1, 1));
    }
    rows.push_back(decoded_images(model, inputs, z));
  }
  write_image_grid(path, rows, steps);
}

}  // namespace untangle
