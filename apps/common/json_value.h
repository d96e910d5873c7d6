// A JSON reader for nested documents a user writes by hand (sweep specs, apps/common/sweep_spec.h):
// objects, arrays, strings, numbers, true/false/null. apps/common/json.h's parse_flat_json reads the
// flat files untangle writes itself; this one keeps the nesting and the order of object members.
//
// Every read is bounds-checked against the text (a truncated file is an error, never an overrun), and
// nesting is limited so that a hostile file cannot exhaust the stack. Numbers keep their text as
// written ("1e-3" stays "1e-3"), since they become command-line values.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace untangle {

struct JsonValue {
  enum class Kind { Null, Boolean, Number, String, Array, Object };
  Kind kind = Kind::Null;
  std::string text;              // String: the decoded text; Number, Boolean: as written
  std::vector<JsonValue> items;  // Array
  std::vector<std::pair<std::string, JsonValue>> members;  // Object, in file order

  bool is(Kind k) const { return kind == k; }
};

// "object", "array", "string", "number", "true/false", "null": for error messages.
const char* json_kind_name(JsonValue::Kind kind);

// Parses a whole document; `source` names the file in errors ("spec.json: malformed JSON at byte 12: ...").
// Duplicate keys in one object are an error (which one would count is a guess).
JsonValue parse_json(const std::string& text, const std::string& source);

// True when `text` is a JSON number as the grammar writes it (-?digits[.digits][e[+-]digits]).
bool is_json_number(const std::string& text);

}  // namespace untangle
