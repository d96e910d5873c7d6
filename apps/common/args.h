// Command-line options for every untangle program: `--name value` pairs and bare `--flag`s.
// Unknown options are an error (a typo must not silently fall back to a default).
#pragma once
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kernels/check.h"

namespace untangle {

class Args {
 public:
  // Parses argv[first..]; `flags` names the options that take no value.
  Args(int argc, char** argv, int first, std::set<std::string> flags = {}) {
    for (int i = first; i < argc; ++i) {
      std::string word = argv[i];
      require(word.rfind("--", 0) == 0 && word.size() > 2, "unexpected argument '", word, "' (options start with --)");
      std::string name = word.substr(2);
      if (name == "help" || flags.count(name)) {
        values_[name] = "1";
      } else {
        require(i + 1 < argc, "option --", name, " needs a value");
        values_[name] = argv[++i];
      }
    }
  }

  bool help() const { return values_.count("help") > 0; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool flag(const std::string& name) { used_.insert(name); return values_.count(name) > 0; }

  std::string text(const std::string& name, const std::string& fallback) {
    used_.insert(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  std::string required_text(const std::string& name) {
    require(has(name), "missing required option --", name);
    return text(name, "");
  }
  long long integer(const std::string& name, long long fallback) {
    std::string value = text(name, std::to_string(fallback));
    char* end = nullptr;
    long long parsed = std::strtoll(value.c_str(), &end, 10);
    require(end && *end == '\0' && !value.empty(), "option --", name, ": '", value, "' is not an integer");
    return parsed;
  }
  double number(const std::string& name, double fallback) {
    if (!has(name)) { used_.insert(name); return fallback; }
    std::string value = text(name, "");
    char* end = nullptr;
    double parsed = std::strtod(value.c_str(), &end);
    require(end && *end == '\0' && !value.empty(), "option --", name, ": '", value, "' is not a number");
    return parsed;
  }

  // Call after reading every option: rejects the ones no one asked for.
  void reject_unknown() const {
    for (const auto& [name, value] : values_)
      require(name == "help" || used_.count(name), "unknown option --", name, " (see --help)");
  }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

// Splits "a,b,c" into its parts.
inline std::vector<std::string> split_list(const std::string& text, char separator = ',') {
  std::vector<std::string> parts;
  std::string part;
  for (char c : text) {
    if (c == separator) { if (!part.empty()) parts.push_back(part); part.clear(); }
    else part.push_back(c);
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace untangle
