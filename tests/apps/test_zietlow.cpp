// The Zietlow et al. reproduction (apps/common/zietlow.h, apps/zietlow_tables.cpp): the restart choice,
// the over-pruning filter, the paper's numbers, run flags, and every stage of zietlow_tables on its
// seconds-long smoke profile (resumable: a second call trains nothing), then zietlow_line_search on top.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/common/zietlow.h"
#include "cli_helpers.h"

using namespace untangle;

TEST_CASE("the restarts: the highest MIGs are the disentangled side, the lowest the entangled one") {
  const RestartChoice one = choose_restarts({0.10, 0.30, NAN, 0.05, 0.20}, 1);
  CHECK(one.disentangled == std::vector<size_t>{1});
  CHECK(one.entangled == std::vector<size_t>{3});
  const RestartChoice two = choose_restarts({0.10, 0.30, NAN, 0.05, 0.20}, 2);
  CHECK(two.disentangled == std::vector<size_t>{1, 4});
  CHECK(two.entangled == std::vector<size_t>{3, 0});
  CHECK_THROWS_WITH_AS(choose_restarts({0.1, NAN, 0.2}, 2),
                       doctest::Contains("2 finished beta-VAE restarts, need at least 4"), std::exception);
}

TEST_CASE("over-pruning filter: variational runs with fewer active units than factors, never the AE or PCL") {
  SweepOutcome pruned, kept, unknown;
  pruned.metrics["active_units"] = 4;
  kept.metrics["active_units"] = 5;
  CHECK(over_pruned(pruned, "beta_vae", 5));
  CHECK_FALSE(over_pruned(kept, "beta_vae", 5));
  CHECK_FALSE(over_pruned(unknown, "beta_vae", 5));
  CHECK_FALSE(over_pruned(pruned, "ae", 5));
  CHECK_FALSE(over_pruned(pruned, "pcl", 5));
}

TEST_CASE("--datasets and --models narrow a profile; the manipulation's beta-VAE cannot be left out") {
  ZietlowProfile p = zietlow_profile("paper");
  restrict_zietlow_profile(p, {}, {});
  CHECK(p.datasets == std::vector<std::string>{"dsprites", "shapes3d"});
  CHECK(p.models.size() == 7);
  restrict_zietlow_profile(p, {"dsprites"}, {"beta_vae", "pcl", "factor_vae"});
  CHECK(p.datasets == std::vector<std::string>{"dsprites"});
  CHECK(p.models == std::vector<std::string>{"beta_vae", "pcl", "factor_vae"});
  CHECK(p.line_search_models ==
        std::vector<std::string>{"beta_vae", "factor_vae"});  // PCL has no line search
  ZietlowProfile q = zietlow_profile("quick");
  CHECK_THROWS_WITH_AS(restrict_zietlow_profile(q, {"mnist"}, {}), doctest::Contains("not 'mnist'"),
                       std::exception);
  CHECK_THROWS_WITH_AS(restrict_zietlow_profile(q, {}, {"pcl"}), doctest::Contains("must include beta_vae"),
                       std::exception);
  CHECK_THROWS_WITH_AS(restrict_zietlow_profile(q, {}, {"beta_vae", "vq_vae"}), doctest::Contains("vq_vae"),
                       std::exception);
  CHECK(q.datasets ==
        std::vector<std::string>{"shapes3d"});  // a refused call changed nothing before it failed
}

TEST_CASE("the paper's numbers and the run flags follow Tables 1-5 and Table 2") {
  const MeanStd beta_vae = paper_number("mig", "beta_vae", "shapes3d", DataVariant::Modified);
  CHECK(beta_vae.mean == 0.09);
  CHECK(beta_vae.std == 0.14);
  CHECK(paper_number("sap", "pcl", "dsprites", DataVariant::Noise).mean == 0.10);
  CHECK(paper_number("dci.disentanglement", "weak_gan", "dsprites", DataVariant::Original).count == 0);
  CHECK(paper_number("mig", "weak_gan", "dsprites", DataVariant::Original).mean == 0.45);

  ZietlowTraining training{100, 64, "fast", "mig", "cpu", {}};
  const auto flags =
      zietlow_run_flags({"factor_vae", "shapes3d", DataVariant::Modified, 3, 2.0}, training, "/m.utg");
  auto value = [&](const std::string& flag) {
    for (size_t i = 0; i + 1 < flags.size(); ++i)
      if (flags[i] == flag) return flags[i + 1];
    return std::string("(none)");
  };
  CHECK(value("--gamma") == "14");  // Table 2: 7 on Shapes3D, times the line search's 2
  CHECK(value("--latents") == "6");
  CHECK(value("--manipulation") == "/m.utg");
  CHECK(value("--seed") == "3");
  const auto noisy = zietlow_run_flags({"ae", "dsprites", DataVariant::Noise, 0}, training, "");
  CHECK(std::find(noisy.begin(), noisy.end(), "--noise") != noisy.end());
  CHECK(std::find(noisy.begin(), noisy.end(), "0.100000001") != noisy.end());  // the float 0.1 exactly
  CHECK(ZietlowRun{"beta_vae", "dsprites", DataVariant::Original, 2, 0.5}.name() ==
        "dsprites_beta_vae_x0.5_orig_seed2");
}

