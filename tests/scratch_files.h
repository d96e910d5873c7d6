// Where tests write the files they make: a per-process folder under the system's temporary directory,
// never the build's bin/ folder (which holds programs only) or the source tree.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace untangle::testing {

// This test process's scratch folder, created on first use and removed with everything in it when the
// process ends.
struct ScratchFolder {
  std::filesystem::path path;
  ScratchFolder()
      : path(std::filesystem::temp_directory_path() / ("untangle_tests_" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// A path for `name` inside the scratch folder.
inline std::string scratch_path(const std::string& name) {
  static const ScratchFolder folder;
  return (folder.path / name).string();
}

}  // namespace untangle::testing
