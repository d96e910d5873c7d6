#include "apps/common/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "apps/common/canvas.h"
#include "data/png.h"
#include "data/samplers.h"

namespace untangle {

namespace {

std::string format(const char* pattern, double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), pattern, value);
  return buffer;
}

// What a grid of images says around it: a title line, a label above each column, lines left of each row.
struct GridLabels {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// rows[r]: images (N, C, H, W) in [0, 1] on the CPU; its first `columns` images fill row r (fewer leave
// the rest blank). 2-pixel white borders between images, as the unlabelled grids always had.
Canvas labelled_grid(const std::vector<Tensor>& rows, int columns, const GridLabels& labels, size_t zoom) {
  const size_t C = size_t(rows.at(0).dim(1)), H = size_t(rows[0].dim(2)), W = size_t(rows[0].dim(3));
  const size_t border = 2, line = Canvas::text_height() + 3;
  const size_t cell_width = W * zoom + border, cell_height = H * zoom + border;
  size_t label_width = 0;
  for (const std::vector<std::string>& lines : labels.rows)
    for (const std::string& text : lines) label_width = std::max(label_width, Canvas::text_width(text) + 6);
  const bool column_labels = std::any_of(labels.columns.begin(), labels.columns.end(),
                                         [](const std::string& text) { return !text.empty(); });
  const size_t title_height = labels.title.empty() ? 0 : line + 2;
  const size_t top = border + title_height + (column_labels ? line : 0), left = label_width + border;
  const size_t width =
      std::max(left + size_t(columns) * cell_width, Canvas::text_width(labels.title) + 2 * border);
  Canvas canvas(width, top + rows.size() * cell_height);
  canvas.text(border, border, labels.title);
  for (size_t c = 0; c < labels.columns.size() && c < size_t(columns); ++c) {
    const size_t text = Canvas::text_width(labels.columns[c]);
    const size_t centred = text < W * zoom ? (W * zoom - text) / 2 : 0;
    canvas.text(left + c * cell_width + centred, border + title_height, labels.columns[c]);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r < labels.rows.size())
      for (size_t i = 0; i < labels.rows[r].size(); ++i)
        canvas.text(border, top + r * cell_height + i * line, labels.rows[r][i]);
    for (size_t c = 0; c < size_t(columns) && c < size_t(rows[r].dim(0)); ++c)
      canvas.paste_image(rows[r].data() + c * C * H * W, C, H, W, left + c * cell_width,
                         top + r * cell_height, zoom);
  }
  return canvas;
}

Tensor decoded_images(const Model& model, const InputPipeline& inputs, const Tensor& z) {
  Tape tape = Tape::evaluation();
  Tensor images =
      output_to_image(tape, model.decode(tape, z), model.settings().reconstruction.kind).to(Device::CPU);
  inputs.to_display_range(images.data(), size_t(images.dim(0)));
  return images;
}

// Posterior means (count, D) of `count` observations drawn with `rng`.
std::vector<float> sample_posterior_means(const Model& model, const GroundTruthDataset& dataset,
                                          const InputPipeline& inputs, PhiloxRng& rng, size_t count) {
  const ModelSettings& s = model.settings();
  std::vector<size_t> indices = sample_uniform_indices(dataset, count, rng);
  Tensor x = Tensor::zeros({int(count), s.channels, s.height, s.width});
  inputs.fill(indices, x);
  Tape tape = Tape::evaluation();
  return model.encode(tape, x).mean.to_vector();
}

// `count` copies of `base` (one code of D values) with latent `latent` of copy i set to values[i].
Tensor codes_along(const float* base, int latents, int latent, const std::vector<float>& values) {
  Tensor z = Tensor::zeros({int(values.size()), latents});
  for (size_t i = 0; i < values.size(); ++i) {
    std::memcpy(z.data() + i * size_t(latents), base, size_t(latents) * sizeof(float));
    z.data()[i * size_t(latents) + size_t(latent)] = values[i];
  }
  return z;
}

