// Guards against a compiler miscompile seen on this project's machines: GCC 12.2 with 256/512-bit vectors
// (-march=native on AMD Zen 4 and Intel Xeon hosts) stored `std::vector<double> v = {1, 1, 0, 0}` as
// 1 1 1 1 — a constant initializer list copied into a vector as one wide store that the back end turned into
// a broadcast of its first element. cmake/native_flags.cmake chooses build flags under which
// cmake/vector_constant_probe.cpp runs correctly; these checks repeat the probe's patterns inside the built
// tests (doctest test cases, the context the bug was first seen in). If they fail, the build flags are
// producing wrong code and no other test result can be trusted.
#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

// External linkage on purpose: inside an anonymous namespace GCC optimises these differently and the bug
// did not show in our trials.
namespace untangle_compiler_sanity {

// Element i of v through a call the optimiser does not inline, so the check reads what was stored.
template <typename T>
__attribute__((noinline)) T element(const std::vector<T>& v, std::size_t i) {
  return i < v.size() ? v[i] : T(-1);
}

__attribute__((noinline)) std::vector<double> doubles_of_four() {
  return {1, 1, 0, 0};
}
__attribute__((noinline)) std::vector<float> floats_of_eight() {
  return {3, 3, 3, 3, 0, 0, 0, 0};
}
__attribute__((noinline)) std::vector<double> doubles_of_eight() {
  return {2, 2, 0, 0, 2, 2, 0, 0};
}
__attribute__((noinline)) std::vector<float> floats_of_sixteen() {
  return {5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0};
}

}  // namespace untangle_compiler_sanity

using namespace untangle_compiler_sanity;

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

TEST_CASE("constant vectors of 4 to 16 floating-point values are stored as written") {
  const std::vector<double> d4 = doubles_of_four();
  CHECK(element(d4, 1) == 1.0);
  CHECK(element(d4, 2) == 0.0);
  CHECK(element(d4, 3) == 0.0);
  const std::vector<float> f8 = floats_of_eight();
  CHECK(element(f8, 3) == 3.0f);
  CHECK(element(f8, 4) == 0.0f);
  CHECK(element(f8, 7) == 0.0f);
  const std::vector<double> d8 = doubles_of_eight();
  CHECK(element(d8, 2) == 0.0);
  CHECK(element(d8, 5) == 2.0);
  CHECK(element(d8, 7) == 0.0);
  const std::vector<float> f16 = floats_of_sixteen();
  CHECK(element(f16, 7) == 5.0f);
  CHECK(element(f16, 8) == 0.0f);
  CHECK(element(f16, 15) == 0.0f);
}
