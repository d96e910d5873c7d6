// `untangle report`: the HTML pages for a run and for a folder of runs — their numbers, and a real
// browser (headless Chromium) rendering them without console errors or broken images.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "apps/common/html_report.h"
#include "cli_helpers.h"
#include "core/file_io.h"

using untangle::testing::run_program;
using untangle::testing::run_shell;

namespace {

void write_run(const std::string& directory, const std::string& config, const std::string& metrics) {
  std::filesystem::create_directories(directory);
  untangle::write_file_atomically(directory + "/config.json", config);
  if (!metrics.empty()) untangle::write_file_atomically(directory + "/metrics.json", metrics);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Headless Chromium, installed here when missing and we are root (Debian's package); empty when absent.
std::string chromium() {
  auto found = run_shell("command -v chromium");
  if (found.exit_code != 0 && geteuid() == 0)
    run_shell("DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium");
  found = run_shell("command -v chromium");
  return found.exit_code == 0 ? "chromium" : "";
}

}  // namespace

TEST_CASE("base64 matches RFC 4648's test vectors") {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    const std::string text = plain;
    CHECK(untangle::base64_encode(std::vector<uint8_t>(text.begin(), text.end())) == encoded);
  }
}

TEST_CASE("a folder report groups runs by setting, with mean ± std, n, and the runs still missing") {
  const std::string folder = "/tmp/untangle_test_report_folder";
  std::system(("rm -rf " + folder).c_str());
  const std::string metrics_tail =
      R"(, "metric_sizes": "fast", "step": 100, "mean_posterior_variance.0": 0.5})";
  write_run(folder + "/a", R"({"model": "beta_vae", "beta": 1, "seed": 0})", R"({"mig": 0.1)" + metrics_tail);
  write_run(folder + "/b", R"({"model": "beta_vae", "beta": 1, "seed": 1})", R"({"mig": 0.3)" + metrics_tail);
  write_run(folder + "/deeper/c", R"({"model": "beta_vae", "beta": 4, "seed": 0})",
            R"({"mig": 0.5)" + metrics_tail);
  write_run(folder + "/deeper/d", R"({"model": "beta_vae", "beta": 4, "seed": 1})", "");
  CHECK(untangle::find_run_directories(folder).size() == 4);
  const std::string html = untangle::folder_report_html(folder);
  CHECK(contains(html, "4 runs in 2 settings"));
  CHECK(contains(html, "sample sizes: fast"));
  // beta=1: mean 0.2, sample std sqrt(0.02) = 0.141; beta=4: one score of two runs.
  CHECK(contains(html,
                 "<th>S1</th><td>beta=1</td><td class=\"number\">2 / 2</td><td class=\"number\">0.200 ± "
                 "0.141 (n=2)</td>"));
  CHECK(contains(html,
                 "<th>S2</th><td>beta=4</td><td class=\"number\">1 / 2</td><td class=\"number\">0.500 ± "
                 "0.000 (n=1)</td>"));
  CHECK(contains(html, "no metrics.json yet"));
  CHECK(!contains(html, "mean_posterior_variance"));  // per-latent diagnostics stay out of the table
  CHECK(contains(html, "<svg"));
  std::filesystem::create_directories(folder + "/empty");
  CHECK_THROWS_WITH_AS(untangle::folder_report_html(folder + "/empty"),
                       doctest::Contains("no run directories"), std::exception);
  CHECK_THROWS_WITH_AS(untangle::folder_report_html(folder + "/nothing"),
                       doctest::Contains("not a directory"), std::exception);
}

TEST_CASE("untangle report writes a run's page that a real browser renders without errors or broken images") {
  const std::string dir = "/tmp/untangle_test_report_run";
  std::system(("rm -rf " + dir).c_str());
  auto train = run_program(
      "untangle train --model beta_vae --dataset xysquares --steps 20 --batch 8 --latents 6 "
      "--log-every 5 --final-metrics mig --out " +
      dir);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  REQUIRE(run_program("untangle visualize --run " + dir +
                      " --kl-points 16 --frames 2 --samples 1 --zoom 1 "
                      "--only traversals,animation")
              .exit_code == 0);
  auto report = run_program("untangle report " + dir);
  INFO(report.output);
  REQUIRE(report.exit_code == 0);
  const std::vector<uint8_t> bytes = untangle::read_file_bytes(dir + "/report.html");
  const std::string html(bytes.begin(), bytes.end());
  CHECK(contains(html, "beta_vae on xysquares"));
  CHECK(contains(html, "<h3>metrics.json</h3>\n<p>step 20; sample sizes: fast</p>"));
  CHECK(contains(html, "<th>mig</th>"));
  CHECK(contains(html, "<svg"));  // training curves
  CHECK(contains(html, "untangle visualize, step 20: traversal_animation.png"));
  // traversals and reconstructions from training, traversals and animation from visualize
  size_t images = 0;
  for (size_t at = html.find("<img"); at != std::string::npos; at = html.find("<img", at + 1)) ++images;
  CHECK(images == 4);

  auto no_directory = run_program("untangle report --html x.html");
  CHECK(no_directory.exit_code == 1);
  CHECK(contains(no_directory.output, "give a run directory"));

  const std::string browser = chromium();
  if (browser.empty()) {
    MESSAGE("chromium is not installed (and we are not root to install it): the browser check did not run");
    return;
  }
  // --dump-dom prints the DOM after the load event, when the page's script has counted its images;
  // console messages (errors included) go to stderr as "CONSOLE" lines.
  auto rendered = run_shell("cd /tmp && timeout 120 " + browser +
                            " --headless --no-sandbox --disable-gpu "
                            "--enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom file://" +
                            dir + "/report.html");
  CHECK(contains(rendered.output, "data-images=\"loaded 4\""));
  CHECK(!contains(rendered.output, ":CONSOLE"));
}
