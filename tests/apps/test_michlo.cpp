// Michlo et al. reproduction pieces: the distance files (`untangle distances`), the blur-augmented
// perceived distance against the reference numbers of docs/reference/models.md "Reconstruction losses", the
// heat-map and SVG writers, and the sweep's skipping of finished runs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/common/heatmap.h"
#include "apps/common/perceived_distance.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/sweep.h"
#include "cli_helpers.h"
#include "core/file_io.h"
#include "data/registry.h"

using untangle::testing::run_program;

namespace {

std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

uint32_t big_endian_u32(const std::vector<uint8_t>& bytes, size_t at) {
  return uint32_t(bytes[at]) << 24 | uint32_t(bytes[at + 1]) << 16 | uint32_t(bytes[at + 2]) << 8 |
         bytes[at + 3];
}

}  // namespace

TEST_CASE(
    "untangle distances: XYSquares spacing 8 has constant pixel distance, the blur loss grows with |i - j|") {
  const std::string dir = "/tmp/untangle_test_distances";
  std::filesystem::remove_all(dir);
  for (const char* loss : {"mse", "blur"}) {
    auto result =
        run_program(std::string("untangle distances --dataset xysquares --spacing 8 --repeats 8 --loss ") +
                    loss + " --out " + dir);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
  }
  for (const char* factor : {"x_R", "y_R", "x_G", "y_G", "x_B", "y_B"}) {
    CAPTURE(factor);
    const auto truth = read_csv(dir + "/groundtruth_" + std::string(factor) + ".csv");
    const auto mse = read_csv(dir + "/distances_mse_" + std::string(factor) + ".csv");
    const auto blur = read_csv(dir + "/distances_blur_" + std::string(factor) + ".csv");
    REQUIRE(truth.size() == 8);
    REQUIRE(mse.size() == 8);
    REQUIRE(blur.size() == 8);
    for (size_t i = 0; i < 8; ++i) {
      REQUIRE(mse[i].size() == 8);
      for (size_t j = 0; j < 8; ++j) {
        CHECK(truth[i][j] == double(i > j ? i - j : j - i));
        // docs/reference/datasets.md "xysquares": 16 * min(8 |Δ|, 8) / 12288 = 0.0104167 for every Δ ≠ 0. The
        // CSV keeps 9 significant digits, hence the 1e-8 tolerance.
        CHECK(mse[i][j] == doctest::Approx(i == j ? 0.0 : 16.0 * 8.0 / 12288.0).epsilon(1e-8));
        CHECK(blur[i][j] == doctest::Approx(blur[j][i]));
        // Farther apart along the factor = strictly larger blurred distance.
        if (j + 1 < 8 && j >= i) CHECK(blur[i][j + 1] > blur[i][j]);
      }
    }
    CHECK(std::filesystem::exists(dir + "/distances_blur_" + std::string(factor) + ".png"));
    CHECK(std::filesystem::exists(dir + "/groundtruth_" + std::string(factor) + ".png"));
  }
}

TEST_CASE("the blur-augmented distance matches the reference values for the R square moved by Δx cells") {
  // Reference (docs/reference/models.md "Reconstruction losses", computed independently with the same
  // zero-padded box blur): R square at cell (0, 0) moved to (Δx, 0); total = pixel MSE + 3969 × blurred MSE
  // on [0, 1] images.
  auto dataset = untangle::make_dataset("xysquares");
  const auto distance = untangle::perceived_distance("blur", 3, 64, 64);
  const size_t size = dataset->observation_size();
  std::vector<float> a(size), b(size);
  dataset->render(dataset->factors_to_index({0, 0, 3, 3, 5, 5}), a.data());
  const std::pair<size_t, double> cases[] = {{1, 0.02585}, {2, 0.04882}, {4, 0.09763}, {7, 0.16654}};
  for (const auto& [dx, total] : cases) {
    CAPTURE(dx);
    dataset->render(dataset->factors_to_index({dx, 0, 3, 3, 5, 5}), b.data());
    // The reference gives 4 significant digits.
    CHECK(distance(a.data(), b.data(), size) == doctest::Approx(total).epsilon(5e-4));
  }
  CHECK(distance(a.data(), a.data(), size) == 0.0);
}