std::vector<std::string> latent_label(int latent, double kl) {
  return {"z" + std::to_string(latent), "KL " + format("%.3g", kl)};
}

}  // namespace

void write_image_grid(const std::string& path, const std::vector<Tensor>& rows, int columns) {
  labelled_grid(rows, columns, {}, 1).save_png(path);
}

std::vector<double> latent_kl(const Model& model, const GroundTruthDataset& dataset,
                              const InputPipeline& inputs, PhiloxRng& rng, size_t points) {
  const ModelSettings& s = model.settings();
  const size_t D = size_t(s.latents), batch = 64;
  std::vector<size_t> indices = sample_uniform_indices(dataset, points, rng);
  std::vector<double> kl(D, 0.0);
  for (size_t start = 0; start < points; start += batch) {
    std::vector<size_t> part(indices.begin() + long(start),
                             indices.begin() + long(std::min(points, start + batch)));
    Tensor x = Tensor::zeros({int(part.size()), s.channels, s.height, s.width});
    inputs.fill(part, x);
    Tape tape = Tape::evaluation();
    GaussianCode code = model.encode(tape, x);
    const std::vector<float> mean = code.mean.to_vector(), log_variance = code.log_variance.to_vector();
    for (size_t i = 0; i < part.size(); ++i)
      for (size_t d = 0; d < D; ++d) {
        const double mu = mean[i * D + d], lv = log_variance[i * D + d];
        kl[d] += 0.5 * (mu * mu + std::exp(lv) - 1.0 - lv);
      }
  }
  for (double& value : kl) value /= double(std::max<size_t>(points, 1));
  return kl;
}

std::vector<int> latents_by_kl(const std::vector<double>& kl) {
  std::vector<int> order(kl.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return kl[size_t(a)] > kl[size_t(b)]; });
  return order;
}

void write_reconstruction_figure(const std::string& path, const Model& model,
                                 const GroundTruthDataset& dataset, const InputPipeline& inputs,
                                 PhiloxRng& rng, int count, size_t zoom) {
  const ModelSettings& s = model.settings();
  std::vector<size_t> indices = sample_uniform_indices(dataset, size_t(count), rng);
  Tensor originals = Tensor::zeros({count, s.channels, s.height, s.width});
  dataset.render_batch(indices, originals.data());
  Tensor x = Tensor::from_vector(originals.to_vector(), originals.shape());
  inputs.standardise(x.data(), size_t(count));
  Tape tape = Tape::evaluation();
  Tensor reconstructions = decoded_images(model, inputs, model.encode(tape, x).mean);
  GridLabels labels{"reconstructions (from the posterior mean)", {}, {{"data"}, {"recon."}}};
  labelled_grid({originals, reconstructions}, count, labels, zoom).save_png(path);
}

void write_traversal_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, const std::vector<double>& kl, PhiloxRng& rng,
                            const TraversalOptions& options) {
  const ModelSettings& s = model.settings();
  const std::vector<float> base = sample_posterior_means(model, dataset, inputs, rng, 1);
  std::vector<float> values(size_t(options.steps));
  GridLabels labels;
  labels.title = options.title.empty() ? "latent traversals, rows by KL to N(0,1)" : options.title;
  for (int i = 0; i < options.steps; ++i) {
    values[size_t(i)] = float(-options.range + 2.0 * options.range * i / std::max(options.steps - 1, 1));
    labels.columns.push_back(format("%.2g", values[size_t(i)]));
  }
  std::vector<Tensor> rows;
  for (int latent : latents_by_kl(kl)) {
    rows.push_back(decoded_images(model, inputs, codes_along(base.data(), s.latents, latent, values)));
    labels.rows.push_back(latent_label(latent, kl[size_t(latent)]));
  }
  labelled_grid(rows, options.steps, labels, options.zoom).save_png(path);
}

