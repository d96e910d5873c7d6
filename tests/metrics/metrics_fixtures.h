// Shared by the metrics tests: the scikit-learn fixtures in tests/fixtures/metrics/ (written by
// scripts/sklearn_reference.py — codes of five kinds over one factor sample, and the values scikit-learn
// computes on exactly those rows) and small synthetic code tables with known answers.
#pragma once
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "core/check.h"
#include "data/npy.h"
#include "kernels/cpu/philox.h"
#include "metrics/labelled_codes.h"

namespace untangle::test {

inline const char* const kScenarios[] = {"disentangled", "rotated", "mixed", "warped", "random"};

inline std::string fixture_path(const std::string& name) {
  return std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/metrics/" + name;
}

// part: "train" or "test". The five kScenarios share one factor sample ("factors"); the "imbalanced"
// fixture has its own ("factors_imbalanced").
inline LabelledCodes load_fixture(const std::string& scenario, const std::string& part,
                                  const std::string& factors_name = "factors") {
  NpyArray codes = read_npy(fixture_path("codes_" + scenario + "_" + part + ".npy"));
  NpyArray factors = read_npy(fixture_path(factors_name + "_" + part + ".npy"));
  return make_labelled_codes(codes.as_double(), factors.as_int64(), codes.shape[0], codes.shape[1],
                             factors.shape[1]);
}

// The value scikit-learn gave for `metric` on `scenario` (expected_sklearn.txt).
inline double sklearn_value(const std::string& scenario, const std::string& metric) {
  std::ifstream in(fixture_path("expected_sklearn.txt"));
  require(bool(in), "missing fixture expected_sklearn.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string s, m;
    double value;
    fields >> s >> m >> value;
    if (s == scenario && m == metric) return value;
  }
  fail("no sklearn value for ", scenario, " ", metric);
}

// N points with uniform factor indices of the given sizes (from Philox), codes left empty.
inline LabelledCodes random_factors(size_t num_points, const std::vector<size_t>& sizes, uint64_t seed) {
  PhiloxRng rng(seed);
  LabelledCodes points;
  points.num_points = num_points;
  points.num_factors = sizes.size();
  points.factors.resize(num_points * sizes.size());
  for (size_t n = 0; n < num_points; ++n)
    for (size_t j = 0; j < sizes.size(); ++j)
      points.factors[n * sizes.size() + j] = int64_t(rng.next_below(sizes[j]));
  return points;
}

// Sets codes to the given function of (factor indices row, code index): one column per call.
template <typename CodeOf>
inline LabelledCodes with_codes(LabelledCodes points, size_t num_codes, CodeOf code_of) {
  points.num_codes = num_codes;
  points.codes.resize(points.num_points * num_codes);
  for (size_t n = 0; n < points.num_points; ++n)
    for (size_t i = 0; i < num_codes; ++i)
      points.codes[n * num_codes + i] = code_of(&points.factors[n * points.num_factors], i, n);
  return points;
}

}  // namespace untangle::test