TEST_CASE("the heat map is a PNG of the expected size whose colour bar runs light to dark") {
  const std::string path = "/tmp/untangle_test_heatmap.png";
  std::vector<double> matrix = {0, 1, 2, 1, 0, 1, 2, 1, 0};
  untangle::write_heatmap_png(path, matrix, 3, untangle::ColourMap::Purples, 10);
  const std::vector<uint8_t> bytes = untangle::read_file_bytes(path);
  REQUIRE(bytes.size() > 33);
  const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  CHECK(std::equal(signature, signature + 8, bytes.begin()));
  CHECK(std::string(bytes.begin() + 12, bytes.begin() + 16) == "IHDR");
  // margin 8 + 3 cells of 10 + gap 8 + bar 14 + gap 8 + one-character labels (5 pixels) + margin 8
  CHECK(big_endian_u32(bytes, 16) == 8 + 30 + 8 + 14 + 8 + 5 + 8);
  CHECK(big_endian_u32(bytes, 20) == 8 + 30 + 8);
  // A title adds a line of text at twice the font size (14 pixels) and a gap of 8 above the matrix.
  untangle::write_heatmap_png(path, matrix, 3, untangle::ColourMap::Purples, 10, "dx");
  const std::vector<uint8_t> titled = untangle::read_file_bytes(path);
  CHECK(big_endian_u32(titled, 16) == 8 + 30 + 8 + 14 + 8 + 5 + 8);
  CHECK(big_endian_u32(titled, 20) == 8 + 14 + 8 + 30 + 8);
  // The colour ramp: white-ish at 0, darkest at 1, each channel non-increasing in between.
  const auto light = untangle::colour_at(untangle::ColourMap::Purples, 0.0);
  const auto dark = untangle::colour_at(untangle::ColourMap::Purples, 1.0);
  CHECK(light.r + light.g + light.b > 700);
  CHECK(dark.r + dark.g + dark.b < 200);
  CHECK(untangle::colour_bar_label(0.0104166667) == "0.0104");
}

TEST_CASE("the SVG plots are closed documents with one mark per value and escaped text") {
  untangle::PlotLabels labels{"MIG <blur & mse>", "setting", "MIG", 0.0, 1.0};
  const std::string strip =
      untangle::strip_plot_svg({{"mse", {0.1, 0.2, 0.3}}, {"blur", {0.5, NAN}}}, labels);
  CHECK(strip.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(strip.find("</svg>\n") == strip.size() - 7);
  size_t circles = 0;
  for (size_t at = strip.find("<circle"); at != std::string::npos; at = strip.find("<circle", at + 1))
    ++circles;
  CHECK(circles == 4);  // the NaN is left out
  CHECK(strip.find("MIG &lt;blur &amp; mse&gt;") != std::string::npos);
  CHECK(strip.find("<blur") == std::string::npos);

  const std::string lines =
      untangle::line_plot_svg({{"beta_vae", {1, 2, 3}, {0.1, 0.2, 0.3}, {0.01, 0.02, 0.03}}}, labels);
  CHECK(lines.find("<polyline") != std::string::npos);
  CHECK(lines.find("</svg>\n") == lines.size() - 7);
}

TEST_CASE("a fitted y axis ends at the first of 0.05, 0.1, 0.2, 0.5, 1 above every point and mean + std") {
  untangle::PlotLabels labels{"MIG", "", "MIG", 0.0, 1.0, true};
  // Every point is below 0.05, but mean + std of {0.048, 0.01} is 0.056: the axis ends at 0.1.
  const std::string small = untangle::strip_plot_svg({{"box", {0.048, 0.01}}}, labels);
  CHECK(small.find(">0.1</text>") != std::string::npos);
  CHECK(small.find(">1</text>") == std::string::npos);
  const std::string tiny = untangle::strip_plot_svg({{"mse", {0.01, 0.012}}}, labels);
  CHECK(tiny.find(">0.05</text>") != std::string::npos);
  const std::string large = untangle::strip_plot_svg({{"box", {0.3, 0.7}}}, labels);
  CHECK(large.find(">1</text>") != std::string::npos);  // nothing smaller holds 0.7
  labels.fit_y_max = false;
  CHECK(untangle::strip_plot_svg({{"mse", {0.01}}}, labels).find(">1</text>") != std::string::npos);
  const std::string line = untangle::line_plot_svg({{"beta_vae", {8, 1}, {0.02, 0.15}, {0.01, 0.04}}},
                                                   {"MIG", "spacing", "MIG", 0.0, 1.0, true});
  CHECK(line.find(">0.2</text>") != std::string::npos);  // 0.15 + 0.04 = 0.19
}

TEST_CASE("a sweep skips runs whose metrics.json exists and reports their numbers") {
  const std::string dir = "/tmp/untangle_test_sweep";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/done");
  untangle::write_file_atomically(dir + "/done/metrics.json",
                                  "{\"step\": 5, \"mig\": 0.25, \"dci.disentanglement\": null}\n");
  const std::vector<std::string> flags = {
      "--model", "ae",        "--dataset", "xysquares",       "--steps", "2",           "--batch",
      "4",       "--latents", "4",         "--final-metrics", "",        "--log-every", "1"};
  const auto outcomes = untangle::run_sweep({{"done", flags}, {"fresh", flags}}, dir);
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].skipped);
  CHECK(outcomes[0].metrics.at("mig") == 0.25);
  CHECK(std::isnan(outcomes[0].metrics.at("dci.disentanglement")));
  CHECK_FALSE(std::filesystem::exists(dir + "/done/checkpoint.utg"));  // not trained
  CHECK_FALSE(outcomes[1].skipped);
  CHECK(outcomes[1].metrics.at("step") == 2);
  CHECK(untangle::sweep_run_finished(dir + "/fresh"));
  // A second call trains nothing.
  const auto again = untangle::run_sweep({{"done", flags}, {"fresh", flags}}, dir);
  CHECK(again[0].skipped);
  CHECK(again[1].skipped);
  // A finished run trained with other settings is not counted as this sweep's: an error names the setting.
  std::vector<std::string> other = flags;
  other.insert(other.end(), {"--pixel-weight", "2"});
  CHECK_THROWS_WITH_AS(untangle::run_sweep({{"fresh", other}}, dir),
                       doctest::Contains("fresh: trained with pixel_weight = 1, but this sweep asks for 2"),
                       std::exception);
  // Settings that do not change the training (the log interval, the device) may differ.
  std::vector<std::string> logging = flags;
  logging.insert(logging.end(), {"--checkpoint-every", "7", "--device", "cpu"});
  CHECK(untangle::run_sweep({{"fresh", logging}}, dir)[0].skipped);
}

