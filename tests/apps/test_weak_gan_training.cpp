// The weak GAN through the trainer and the command line: `untangle train --model weak_gan` gets Shu et al.'s
// settings, a short run trains (finite losses, a discriminator that learns to tell real from fake pairs, an
// encoder that learns to read the codes back, changing generator images), resumes bit-identically (buffers
// included), and `untangle eval` scores it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>

#include "apps/common/run_config.h"
#include "apps/common/trained_run.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "core/check.h"
#include "nn/checkpoint.h"

using namespace untangle;

namespace {

RunConfig config_from_flags(std::vector<std::string> words) {
  words.insert(words.begin(), {"untangle", "train"});
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  Args args(int(argv.size()), argv.data(), 2);
  return run_config_from_args(args);
}

std::string fresh_directory(const std::string& name) {
  const std::string path = "/tmp/untangle_test_weak_gan_" + name;
  std::system(("rm -rf " + path).c_str());
  return path;
}

// A short weak-GAN run on dSprites at a quarter of the reference's width (c = 8), batch 16.
RunConfig small_run(long long steps) {
  RunConfig c = config_from_flags({"--model", "weak_gan", "--dataset", "dsprites"});
  c.model.gan_channels = 8;
  c.steps = steps;
  c.batch = 16;
  c.seed = 5;
  c.log_every = 10;
  c.checkpoint_every = 20;
  c.final_metrics = "";
  return c;
}

// Column `name` of a CSV file with a header row.
std::vector<double> column(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names = split_list(line, ',');
  const size_t index = size_t(std::find(names.begin(), names.end(), name) - names.begin());
  REQUIRE(index < names.size());
  std::vector<double> values;
  while (std::getline(in, line)) values.push_back(std::strtod(split_list(line, ',')[index].c_str(), nullptr));
  return values;
}

// sigmoid(G(z)) for fixed codes, in evaluation mode, from a run directory's checkpoint.
std::vector<float> generated_images(const std::string& directory) {
  TrainedRun run = load_trained_run(directory);
  PhiloxRng rng(99);
  Tensor z = Tensor::zeros({4, run.model->settings().latents});
  rng.fill_normal(z.data(), z.numel());
  Tape tape = Tape::evaluation();
  return sigmoid(tape, run.model->decode(tape, z)).to_vector();
}

}  // namespace

TEST_CASE("untangle train --model weak_gan gets Shu et al.'s settings, with one latent per factor") {
  RunConfig c = config_from_flags({"--model", "weak_gan", "--dataset", "dsprites"});
  CHECK(c.preset == "weak_disentangle");
  CHECK(c.model.architecture == "weak_gan");
  CHECK(c.model.factors == 5);
  CHECK(c.model.latents == 5);  // s_dim = 5, n_dim = 0 (gan.gin)
  CHECK(c.batch == 64);
  CHECK_FALSE(c.standardise);
  CHECK(c.model.pairing == "share");
  for (const AdamHyperparameters& adam : {c.model.optimizer, c.model.discriminator_optimizer}) {
    CHECK(adam.learning_rate == 1e-3f);  // dec_lr, and enc_lr = 1 x dec_lr
    CHECK(adam.beta1 == 0.5f);
    CHECK(adam.beta2 == 0.999f);
    CHECK(adam.epsilon == 1e-8f);
  }
  // Flags win: --lr is the generator's, --discriminator-learning-rate the discriminator's and encoder's.
  c = config_from_flags({"--model", "weak_gan", "--dataset", "shapes3d", "--pairing", "change", "--lr",
                         "2e-4", "--discriminator-learning-rate", "5e-4"});
  CHECK(c.model.latents == 6);
  CHECK(c.model.pairing == "change");
  CHECK(c.model.optimizer.learning_rate == 2e-4f);
  CHECK(c.model.discriminator_optimizer.learning_rate == 5e-4f);
  // The VAEs keep the study's preset and their own latent size (DIP-VAE has no paper preset on dSprites).
  c = config_from_flags({"--model", "dip_vae_i", "--dataset", "dsprites"});
  CHECK(c.preset == "disentanglement_lib");
  CHECK(c.model.latents == 10);
  // Another codebase's preset gives the GAN networks it does not have: refused, naming the setting.
  c = config_from_flags({"--model", "weak_gan", "--dataset", "dsprites", "--preset", "disentanglement_lib"});
  PhiloxRng rng(1);
  CHECK_THROWS_WITH_AS(make_model(c.model, rng), doctest::Contains("architecture must be 'weak_gan'"), Error);
}

