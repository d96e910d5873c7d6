// Where tests write the files they make: a per-process folder under the system's temporary directory,
// never the build's bin/ folder (which holds programs only) or the source tree.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace untangle::testing {

// A path for `name` inside this test process's scratch folder (created on first use).
inline std::string scratch_path(const std::string& name) {
  static const std::filesystem::path folder = [] {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("untangle_tests_" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return (folder / name).string();
}

}  // namespace untangle::testing
