// Figures a researcher looks at: the pixel font and canvas, the animated PNG encoder, the KL that orders
// traversal rows, and `untangle visualize` on a real run at two of its checkpoints.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/common/canvas.h"
#include "apps/common/figures.h"
#include "apps/common/pixel_font.h"
#include "apps/common/trained_run.h"
#include "cli_helpers.h"
#include "core/file_io.h"
#include "data/png.h"
#include "data/samplers.h"

using untangle::testing::run_program;

namespace {

uint32_t big_endian_u32(const std::vector<uint8_t>& bytes, size_t at) {
  return uint32_t(bytes.at(at)) << 24 | uint32_t(bytes.at(at + 1)) << 16 | uint32_t(bytes.at(at + 2)) << 8 |
         uint32_t(bytes.at(at + 3));
}

struct Chunk {
  std::string type;
  std::vector<uint8_t> data;
  bool crc_ok;
};

// Splits a PNG file into its chunks (after the 8-byte signature), checking each CRC-32.
std::vector<Chunk> png_chunks(const std::vector<uint8_t>& bytes) {
  std::vector<Chunk> chunks;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const size_t length = big_endian_u32(bytes, at);
    REQUIRE(at + 12 + length <= bytes.size());
    Chunk chunk{std::string(bytes.begin() + long(at + 4), bytes.begin() + long(at + 8)),
                std::vector<uint8_t>(bytes.begin() + long(at + 8), bytes.begin() + long(at + 8 + length)),
                false};
    const uLong crc = crc32(0L, bytes.data() + at + 4, uInt(length + 4));
    chunk.crc_ok = crc == big_endian_u32(bytes, at + 8 + length);
    chunks.push_back(chunk);
    at += 12 + length;
  }
  return chunks;
}

std::vector<uint8_t> inflate_all(const uint8_t* data, size_t size, size_t expected) {
  std::vector<uint8_t> out(expected);
  uLongf out_size = uLongf(expected);
  REQUIRE(uncompress(out.data(), &out_size, data, uLong(size)) == Z_OK);
  REQUIRE(out_size == expected);
  return out;
}

}  // namespace

TEST_CASE("the pixel font draws exactly each glyph's ink; lower case is drawn as upper case") {
  const char* const* one = untangle::glyph_rows('1');
  REQUIRE(one != nullptr);
  CHECK(untangle::glyph_rows('a') == untangle::glyph_rows('A'));
  CHECK(untangle::glyph_rows('~') == nullptr);
  untangle::Canvas canvas(20, 9);
  canvas.text(1, 1, "1~1");  // the unknown '~' is a blank of one glyph's width
  for (size_t y = 0; y < untangle::kGlyphHeight; ++y)
    for (size_t x = 0; x < untangle::kGlyphWidth; ++x) {
      const bool ink = one[y][x] == '#';
      CAPTURE(x);
      CAPTURE(y);
      CHECK((canvas.at(1 + x, 1 + y).r == 0) == ink);
      CHECK(canvas.at(1 + untangle::kGlyphAdvance + x, 1 + y).r == 255);
      CHECK((canvas.at(1 + 2 * untangle::kGlyphAdvance + x, 1 + y).r == 0) == ink);
    }
  CHECK(untangle::Canvas::text_width("1~1") == 3 * 6 - 1);
  CHECK(untangle::Canvas::text_width("z3", 2) == (2 * 6 - 1) * 2);
}

