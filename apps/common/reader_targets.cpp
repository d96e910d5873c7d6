// The fuzzed readers, their seeds and their crafted files; see reader_targets.h.
#include "apps/common/reader_targets.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "apps/common/run_config.h"
#include "core/check.h"
#include "core/file_io.h"
#include "data/hdf5.h"
#include "data/image_table_dataset.h"
#include "data/npy.h"
#include "data/npz.h"
#include "data/real_files.h"
#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"

namespace untangle {

namespace {

std::string scratch_file(const std::string& name) {
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("untangle_fuzz_seeds_" + std::to_string(getpid()));
  std::filesystem::create_directories(folder);
  return (folder / name).string();
}

// Writes with `write_to(path)`, returns the bytes and removes the file.
std::vector<uint8_t> bytes_written_by(const std::string& name,
                                      const std::function<void(const std::string&)>& write_to) {
  const std::string path = scratch_file(name);
  write_to(path);
  std::vector<uint8_t> bytes = read_file_bytes(path);
  std::filesystem::remove(path);
  std::filesystem::remove(std::filesystem::path(path).parent_path());  // the folder, once empty
  return bytes;
}

std::vector<NamedFile> fixtures(const std::string& source_dir, const std::vector<std::string>& names) {
  std::vector<NamedFile> files;
  for (const std::string& name : names)
    files.push_back({name, read_file_bytes(source_dir + "/tests/fixtures/" + name)});
  return files;
}

// ---- npy ------------------------------------------------------------------------------------------

ReaderTarget npy_target(const std::string& source_dir) {
  ReaderTarget target{"npy", ".npy", true, nullptr, nullptr, nullptr, nullptr};
  target.seeds = [source_dir] {
    std::vector<NamedFile> seeds = fixtures(source_dir, {"npy_v2_int32.npy"});
    seeds.push_back(
        {"codes_3x4.npy",
         serialize_npy(make_npy(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4}))});
    seeds.push_back(
        {"factors_4x2.npy", serialize_npy(make_npy(std::vector<int64_t>{0, 1, 1, 0, 2, 3, 4, 5}, {4, 2}))});
    seeds.push_back({"images_2x4x4.npy", serialize_npy(make_npy(std::vector<uint8_t>(32, 1), {2, 4, 4}))});
    return seeds;
  };
  target.crafted = [] {
    return std::vector<NamedFile>{
        // issue 19: the element count wrapped to 24 and `untangle metrics` read out of bounds.
        {"shape_product_wraps.npy",
         npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775820, 2), }",
                         96)},
        {"dimension_beyond_64_bits.npy",
         npy_with_header(
             "{'descr': '<i8', 'fortran_order': False, 'shape': (123456789012345678901234567890, 1), }", 8)},
        {"zero_hides_overflow.npy",
         npy_with_header("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }",
                         0)},
        {"header_longer_than_file.npy", {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{'}},
        {"fortran_order.npy",
         [] {
           auto file = npy_with_header("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", 0);
           for (uint8_t v : {1, 4, 2, 5, 3, 6}) file.push_back(v);
           return file;
         }()},
    };
  };
  target.read = [](const std::string& path) {
    NpyArray array = read_npy(path);
    array.as_double();
    array.as_int64();
  };
  return target;
}

// ---- npz ------------------------------------------------------------------------------------------

// An `untangle data --export` file of a 2 x 2 grid of 2 x 2 images, and the dataset it must match.
void write_tiny_export(const std::string& path) {
  NpzWriter writer(path);
  writer.add("images",
             make_npy(std::vector<uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {4, 2, 2}));
  writer.add("factors", make_npy(std::vector<int64_t>{0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}));
  writer.add("factor_sizes", make_npy(std::vector<int64_t>{2, 2}, {2}));
  writer.add_text("factor_names", {"x", "y"});
  writer.add_text("dataset", {"tiny"});
  writer.close();
}

const GroundTruthDataset& tiny_dataset_like() {
  static const ImageTableDataset tiny("tiny", {"x", "y"}, {2, 2}, {false, false}, 2, 2, 1,
                                      std::vector<uint8_t>(16), 1.0f);
  return tiny;
}

// Rewrites the CRC-32 of every stored (uncompressed) member, in its local header and in the central
// directory, so that mutants of the .npy inside reach the .npy parser (PKWARE APPNOTE 4.3.7 and 4.3.12
// give the field offsets used here).
void repair_npz_checksums(std::vector<uint8_t>& bytes) {
  auto u32_at = [&bytes](size_t at) {
    uint32_t v = 0;
    if (at + 4 <= bytes.size()) std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  auto u16_at = [&bytes](size_t at) {
    return at + 2 <= bytes.size() ? uint16_t(bytes[at] | (bytes[at + 1] << 8)) : uint16_t(0);
  };
  std::map<uint32_t, uint32_t> crc_of_member;  // local header offset -> CRC of its stored data
  for (size_t at = 0; at + 30 <= bytes.size() && u32_at(at) == 0x04034b50;) {
    const size_t data = at + 30 + u16_at(at + 26) + u16_at(at + 28), size = u32_at(at + 18);
    if (data > bytes.size() || size > bytes.size() - data) break;
    if (u16_at(at + 8) == 0) {
      const uint32_t crc = uint32_t(crc32(crc32(0L, Z_NULL, 0), bytes.data() + data, uInt(size)));
      std::memcpy(bytes.data() + at + 14, &crc, 4);
      crc_of_member[uint32_t(at)] = crc;
    }
    at = data + size;
  }
  for (size_t at = 0; at + 46 <= bytes.size(); ++at) {
    if (u32_at(at) != 0x02014b50) continue;
    auto member = crc_of_member.find(u32_at(at + 42));
    if (member != crc_of_member.end()) std::memcpy(bytes.data() + at + 16, &member->second, 4);
  }
}

ReaderTarget npz_target(const std::string& source_dir) {
  ReaderTarget target{"npz", ".npz", false, nullptr, nullptr, nullptr, nullptr};
  target.seeds = [source_dir] {
    std::vector<NamedFile> seeds =
        fixtures(source_dir, {"npz_stored.npz", "npz_deflated.npz", "dsprites_small.npz"});
    seeds.push_back({"tiny_export.npz", bytes_written_by("tiny_export.npz", write_tiny_export)});
    return seeds;
  };
  target.crafted = [] {
    auto wrapped = bytes_written_by("wrapped.npz", write_wrapped_dsprites_npz);
    return std::vector<NamedFile>{{"dsprites_imgs_shape_wraps.npz", wrapped}};
  };
  target.repair_checksums = repair_npz_checksums;
  target.read = [](const std::string& path) {
    std::map<std::string, std::vector<uint8_t>> members = read_npz_members(path);
    for (auto& [name, bytes] : members) {
      if (name == "factor_names" || name == "dataset")
        parse_npy_text(bytes, path + " member " + name);
      else
        parse_npy(bytes, path + " member " + name).as_double();
    }
    if (members.count("imgs") && members.count("latents_classes")) read_dsprites_npz(path);
    if (is_exported_npz(path)) read_exported_npz(path, tiny_dataset_like());
  };
  return target;
}

// ---- hdf5 -----------------------------------------------------------------------------------------

// shapes3d_chunked.h5 with 40 inner chunk B-tree nodes appended above its leaf (48 chunks of the rank-4
// `images` at byte 1400, keys of 48 bytes): node j has two children, both node j - 1. A tree walk bounded
// only by depth visits the leaf 2^40 times (issue 19: the hang); each node is 184 bytes, 7 KB in all.
std::vector<uint8_t> shared_children_btree(const std::string& source_dir) {
  std::vector<uint8_t> file = read_file_bytes(source_dir + "/tests/fixtures/shapes3d_chunked.h5");
  const uint64_t leaf = 1400, root_pointer = 987;  // where the layout message holds the tree's address
  uint64_t stored = 0;
  std::memcpy(&stored, file.data() + root_pointer, 8);
  require(file.size() > leaf + 4 && std::memcmp(file.data() + leaf, "TREE", 4) == 0 && stored == leaf,
          "shapes3d_chunked.h5: the chunk B-tree moved; update reader_targets.cpp");
  const size_t key_size = 48, levels = 40;
  uint64_t child = leaf;
  for (size_t level = 1; level <= levels; ++level) {
    const uint64_t node = file.size();
    const uint8_t head[8] = {'T', 'R', 'E', 'E', 1, uint8_t(level), 2, 0};
    file.insert(file.end(), head, head + 8);
    file.insert(file.end(), 16, 0xff);  // no siblings
    for (int entry = 0; entry < 2; ++entry) {
      file.insert(file.end(), key_size, 0);
      for (int b = 0; b < 8; ++b) file.push_back(uint8_t(child >> (8 * b)));
    }
    file.insert(file.end(), key_size, 0);
    child = node;
  }
  std::memcpy(file.data() + root_pointer, &child, 8);
  return file;
}

ReaderTarget hdf5_target(const std::string& source_dir) {
  ReaderTarget target{"hdf5", ".h5", false, nullptr, nullptr, nullptr, nullptr};
  target.seeds = [source_dir] {
    return fixtures(source_dir, {"shapes3d_chunked.h5", "shapes3d_contiguous.h5", "shapes3d_latest.h5",
                                 "shapes3d_shuffle.h5"});
  };
  target.crafted = [source_dir] {
    std::vector<NamedFile> files;
    const std::vector<uint8_t> superblock = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 2, 8, 8};
    for (size_t cut : {9, 10, 11})  // issue 19: read past a 9-10 byte buffer
      files.push_back({"superblock_v2_cut_" + std::to_string(cut) + ".h5",
                       {superblock.begin(), superblock.begin() + long(cut)}});
    files.push_back({"chunk_btree_shared_children.h5", shared_children_btree(source_dir)});
    // The dataspace (N, 64, 64, 3) of `images` with N = 2^30: terabytes declared by an 11 KB file.
    std::vector<uint8_t> big = read_file_bytes(source_dir + "/tests/fixtures/shapes3d_chunked.h5");
    const uint64_t tail[3] = {64, 64, 3};
    auto at = std::search(big.begin(), big.end(), reinterpret_cast<const uint8_t*>(tail),
                          reinterpret_cast<const uint8_t*>(tail) + 24);
    require(at != big.end() && at - big.begin() >= 8,
            "shapes3d_chunked.h5: no (N, 64, 64, 3) dataspace found");
    const uint64_t rows = uint64_t(1) << 30;
    std::memcpy(&*(at - 8), &rows, 8);
    files.push_back({"dataspace_terabytes.h5", big});
    return files;
  };
  target.read = [](const std::string& path) {
    Hdf5File file(path);
    for (const std::string& name : file.root_names()) file.read_dataset(name).as_double();
    read_shapes3d_h5(path);
  };
  return target;
}

// ---- checkpoint -----------------------------------------------------------------------------------

// What a resume restores from a checkpoint: a layer's tensors and an optimiser's step count.
ParameterList seed_parameters(Linear& layer) {
  ParameterList list;
  layer.collect(list, "dense");
  return list;
}

// Walks the records as nn/checkpoint.h lays them out and rewrites each CRC-32; stops where the layout
// no longer makes sense (the reader will then refuse the file for that reason).
void repair_checkpoint_checksums(std::vector<uint8_t>& bytes) {
  auto u32_at = [&bytes](size_t at, uint32_t& value) {
    if (at + 4 > bytes.size()) return false;
    std::memcpy(&value, bytes.data() + at, 4);
    return true;
  };
  uint32_t records = 0, length = 0;
  if (!u32_at(12, records)) return;
  size_t at = 16;
  for (uint32_t r = 0; r < records && at < bytes.size(); ++r) {
    const size_t start = at;
    const char kind = char(bytes[at++]);
    if (!u32_at(at, length) || length > bytes.size()) return;
    at += 4 + length;
    if (kind == 'T') {
      uint32_t rank = 0;
      if (!u32_at(at, rank) || rank > 4) return;
      at += 4;
      uint64_t count = 1;
      for (uint32_t d = 0; d < rank; ++d) {
        uint32_t dim = 0;
        if (!u32_at(at, dim)) return;
        count *= dim;
        if (count > bytes.size()) return;
        at += 4;
      }
      at += 4 * count;
    } else {
      if (!u32_at(at, length) || length > bytes.size()) return;
      at += 4 + length;
    }
    if (at + 4 > bytes.size()) return;
    const uint32_t crc = uint32_t(crc32(crc32(0L, Z_NULL, 0), bytes.data() + start, uInt(at - start)));
    std::memcpy(bytes.data() + at, &crc, 4);
    at += 4;
  }
}

ReaderTarget checkpoint_target() {
  ReaderTarget target{"checkpoint", ".utg", false, nullptr, nullptr, nullptr, nullptr};
  target.seeds = [] {
    PhiloxRng rng(5);
    Linear layer(3, 2, rng);
    Checkpoint checkpoint;
    checkpoint.add(seed_parameters(layer));
    checkpoint.metadata["adam.steps"] = "1234";
    checkpoint.metadata["step"] = "1234";
    return std::vector<NamedFile>{
        {"linear_3x2.utg",
         bytes_written_by("seed.utg", [&](const std::string& path) { save_checkpoint(path, checkpoint); })}};
  };
  target.crafted = [] {
    Checkpoint empty;  // issue 19: memcpy(nullptr, ..., 0) on a zero-sized dimension (UB)
    empty.tensors["empty"] = Tensor::zeros({0, 3});
    Checkpoint wild_steps;  // issue 19: Adam's step count INT64_MAX, then ++ overflows
    wild_steps.metadata["adam.steps"] = "9223372036854775807";
    auto save = [](const Checkpoint& c) {
      return bytes_written_by("crafted.utg", [&](const std::string& path) { save_checkpoint(path, c); });
    };
    return std::vector<NamedFile>{{"zero_sized_tensor.utg", save(empty)},
                                  {"adam_steps_int64_max.utg", save(wild_steps)}};
  };
  target.repair_checksums = repair_checkpoint_checksums;
  target.read = [](const std::string& path) {
    Checkpoint checkpoint = load_checkpoint(path);
    PhiloxRng rng(1);
    Linear layer(3, 2, rng);
    ParameterList parameters = seed_parameters(layer);
    if (checkpoint.tensors.count("dense.weight") && checkpoint.tensors.count("dense.bias"))
      checkpoint.restore(parameters, path);
    auto steps = checkpoint.metadata.find("adam.steps");
    if (steps != checkpoint.metadata.end()) {
      char* end = nullptr;
      const long long value = std::strtoll(steps->second.c_str(), &end, 10);
      require(end && *end == '\0' && !steps->second.empty(), path, ": adam.steps is not an integer");
      Adam(parameters, AdamHyperparameters{}).set_steps_taken(value);
    }
  };
  return target;
}

// ---- config.json ----------------------------------------------------------------------------------

ReaderTarget config_target() {
  ReaderTarget target{"config", ".json", true, nullptr, nullptr, nullptr, nullptr};
  target.seeds = [] {
    RunConfig xysquares;
    xysquares.dataset = "xysquares";
    xysquares.steps = 200;
    xysquares.noise = 0.25f;
    std::vector<NamedFile> seeds;
    // A plain loop variable: C++17 lambdas cannot capture a structured binding (clang refuses it).
    for (const std::pair<std::string, RunConfig>& seed :
         {std::pair<std::string, RunConfig>{"default.json", RunConfig{}}, {"xysquares.json", xysquares}})
      seeds.push_back({seed.first, bytes_written_by("config.json", [&](const std::string& path) {
                         write_run_config(path, seed.second);
                       })});
    return seeds;
  };
  target.crafted = [] {
    std::string deep;  // nesting, in case a parser recurses per level
    for (int i = 0; i < 20000; ++i) deep += "{\"a\":";
    return std::vector<NamedFile>{{"deeply_nested.json", std::vector<uint8_t>(deep.begin(), deep.end())}};
  };
  target.read = [](const std::string& path) { read_run_config(path); };
  return target;
}

}  // namespace

std::vector<ReaderTarget> reader_targets(const std::string& source_dir) {
  return {npy_target(source_dir), npz_target(source_dir), hdf5_target(source_dir), checkpoint_target(),
          config_target()};
}

}  // namespace untangle
