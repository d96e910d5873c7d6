// Checkpoints: exact round trip, restore into a model, and every kind of damage (each single-byte
// corruption, each truncation, a wrong file) rejected with an error that names the file.
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include "core/check.h"
#include "core/file_io.h"
#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"

using namespace untangle;

namespace {
std::string temporary_path(const char* name) {
  return std::string("/tmp/untangle_test_") + name;
}

Checkpoint sample_checkpoint() {
  PhiloxRng rng(5);
  Linear dense(3, 2, rng);
  ParameterList list;
  dense.collect(list, "dense");
  Checkpoint checkpoint;
  checkpoint.add(list);
  checkpoint.metadata["step"] = "1234";
  checkpoint.metadata["rng.counter"] = "99";
  return checkpoint;
}
}  // namespace

TEST_CASE("a checkpoint round-trips tensors and metadata exactly") {
  const std::string path = temporary_path("roundtrip.utg");
  Checkpoint saved = sample_checkpoint();
  save_checkpoint(path, saved);
  Checkpoint loaded = load_checkpoint(path);
  CHECK(loaded.metadata == saved.metadata);
  REQUIRE(loaded.tensors.size() == 2);
  for (const auto& [name, tensor] : saved.tensors) {
    REQUIRE(loaded.tensors.count(name));
    CHECK(loaded.tensors[name].shape() == tensor.shape());
    CHECK(loaded.tensors[name].to_vector() == tensor.to_vector());
  }
  // Restoring into a freshly initialised layer reproduces the saved weights.
  PhiloxRng other(77);
  Linear fresh(3, 2, other);
  ParameterList list;
  fresh.collect(list, "dense");
  loaded.restore(list, path);
  CHECK(fresh.weight.to_vector() == saved.tensors["dense.weight"].to_vector());
  // A model of another shape is refused.
  Linear wrong(4, 2, other);
  ParameterList wrong_list;
  wrong.collect(wrong_list, "dense");
  CHECK_THROWS_WITH_AS(loaded.restore(wrong_list, path),
                       (path + ": tensor 'dense.weight' has shape (2, 3), the model expects (2, 4)").c_str(),
                       Error);
  std::remove(path.c_str());
}

TEST_CASE("every single-byte corruption and every truncation is an error naming the file") {
  const std::string path = temporary_path("damaged.utg");
  save_checkpoint(path, sample_checkpoint());
  const std::vector<uint8_t> good = read_file_bytes(path);
  int detected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x5A;
    write_file_atomically(path, bad.data(), bad.size());
    try {
      load_checkpoint(path);
    } catch (const Error& e) {
      detected += std::string(e.what()).rfind(path, 0) == 0;
    }
  }
  CHECK(detected == int(good.size()));
  detected = 0;
  for (size_t length = 0; length < good.size(); ++length) {
    write_file_atomically(path, good.data(), length);
    try {
      load_checkpoint(path);
    } catch (const Error& e) {
      detected += std::string(e.what()).rfind(path, 0) == 0;
    }
  }
  CHECK(detected == int(good.size()));
  std::remove(path.c_str());
  CHECK_THROWS_WITH_AS(load_checkpoint(path), (path + ": cannot open file").c_str(), Error);
}

TEST_CASE("checkpoint: empty tensors round-trip; overflowing shapes and wild Adam step counts are refused") {
  const std::string path = temporary_path("empty_tensor.utg");
  Checkpoint saved;
  saved.tensors["empty"] = Tensor::zeros({0, 3});
  save_checkpoint(path, saved);
  CHECK(load_checkpoint(path).tensors.at("empty").shape() == Shape{0, 3});
  // Rank 4 of 2^31 - 1 each: the product overflows 64 bits and must not wrap to a small count.
  std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string name = "empty";
  const size_t dims_at = 8 + 4 + 4 + 1 + 4 + name.size();  // magic, version, count, kind, name
  const uint32_t rank = 4;
  const int32_t big = 2147483647;
  std::vector<uint8_t> crafted(bytes.begin(), bytes.begin() + long(dims_at));
  const auto append = [&crafted](const void* p, size_t n) {
    crafted.insert(crafted.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  };
  append(&rank, 4);
  for (int i = 0; i < 4; ++i) append(&big, 4);
  write_file_atomically(path, crafted.data(), crafted.size());
  CHECK_THROWS_WITH_AS(load_checkpoint(path), doctest::Contains("overflows 64 bits"), Error);
  std::remove(path.c_str());

  PhiloxRng rng(1);
  Linear layer(2, 2, rng);
  ParameterList list;
  layer.collect(list, "layer");
  Adam adam(list, AdamHyperparameters{});
  CHECK_THROWS_WITH_AS(adam.set_steps_taken(std::numeric_limits<long long>::max()),
                       doctest::Contains("out of range"), Error);
  CHECK_THROWS_WITH_AS(adam.set_steps_taken(-1), doctest::Contains("out of range"), Error);
  adam.set_steps_taken(41);
  CHECK(adam.steps_taken() == 41);
}

TEST_CASE(
    "checkpoint metadata numbers are read checked: malformed or out-of-range records name the file and key") {
  const std::map<std::string, std::string> metadata = {
      {"step", "120"},    {"bad", "12abc"},
      {"negative", "-3"}, {"huge", "99999999999999999999"},
      {"empty", ""},      {"counter", "18446744073709551615"}};
  CHECK(untangle::metadata_integer(metadata, "step", "run/checkpoint.utg") == 120);
  CHECK(untangle::metadata_counter(metadata, "counter", "run/checkpoint.utg") == 18446744073709551615ull);
  const auto fails = [&](const std::function<void()>& read, const std::string& expected) {
    try {
      read();
    } catch (const untangle::Error& error) {
      const std::string text = error.what();
      CHECK(text.find("run/checkpoint.utg") != std::string::npos);
      CHECK(text.find(expected) != std::string::npos);
      return;
    }
    FAIL("no error for ", expected);
  };
  fails([&] { untangle::metadata_integer(metadata, "bad", "run/checkpoint.utg"); },
        "'bad' is not a whole number");
  fails([&] { untangle::metadata_integer(metadata, "empty", "run/checkpoint.utg"); },
        "'empty' is not a whole number");
  fails([&] { untangle::metadata_integer(metadata, "negative", "run/checkpoint.utg"); }, "outside 0 ..");
  fails([&] { untangle::metadata_integer(metadata, "huge", "run/checkpoint.utg"); }, "outside 0 ..");
  fails([&] { untangle::metadata_counter(metadata, "negative", "run/checkpoint.utg"); }, "is negative");
  fails([&] { untangle::metadata_integer(metadata, "missing", "run/checkpoint.utg"); },
        "has no 'missing' record");
}