TEST_CASE("an animated PNG holds every frame in order, in valid chunks with one sequence counter") {
  const size_t width = 4, height = 3;
  std::vector<std::vector<uint8_t>> frames;
  for (int f = 0; f < 3; ++f) {
    frames.emplace_back(width * height * 3);
    for (size_t i = 0; i < frames.back().size(); ++i) frames.back()[i] = uint8_t(i * 7 + f * 50);
  }
  const std::vector<Chunk> chunks = png_chunks(untangle::encode_animated_png(frames, width, height, 3, 80));
  std::vector<std::string> types;
  for (const Chunk& chunk : chunks) {
    types.push_back(chunk.type);
    CHECK(chunk.crc_ok);
  }
  CHECK(types ==
        std::vector<std::string>{"IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "fcTL", "fdAT", "IEND"});
  CHECK(big_endian_u32(chunks[1].data, 0) == 3);  // frames
  CHECK(big_endian_u32(chunks[1].data, 4) == 0);  // loop forever
  // fcTL, fdAT: sequence numbers 0, 1, 2, ... across both kinds; the delay is 80/1000 s.
  uint32_t expected_sequence = 0;
  size_t frame = 0;
  for (const Chunk& chunk : chunks) {
    if (chunk.type == "fcTL") {
      CHECK(big_endian_u32(chunk.data, 0) == expected_sequence++);
      CHECK(big_endian_u32(chunk.data, 4) == width);
      CHECK(big_endian_u32(chunk.data, 8) == height);
      CHECK((chunk.data[20] << 8 | chunk.data[21]) == 80);
      CHECK((chunk.data[22] << 8 | chunk.data[23]) == 1000);
    }
    const bool idat = chunk.type == "IDAT", fdat = chunk.type == "fdAT";
    if (!idat && !fdat) continue;
    if (fdat) CHECK(big_endian_u32(chunk.data, 0) == expected_sequence++);
    const size_t skip = fdat ? 4 : 0;
    std::vector<uint8_t> raw =
        inflate_all(chunk.data.data() + skip, chunk.data.size() - skip, height * (width * 3 + 1));
    for (size_t y = 0; y < height; ++y) {
      CHECK(raw[y * (width * 3 + 1)] == 0);  // filter: none
      for (size_t i = 0; i < width * 3; ++i)
        CHECK(raw[y * (width * 3 + 1) + 1 + i] == frames[frame][y * width * 3 + i]);
    }
    ++frame;
  }
  CHECK(frame == 3);
  CHECK_THROWS_WITH_AS(untangle::encode_animated_png(frames, width, height + 1, 3, 80),
                       doctest::Contains("animation frame of"), std::exception);
}

TEST_CASE("traversal rows are ordered by KL, largest first, ties in index order") {
  CHECK(untangle::latents_by_kl({0.1, 2.0, 0.1, 5.0, 0.0}) == std::vector<int>{3, 1, 0, 2, 4});
}

TEST_CASE(
    "untangle visualize draws labelled figures of a run at any of its checkpoints, never replacing one") {
  const std::string dir = "/tmp/untangle_test_visualize_run";
  std::system(("rm -rf " + dir + " " + dir + "_step20.utg").c_str());
  auto train = run_program(
      "untangle train --model beta_vae --dataset xysquares --steps 20 --batch 8 --latents 6 "
      "--log-every 10 --checkpoint-every 10 --final-metrics '' --out " +
      dir);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  std::filesystem::copy_file(dir + "/checkpoint.utg", dir + "_step20.utg");
  REQUIRE(run_program("untangle train --resume --steps 30 --out " + dir).exit_code == 0);

  const std::string options = " --kl-points 32 --frames 4 --samples 2 --zoom 1";
  auto drawn = run_program("untangle visualize --run " + dir + options);
  INFO(drawn.output);
  REQUIRE(drawn.exit_code == 0);
  const std::string out = dir + "/figures/step_30";
  // Heights: border 2, title line 10 + 2, column-label line 10 (traversals and animation only), then a row
  // of 64 + 2 pixels per latent (traversals), per image row (reconstructions: 2), per sample (animation: 2).
  const auto height = [](const std::string& path) {
    return big_endian_u32(untangle::read_file_bytes(path), 20);
  };
  CHECK(height(out + "/traversals.png") == 2 + 12 + 10 + 6 * 66);
  CHECK(height(out + "/reconstructions.png") == 2 + 12 + 2 * 66);
  CHECK(height(out + "/traversal_animation.png") == 2 + 12 + 10 + 2 * 66);
  CHECK(height(out + "/dataset.png") == 2 + 12 + (2 + 6) * 66);  // two sample rows, one per XYSquares factor
  const std::vector<Chunk> animation =
      png_chunks(untangle::read_file_bytes(out + "/traversal_animation.png"));
  REQUIRE(animation.size() > 2);
  CHECK(animation[1].type == "acTL");
  CHECK(big_endian_u32(animation[1].data, 0) == 4);

  auto again = run_program("untangle visualize --run " + dir + options + " --only traversals");
  CHECK(again.exit_code == 1);
  CHECK(again.output.find("never replaced") != std::string::npos);

  auto earlier = run_program("untangle visualize --run " + dir + " --checkpoint " + dir + "_step20.utg" +
                             options + " --only traversals");
  INFO(earlier.output);
  REQUIRE(earlier.exit_code == 0);
  CHECK(std::filesystem::exists(dir + "/figures/step_20/traversals.png"));
  CHECK(!std::filesystem::exists(dir + "/figures/step_20/dataset.png"));
  CHECK(untangle::read_file_bytes(dir + "/figures/step_20/traversals.png") !=
        untangle::read_file_bytes(out + "/traversals.png"));

  auto bad = run_program("untangle visualize --run " + dir + " --only traversals,pictures");
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("unknown figure 'pictures'") != std::string::npos);

  // The KL that orders the rows: 0.5 (mu^2 + sigma^2 - 1 - log sigma^2) per latent, averaged over the
  // observations the generator draws — recomputed here from the encoder's outputs.
  untangle::TrainedRun run = untangle::load_trained_run(dir);
  untangle::PhiloxRng a(5), b(5);
  const std::vector<double> kl = untangle::latent_kl(*run.model, *run.dataset, *run.inputs, a, 8);
  std::vector<size_t> indices = untangle::sample_uniform_indices(*run.dataset, 8, b);
  untangle::Tensor x = untangle::Tensor::zeros({8, 3, 64, 64});
  run.inputs->fill(indices, x);
  untangle::Tape tape = untangle::Tape::evaluation();
  untangle::GaussianCode code = run.model->encode(tape, x);
  const std::vector<float> mean = code.mean.to_vector(), log_variance = code.log_variance.to_vector();
  REQUIRE(kl.size() == 6);
  for (size_t d = 0; d < 6; ++d) {
    double expected = 0.0;
    for (size_t i = 0; i < 8; ++i) {
      const double mu = mean[i * 6 + d], lv = log_variance[i * 6 + d];
      expected += 0.5 * (mu * mu + std::exp(lv) - 1.0 - lv) / 8.0;
    }
    // Same float inputs, double sums in another order: agreement to ~1e-12 relative.
    CHECK(kl[d] == doctest::Approx(expected).epsilon(1e-9));
    CHECK(kl[d] >= 0.0);
  }
}