TEST_CASE("a short weak-GAN run trains, resumes bit-identically and is scored by untangle eval") {
  const std::string whole = fresh_directory("whole"), split = fresh_directory("split");
  const TrainingResult result = train_run(small_run(60), whole, false);
  CHECK(result.steps_done == 60);
  CHECK_FALSE(result.cuda_graph_used);
  for (const char* file :
       {"config.json", "train_log.csv", "checkpoint.utg", "reconstructions.png", "traversals.png"})
    CHECK(std::ifstream(whole + "/" + file).good());

  // The losses. At the start the discriminator knows nothing: its loss is near ln 2 = 0.693 (logits near 0).
  const std::string log = whole + "/train_log.csv";
  const std::vector<double> discriminator = column(log, "discriminator_loss_mean"),
                            generator = column(log, "generator_loss_mean"),
                            encoder = column(log, "encoder_loss_mean"),
                            real = column(log, "real_pair_probability_mean"),
                            fake = column(log, "fake_pair_probability_mean"),
                            total = column(log, "loss_mean");
  REQUIRE(discriminator.size() == 6);
  for (size_t i = 0; i < discriminator.size(); ++i) {
    CAPTURE(i);
    for (double v : {discriminator[i], generator[i], encoder[i], real[i], fake[i]}) CHECK(std::isfinite(v));
    CHECK(total[i] == doctest::Approx(discriminator[i] + generator[i] + encoder[i]).epsilon(1e-4));
    // The discriminator is right on average: it rates real pairs above fake ones.
    CHECK(real[i] > fake[i]);
  }
  CHECK(std::abs(discriminator.front() - std::log(2.0)) < 0.1);
  // In so short a run of so small a GAN the discriminator pulls ahead (its loss falls towards 0, the
  // generator's rises): the early phase of GAN training, not a test of the balance reached later.
  CHECK(discriminator.back() < 0.5 * discriminator.front());
  // The encoder learns to read z1 back from G(z1): its negative log-likelihood falls (it starts near the
  // prior's 5 x 1.42 = 7.1 nats).
  CHECK(encoder.back() < encoder.front() - 0.5);

  // The generator's images change between the checkpoints of the split run.
  train_run(small_run(40), split, false);
  const std::vector<float> at_40 = generated_images(split);
  RunConfig resumed = read_run_config(split + "/config.json");
  resumed.steps = 60;
  train_run(resumed, split, true);
  const std::vector<float> at_60 = generated_images(split);
  double change = 0;
  for (size_t i = 0; i < at_40.size(); ++i) change += std::abs(at_40[i] - at_60[i]) / double(at_40.size());
  INFO("mean pixel change between steps 40 and 60: " << change);
  CHECK(change > 1e-3);

  // The resumed run ends where the uninterrupted one does, to the bit, including the buffers.
  Checkpoint a = load_checkpoint(whole + "/checkpoint.utg"), b = load_checkpoint(split + "/checkpoint.utg");
  REQUIRE(a.tensors.size() == b.tensors.size());
  size_t buffers = 0;
  for (const auto& [name, tensor] : a.tensors) {
    CAPTURE(name);
    REQUIRE(b.tensors.count(name));
    CHECK(tensor.to_vector() == b.tensors[name].to_vector());
    buffers += name.find("spectral_norm") != std::string::npos || name.find("running_") != std::string::npos;
  }
  CHECK(buffers == 2 * 5 + 2 * 6 + 2 * 8);  // batch norms; encoder and discriminator spectral norms
  CHECK(column(log, "loss_mean") == column(split + "/train_log.csv", "loss_mean"));

  // untangle eval scores the encoder's means.
  auto eval =
      testing::run_program("untangle eval --run " + whole + " --metrics mig,dci --sizes fast --seed 3");
  INFO(eval.output);
  REQUIRE(eval.exit_code == 0);
  CHECK(eval.output.find("\"step\":60") != std::string::npos);
  CHECK(eval.output.find("\"mig\":") != std::string::npos);
  CHECK(eval.output.find("\"dci.disentanglement\":") != std::string::npos);
  CHECK(std::ifstream(whole + "/eval_fast_seed3_step60_mig-dci.json").good());
}
