// The op table (tests/common/op_cases.h) covers every op declared in autograd/ops.h, and each of its rows
// says why its bounds are what they are.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/op_cases.h"

using namespace untangle::testing;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  REQUIRE_MESSAGE(file, "cannot open ", path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

TEST_CASE("the declarations of a header are found, and a declared op without a row is reported") {
  const std::string header =
      "// Tensor in_a_comment(Tape& tape);\n"
      "#include \"autograd/tensor.h\"\n"
      "enum class Reduction { None, Sum, Mean };\n"
      "Tensor relu(Tape& tape, const Tensor& x);  // max(x, 0)\n"
      "Tensor sum(Tape& tape, const Tensor& x);\n"
      "Tensor sum(Tape& tape, const Tensor& x, int axis, bool keep_dim = false);\n"
      "Tensor conv2d(Tape& tape, const Tensor& x, const Tensor& weight,\n"
      "              int padding);\n"
      "inline Tensor twice(Tape& tape, const Tensor& x) {\n"
      "  return add(tape, x, x);\n"
      "}\n"
      "const std::vector<int>& frobnicate(const Tensor& x);\n";
  CHECK(ops_declared_in(header) == std::vector<std::string>{"relu", "sum", "conv2d", "twice", "frobnicate"});

  std::vector<OpCase> rows(3);
  rows[0].op = "relu";
  rows[1].op = "sum";
  rows[2].op = "conv2d";
  CHECK(ops_without_row(ops_declared_in(header), rows) == std::vector<std::string>{"twice", "frobnicate"});
  rows.push_back(rows[0]);
  rows.back().op = "twice";
  rows.push_back(rows[0]);
  rows.back().op = "frobnicate";
  CHECK(ops_without_row(ops_declared_in(header), rows).empty());
}

TEST_CASE("every op declared in autograd/ops.h has a row in the op table") {
  const std::vector<std::string> declared = ops_declared_in(read_text(UNTANGLE_SOURCE_DIR "/autograd/ops.h"));
  CHECK(declared.size() >= 30);  // the parser still reads the header (35 names when this was written)
  const std::vector<std::string> missing = ops_without_row(declared, op_cases());
  INFO("ops without a row in tests/common/op_cases.cpp: " << joined(missing));
  CHECK(missing.empty());
  // And no row names an op the header does not declare (a typo would leave the real op unchecked).
  for (const OpCase& row : op_cases()) {
    INFO(row.name());
    CHECK(std::find(declared.begin(), declared.end(), row.op) != declared.end());
  }
}

TEST_CASE(
    "every row says why each bound is what it is, and has a twin exactly when it is compared with one") {
  for (const OpCase& row : op_cases()) {
    INFO(row.name());
    CHECK(row.call);
    CHECK(!row.inputs.empty());
    for (const Bound& bound : {row.gradient, row.cpu_twin, row.cuda}) CHECK(bound.why.size() > 20);
    CHECK(bool(row.twin) == row.cpu_twin.applies());
  }
}
