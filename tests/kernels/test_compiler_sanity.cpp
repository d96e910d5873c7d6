// Guards against a compiler miscompile seen on this project's machines: GCC 12.2 with AVX-512 enabled
// turned `std::vector<double> v = {1, 1, 0, 0}` inside a doctest test case into 1 1 1 1. CMakeLists.txt
// therefore builds GCC < 13 without AVX-512; if these checks fail, the build flags are producing
// wrong code and no other test result can be trusted.
#include <doctest/doctest.h>

#include <vector>

TEST_CASE("initializer lists of doubles survive the optimiser") {
  std::vector<double> v = {1, 1, 0, 0};
  CHECK(v[0] == 1.0);
  CHECK(v[1] == 1.0);
  CHECK(v[2] == 0.0);
  CHECK(v[3] == 0.0);
  std::vector<double> w = {1, 0, 1, 0, 0, 1};
  CHECK(w[1] == 0.0);
  CHECK(w[4] == 0.0);
}
