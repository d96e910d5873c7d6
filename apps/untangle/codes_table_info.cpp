#include "apps/untangle/codes_table_info.h"

#include <map>

#include "apps/common/args.h"
#include "apps/common/json.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

std::string npy_stem(const std::string& path) {
  const bool has_suffix = path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  return has_suffix ? path.substr(0, path.size() - 4) : path;
}

std::string codes_table_info_path(const std::string& codes_path) {
  return npy_stem(codes_path) + "_info.json";
}

CodesTableInfo read_codes_table_info(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::map<std::string, std::string> fields =
      parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
  auto get = [&](const char* key) {
    const auto it = fields.find(key);
    require(it != fields.end(), path, ": no '", key, "' key");
    return it->second;
  };
  CodesTableInfo info;
  info.dataset = get("dataset");
  info.factor_names = split_list(get("factor_names"));
  for (const std::string& part : split_list(get("factor_sizes"))) {
    const long long size = parse_integer_text(part, path + ": 'factor_sizes'");
    require(size > 0, path, ": 'factor_sizes' holds ", size, " (sizes are positive)");
    info.factor_sizes.push_back(size_t(size));
  }
  require(!info.factor_sizes.empty(), path, ": 'factor_sizes' is empty");
  return info;
}

}  // namespace untangle