void write_traversal_animation(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                               const InputPipeline& inputs, const std::vector<double>& kl, PhiloxRng& rng,
                               const AnimationOptions& options) {
  const ModelSettings& s = model.settings();
  const std::vector<int> order = latents_by_kl(kl);
  const std::vector<float> bases =
      sample_posterior_means(model, dataset, inputs, rng, size_t(options.samples));
  GridLabels labels;
  for (int latent : order) labels.columns.push_back("z" + std::to_string(latent));
  // A triangle wave: -range at frame 0, +range half way, back towards -range at the end (then it loops).
  std::vector<float> values(size_t(options.frames));
  std::vector<std::string> titles;
  size_t longest = 0;
  for (int t = 0; t < options.frames; ++t) {
    const double phase = 2.0 * t / options.frames;
    values[size_t(t)] = float(-options.range + 2.0 * options.range * (phase <= 1.0 ? phase : 2.0 - phase));
    titles.push_back("every latent at " + format("%+.2f", values[size_t(t)]));
    longest = std::max(longest, titles.back().size());
  }
  std::vector<std::vector<uint8_t>> frames;
  size_t width = 0, height = 0;
  for (int t = 0; t < options.frames; ++t) {
    std::vector<Tensor> rows;
    for (int sample = 0; sample < options.samples; ++sample) {
      const float* base = bases.data() + size_t(sample) * size_t(s.latents);
      Tensor z = Tensor::zeros({s.latents, s.latents});
      for (size_t j = 0; j < order.size(); ++j) {
        std::memcpy(z.data() + j * size_t(s.latents), base, size_t(s.latents) * sizeof(float));
        z.data()[j * size_t(s.latents) + size_t(order[j])] = values[size_t(t)];
      }
      rows.push_back(decoded_images(model, inputs, z));
    }
    labels.title =
        titles[size_t(t)] + std::string(longest - titles[size_t(t)].size(), ' ');  // same size every frame
    Canvas frame = labelled_grid(rows, s.latents, labels, options.zoom);
    width = frame.width(), height = frame.height();
    frames.push_back(frame.pixels());
  }
  write_animated_png(path, frames, width, height, 3, options.frame_milliseconds);
}

void write_dataset_preview(const std::string& path, const GroundTruthDataset& dataset, PhiloxRng& rng,
                           size_t zoom) {
  constexpr int kColumns = 10;
  const int C = int(dataset.channels()), H = int(dataset.height()), W = int(dataset.width());
  GridLabels labels{"dataset " + dataset.name() + ": random samples, then one traversal per factor", {}, {}};
  std::vector<Tensor> rows;
  std::vector<size_t> samples = sample_uniform_indices(dataset, 2 * kColumns, rng);
  for (int r = 0; r < 2; ++r) {
    rows.push_back(Tensor::zeros({kColumns, C, H, W}));
    std::vector<size_t> part(samples.begin() + r * kColumns, samples.begin() + (r + 1) * kColumns);
    dataset.render_batch(part, rows.back().data());
    labels.rows.push_back({r == 0 ? "samples" : ""});
  }
  const std::vector<size_t> sizes = dataset.factor_sizes();
  const std::vector<std::string> names = dataset.factor_names();
  for (size_t f = 0; f < dataset.num_factors(); ++f) {
    std::vector<size_t> sweep = traversal_indices(dataset, sample_uniform_factors(sizes, rng), f);
    // Up to kColumns evenly spaced values from first to last.
    const size_t shown = std::min(size_t(kColumns), sweep.size());
    std::vector<size_t> picked(shown);
    for (size_t j = 0; j < shown; ++j)
      picked[j] =
          sweep[shown == 1 ? 0
                           : size_t(std::lround(double(j) * double(sweep.size() - 1) / double(shown - 1)))];
    rows.push_back(Tensor::zeros({int(shown), C, H, W}));
    dataset.render_batch(picked, rows.back().data());
    labels.rows.push_back({names[f], std::to_string(sizes[f]) + " values"});
  }
  labelled_grid(rows, kColumns, labels, zoom).save_png(path);
}

}  // namespace untangle