TEST_CASE("the reproduction apps print their usage, offer a smoke profile and reject a bad profile") {
  for (const char* app :
       {"michlo_box_blur", "michlo_distance_matrices", "michlo_datasets", "michlo_spacing"}) {
    CAPTURE(app);
    auto help = run_program(std::string(app) + " --help");
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--profile quick") != std::string::npos);
    CHECK(help.output.find("--profile smoke") != std::string::npos);  // end to end in minutes (README)
    auto bad = run_program(std::string(app) + " --profile huge --out /tmp/untangle_test_bad_profile");
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find("--profile must be one of quick, paper, smoke") != std::string::npos);
  }
}

TEST_CASE("the order test counts pairs, halves ties and gives the exact p of complete separation") {
  using untangle::compare_order;
  const auto separated = compare_order({0.01, 0.02, 0.00}, {0.04, 0.05, 0.03});
  CHECK(separated.pairs == 9);
  CHECK(separated.all_higher());
  CHECK(separated.p_if_all_higher == doctest::Approx(1.0 / 20));  // C(6, 3) = 20 equally likely orders
  CHECK(untangle::order_text(separated) == "9/9 (p = 0.05)");

  const auto overlapping = compare_order({0.01, 0.05}, {0.03, 0.05});
  CHECK(overlapping.pairs == 4);
  CHECK(overlapping.pairs_higher == doctest::Approx(2.5));  // 0.03 > 0.01, 0.05 > 0.01, tie 0.05 = 0.05
  CHECK_FALSE(overlapping.all_higher());
  CHECK(untangle::order_text(overlapping) == "2.5/4 (overlap)");

  const auto undefined = compare_order({NAN}, {0.1, 0.2});  // an unfinished run counts in no pair
  CHECK(undefined.pairs == 0);
  CHECK(untangle::order_text(undefined) == "—");
  CHECK(compare_order({0.1, 0.2}, {0.3, 0.4}).p_if_all_higher == doctest::Approx(1.0 / 6));
}
