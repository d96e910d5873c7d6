// The JSON writer and the flat reader: a round trip, escaping, NaN as null, and malformed input.
#include <doctest/doctest.h>

#include <limits>

#include "apps/common/json.h"

using namespace untangle;

TEST_CASE("JSON objects round-trip through the flat reader") {
  JsonObject o;
  o.add("model", "beta_vae")
      .add("beta", 4.0)
      .add("steps", 1000LL)
      .add("resume", false)
      .add("path", "a \"b\"\\c");
  o.add("undefined", std::numeric_limits<double>::quiet_NaN());
  const std::string text = o.str(2);
  CHECK(text.find("\"undefined\": null") != std::string::npos);
  auto values = parse_flat_json(text, "config.json");
  CHECK(values.at("model") == "beta_vae");
  CHECK(values.at("beta") == "4");
  CHECK(values.at("steps") == "1000");
  CHECK(values.at("resume") == "false");
  CHECK(values.at("path") == "a \"b\"\\c");
  CHECK(values.at("undefined") == "");
  CHECK(o.str() ==
        "{\"model\":\"beta_vae\",\"beta\":4,\"steps\":1000,\"resume\":false,\"path\":\"a "
        "\\\"b\\\"\\\\c\",\"undefined\":null}");
}

TEST_CASE("malformed or nested JSON is an error naming the file") {
  CHECK_THROWS_WITH_AS(parse_flat_json("{\"a\": 1", "x.json"), "x.json: malformed JSON (unterminated object)",
                       Error);
  CHECK_THROWS_AS(parse_flat_json("{\"a\": {\"b\": 1}}", "x.json"), Error);
  CHECK_THROWS_AS(parse_flat_json("[1, 2]", "x.json"), Error);
}
