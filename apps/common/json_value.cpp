#include "apps/common/json_value.h"

#include <cctype>

#include "core/check.h"

namespace untangle {

const char* json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::Null: return "null";
    case JsonValue::Kind::Boolean: return "true/false";
    case JsonValue::Kind::Number: return "number";
    case JsonValue::Kind::String: return "string";
    case JsonValue::Kind::Array: return "array";
    case JsonValue::Kind::Object: return "object";
  }
  return "?";
}

bool is_json_number(const std::string& text) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    return i > start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < text.size() && text[i] == '.' && (++i, !digits())) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

namespace {

// Deep enough for any spec, shallow enough that the recursion cannot overflow the stack.
constexpr int kMaxDepth = 64;

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  JsonValue document() {
    JsonValue value = parse_value(0);
    skip_space();
    if (position_ != text_.size()) error("unexpected text after the document");
    return value;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(source_, ": malformed JSON at byte ", position_, ": ", what);
  }
  void skip_space() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_])))
      ++position_;
  }
  // The next character after spaces; an error at the end of the text.
  char peek(const char* expected) {
    skip_space();
    if (position_ >= text_.size()) error(std::string("the text ends where ") + expected + " was expected");
    return text_[position_];
  }
  void expect(char c) {
    if (peek(std::string(1, c).c_str()) != c) error(std::string("expected '") + c + "'");
    ++position_;
  }

  JsonValue parse_value(int depth) {
    if (depth > kMaxDepth) error("nested deeper than 64 levels");
    const char c = peek("a value");
    JsonValue value;
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      value.kind = JsonValue::Kind::String;
      value.text = parse_string();
      return value;
    }
    const size_t start = position_;
    while (position_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[position_])) || text_[position_] == '-' ||
            text_[position_] == '+' || text_[position_] == '.'))
      ++position_;
    value.text = text_.substr(start, position_ - start);
    if (value.text == "true" || value.text == "false") {
      value.kind = JsonValue::Kind::Boolean;
    } else if (value.text == "null") {
      value.kind = JsonValue::Kind::Null;
    } else if (is_json_number(value.text)) {
      value.kind = JsonValue::Kind::Number;
    } else {
      position_ = start;
      error("expected a value (object, array, string, number, true, false or null)");
    }
    return value;
  }

  JsonValue parse_object(int depth) {
    JsonValue object;
    object.kind = JsonValue::Kind::Object;
    expect('{');
    if (peek("'}' or a key") == '}') return ++position_, object;
    for (;;) {
      if (peek("a key") != '"') error("expected a key in double quotes");
      const size_t key_position = position_;
      std::string key = parse_string();
      for (const auto& member : object.members)
        if (member.first == key) {
          position_ = key_position;
          error("the key \"" + key + "\" appears twice in one object");
        }
      expect(':');
      object.members.emplace_back(std::move(key), parse_value(depth + 1));
      if (peek("',' or '}'") == '}') return ++position_, object;
      expect(',');
    }
  }

  JsonValue parse_array(int depth) {
    JsonValue array;
    array.kind = JsonValue::Kind::Array;
    expect('[');
    if (peek("']' or a value") == ']') return ++position_, array;
    for (;;) {
      array.items.push_back(parse_value(depth + 1));
      if (peek("',' or ']'") == ']') return ++position_, array;
      expect(',');
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (position_ >= text_.size()) error("the text ends inside a string");
      const char c = text_[position_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) error("a control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (position_ >= text_.size()) error("the text ends inside an escape");
      const char e = text_[position_++];
      switch (e) {
        case '"':
        case '\\':
        case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': append_utf8(out, parse_hex4()); break;
        default: error(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  unsigned parse_hex4() {
    if (text_.size() - position_ < 4) error("the text ends inside a \\u escape");
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = text_[position_++];
      if (!std::isxdigit(static_cast<unsigned char>(h))) error("a \\u escape needs four hexadecimal digits");
      code = code * 16 +
             unsigned(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
    }
    return code;
  }

  // Code points above U+FFFF arrive as a surrogate pair of two escapes; a lone surrogate is refused.
  void append_utf8(std::string& out, unsigned code) {
    if (code >= 0xDC00 && code < 0xE000) error("a lone low surrogate in a \\u escape");
    if (code >= 0xD800 && code < 0xDC00) {
      if (text_.compare(position_, 2, "\\u") != 0) error("a high surrogate without its low half");
      position_ += 2;
      const unsigned low = parse_hex4();
      if (low < 0xDC00 || low >= 0xE000) error("a high surrogate without its low half");
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  const std::string& text_;
  const std::string& source_;
  size_t position_ = 0;
};

}  // namespace

JsonValue parse_json(const std::string& text, const std::string& source) {
  return JsonParser(text, source).document();
}

}  // namespace untangle
