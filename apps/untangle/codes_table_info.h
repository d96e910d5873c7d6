// The sidecar of a codes table: `untangle encode` writes <name>_info.json beside <name>.npy and
// <name>_factors.npy, saying which dataset the rows come from, the factors' names and sizes (as
// comma-separated text: config.json's flat JSON has no arrays), the sampling seed and row count, and the
// run and step that encoded them. `untangle metrics` takes the factor sizes from it.
#pragma once
#include <string>
#include <vector>

namespace untangle {

// "dir/codes.npy" -> "dir/codes" (a name without .npy is kept).
std::string npy_stem(const std::string& path);
// Where the sidecar of the codes table at `codes_path` lives: <stem>_info.json.
std::string codes_table_info_path(const std::string& codes_path);

struct CodesTableInfo {
  std::string dataset;
  std::vector<std::string> factor_names;
  std::vector<size_t> factor_sizes;
};
// Reads a sidecar; errors name the file and the key.
CodesTableInfo read_codes_table_info(const std::string& path);

}  // namespace untangle