TEST_CASE("every model of Table 1 gets a valid configuration from its flags, at latents = factors") {
  const ZietlowProfile paper = zietlow_profile("paper");
  REQUIRE(paper.models.size() == 7);
  for (const std::string& dataset : paper.datasets)
    for (const std::string& model : paper.models)
      for (DataVariant variant : {DataVariant::Original, DataVariant::Noise}) {
        CAPTURE(model);
        CAPTURE(dataset);
        const RunConfig c =
            run_config_from_flags(zietlow_run_flags({model, dataset, variant, 1}, paper.training, ""));
        CHECK(c.model.latents == (dataset == "dsprites" ? 5 : 6));
        CHECK(c.steps == 300000);
        CHECK(c.noise == (variant == DataVariant::Noise ? zietlow_epsilon(dataset) : 0.0f));
        if (model == "beta_vae") CHECK(c.model.beta == float(table2_value(model, dataset)));
        if (model == "factor_vae") CHECK(c.model.gamma == float(table2_value(model, dataset)));
        if (model == "weak_gan") CHECK(c.preset == "weak_disentangle");
      }
}

TEST_CASE("zietlow_tables --profile smoke runs every stage and a second call trains nothing") {
  const std::string out = "/tmp/untangle_test_zietlow_tables";
  std::filesystem::remove_all(out);
  const auto first =
      testing::run_program("zietlow_tables --profile smoke --workers 1 --device cpu --out " + out);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  for (const char* file : {"results.md", "results.csv", "results.tex", "selection.md",
                           "manipulation/dsprites/manipulation.utg", "manipulation/dsprites/fig4.png",
                           "manipulation/dsprites/checks.md", "traversals_dsprites_disentangled.png"})
    CHECK(std::filesystem::exists(out + "/" + file));
  // 2 models x 2 seeds x 3 variants, one CSV row each.
  std::ifstream csv(out + "/results.csv");
  std::string line;
  int rows = -1;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 12);
  // The tables come from the run directories (apps/common/paper_tables.h): all of Table 1's rows, the smoke
  // profile's cells filled (2 seeds each) and the others shown as missing.
  const std::string results = testing::file_text(out + "/results.md");
  CHECK(results.find("## Zietlow et al. Table 1: MIG") != std::string::npos);
  CHECK(results.find("| Weak sup. GAN | — (0/2) / 0.45 ± 0.05 |") != std::string::npos);
  CHECK(results.find("## Direction of the effect (MIG)") != std::string::npos);
  CHECK(std::filesystem::exists(out + "/tables/zietlow1.csv"));
  const auto second =
      testing::run_program("zietlow_tables --profile smoke --workers 1 --device cpu --out " + out);
  REQUIRE(second.exit_code == 0);
  CHECK(second.output.find("training beta_vae") == std::string::npos);
  CHECK(second.output.find("finished earlier, skipped") != std::string::npos);

  // The line search reuses the tables' manipulation and their scale-1 runs, and trains only the new scale.
  const auto line_search =
      testing::run_program("zietlow_line_search --profile smoke --workers 1 --device cpu --out " + out);
  INFO(line_search.output);
  REQUIRE(line_search.exit_code == 0);
  CHECK(line_search.output.find("dsprites_beta_vae_orig_seed0: finished earlier, skipped") !=
        std::string::npos);
  CHECK(line_search.output.find("dsprites_beta_vae_x0.5_mod_seed0: training") != std::string::npos);
  for (const char* file : {"line_search.md", "line_search.csv", "line_search_dsprites.svg"})
    CHECK(std::filesystem::exists(out + "/" + file));
  // Without the tables' manipulation it says what to run first.
  const auto missing =
      testing::run_program("zietlow_line_search --profile smoke --out /tmp/untangle_test_no_tables");
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("run zietlow_tables --profile smoke") != std::string::npos);
}
