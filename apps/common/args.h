// Command-line options for every untangle program: `--name value` pairs and bare `--flag`s.
// Unknown options are an error (a typo must not silently fall back to a default).
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/check.h"

namespace untangle {

// `text` as a whole decimal integer; `what` names the option or key in the error. Values beyond the
// range of long long are refused (strtoll would clamp them), as is any trailing character.
inline long long parse_integer_text(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  require(!text.empty() && end && *end == '\0', what, ": '", text, "' is not an integer");
  require(errno != ERANGE, what, ": '", text, "' is out of range");
  return value;
}

// `text` as a finite decimal number (nan and inf are refused: no setting means them).
inline double parse_number_text(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  require(!text.empty() && end && *end == '\0', what, ": '", text, "' is not a number");
  require(std::isfinite(value) && errno != ERANGE, what, ": '", text, "' is not a finite number in range");
  return value;
}

class Args {
 public:
  // Parses argv[first..]; `flags` names the options that take no value.
  Args(int argc, char** argv, int first, std::set<std::string> flags = {}) {
    for (int i = first; i < argc; ++i) {
      std::string word = argv[i];
      require(word.rfind("--", 0) == 0 && word.size() > 2, "unexpected argument '", word,
              "' (options start with --)");
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
  bool flag(const std::string& name) {
    used_.insert(name);
    return values_.count(name) > 0;
  }

  std::string text(const std::string& name, const std::string& fallback) {
    used_.insert(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  // A required option is never empty (`--out ""` must not mean the current or root directory).
  std::string required_text(const std::string& name) {
    require(has(name), "missing required option --", name);
    const std::string value = text(name, "");
    require(!value.empty(), "option --", name, " is empty");
    return value;
  }
  long long integer(const std::string& name, long long fallback) {
    if (!has(name)) {
      used_.insert(name);
      return fallback;
    }
    return parse_integer_text(text(name, ""), "option --" + name);
  }
  // An integer that must fit an int (a value that would wrap, e.g. 4294967297 -> 1, is refused).
  int small_integer(const std::string& name, int fallback) {
    const long long value = integer(name, fallback);
    require(value >= -2147483647LL - 1 && value <= 2147483647LL, "option --", name, ": ", value,
            " is out of range");
    return int(value);
  }
  double number(const std::string& name, double fallback) {
    if (!has(name)) {
      used_.insert(name);
      return fallback;
    }
    return parse_number_text(text(name, ""), "option --" + name);
  }
  // Two spellings of one setting (e.g. --lr and --learning-rate): giving both is refused, since they
  // could disagree.
  void refuse_both(const std::string& one, const std::string& other) const {
    require(!(has(one) && has(other)), "--", one, " and --", other, " set the same value; give one of them");
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
    if (c == separator) {
      if (!part.empty()) parts.push_back(part);
      part.clear();
    } else
      part.push_back(c);
  }
  if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace untangle
