// A minimal JSON writer for untangle's output files (config.json, metrics.json, reports): objects of
// strings, numbers, booleans and nested objects, written with stable key order as given. NaN and
// infinities (undefined scores) are written as null, since JSON has no such numbers.
#pragma once
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/check.h"

namespace untangle {

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value) { return raw(key, quote(value)); }
  JsonObject& add(const std::string& key, const char* value) { return raw(key, quote(value)); }
  JsonObject& add(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
  JsonObject& add(const std::string& key, long long value) { return raw(key, std::to_string(value)); }
  JsonObject& add(const std::string& key, int value) { return raw(key, std::to_string(value)); }
  JsonObject& add(const std::string& key, double value) { return raw(key, number(value)); }
  JsonObject& add(const std::string& key, const JsonObject& value) { return raw(key, value.str()); }
  // A number already formatted by the caller (e.g. with a chosen precision); must be valid JSON.
  JsonObject& raw_number(const std::string& key, const std::string& text) { return raw(key, text); }

  // The object as text; indent > 0 puts one member per line.
  std::string str(int indent = 0) const {
    if (members_.empty()) return "{}";
    std::string pad = indent ? "\n" + std::string(size_t(indent), ' ') : "", text = "{";
    for (size_t i = 0; i < members_.size(); ++i)
      text += (i ? "," : "") + pad + quote(members_[i].first) + (indent ? ": " : ":") + members_[i].second;
    return text + (indent ? "\n}" : "}");
  }

  static std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
            out += escaped;
          } else {
            out += c;
          }
      }
    }
    return out + "\"";
  }

  static std::string number(double value) {
    if (!std::isfinite(value)) return "null";
    char text[32];
    std::snprintf(text, sizeof(text), "%.10g", value);
    return text;
  }

 private:
  JsonObject& raw(const std::string& key, const std::string& text) {
    for (auto& member : members_)
      if (member.first == key) {
        member.second = text;
        return *this;
      }
    members_.emplace_back(key, text);
    return *this;
  }
  std::vector<std::pair<std::string, std::string>> members_;
};

// Reads a flat JSON object (string, number, boolean or null values; no nesting) such as config.json
// into key -> value text (strings unquoted, null as ""). `source` names the file in errors.
inline std::map<std::string, std::string> parse_flat_json(const std::string& text,
                                                          const std::string& source) {
  std::map<std::string, std::string> values;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto expect = [&](char c) {
    skip_space();
    require(i < text.size() && text[i] == c, source, ": malformed JSON near byte ", i, " (expected '", c,
            "')");
    ++i;
  };
  auto read_string = [&] {
    expect('"');
    std::string out;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char e = text[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += text[i];
      }
      ++i;
    }
    require(i < text.size(), source, ": malformed JSON (unterminated string)");
    ++i;
    return out;
  };
  expect('{');
  skip_space();
  if (i < text.size() && text[i] == '}') return values;
  for (;;) {
    std::string key = read_string();
    expect(':');
    skip_space();
    require(i < text.size(), source, ": malformed JSON (missing value for '", key, "')");
    if (text[i] == '"') {
      values[key] = read_string();
    } else {
      require(text[i] != '{' && text[i] != '[', source, ": '", key,
              "' holds a nested value; a flat object is expected");
      size_t start = i;
      while (i < text.size() && text[i] != ',' && text[i] != '}' &&
             !std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
      std::string word = text.substr(start, i - start);
      values[key] = word == "null" ? "" : word;
    }
    skip_space();
    require(i < text.size(), source, ": malformed JSON (unterminated object)");
    if (text[i] == '}') break;
    expect(',');
  }
  return values;
}

}  // namespace untangle
