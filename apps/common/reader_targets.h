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

}  // namespace untangle
