// The readers of user files that the fuzzer (apps/fuzz_readers.cpp) drives, one target per format:
// npy (codes/factors tables), npz (exported datasets, dSprites), hdf5 (3dshapes), checkpoint (.utg) and
// config (a run's config.json). Each target names its seed files (the repository's fixtures, or files
// made here) and the crafted files that once crashed or hung untangle (issue 19), which are kept in
// tests/fixtures/fuzz_corpus/<target>/ and replayed by `make test`.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/npy.h"
#include "data/npz.h"

namespace untangle {

struct NamedFile {
  std::string name;
  std::vector<uint8_t> bytes;
};

struct ReaderTarget {
  std::string name;       // also the corpus folder's name
  std::string extension;  // the mutant's file name ends with it (".npy", ...)
  bool text_format;       // favour number and punctuation edits (JSON, the .npy header dict)
  std::function<std::vector<NamedFile>()> seeds;
  std::function<std::vector<NamedFile>()> crafted;
  // Reads the file at `path` the way untangle does, touching every value. Refusal is an untangle::Error.
  std::function<void(const std::string& path)> read;
  // Optional: recomputes a mutant's checksums (best effort), so that mutants reach the parsing behind
  // the checksum test; the fuzzer applies it to every other mutant.
  std::function<void(std::vector<uint8_t>& bytes)> repair_checksums;
};

// Every target; `source_dir` is the repository root (where tests/fixtures lives).
std::vector<ReaderTarget> reader_targets(const std::string& source_dir);

// A version-1 .npy file with this header dict and `data_bytes` zero bytes of data: the crafted files'
// maker (also used by the readers' tests; header-only so a test need not link the fuzz targets).
inline std::vector<uint8_t> npy_with_header(const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64) header.push_back(' ');  // magic + version + length + dict + '\n'
  header.push_back('\n');
  const std::string all = std::string("\x93NUMPY\x01", 7) + char(0) + char(header.size() & 0xff) +
                          char(header.size() >> 8) + header;
  std::vector<uint8_t> file(all.begin(), all.end());
  file.resize(file.size() + data_bytes, 0);
  return file;
}

// An .npz in the dSprites layout whose 'imgs' shape wraps 64-bit sizes ((2^62 + 1) x 4 x 4 declared): the
// streaming writer sizes a member from its shape, so the member written is small. The dSprites reader once
// indexed 2^62 images from it (SIGSEGV in data/image_table_dataset.cpp).
inline void write_wrapped_dsprites_npz(const std::string& path) {
  NpzWriter writer(path);
  writer.begin_array("imgs", DType::UInt8, {(size_t(1) << 62) + 1, 4, 4});
  std::vector<uint8_t> pixels(16, 0);
  writer.write(pixels.data(), pixels.size());
  writer.end_array();
  writer.add("latents_classes", make_npy(std::vector<int64_t>(6, 0), {1, 6}));
  writer.close();
}

}  // namespace untangle
