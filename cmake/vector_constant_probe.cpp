// Configure-time probe for a GCC 12 wrong-code bug (CMakeLists.txt compiles and runs this with the build's
// flags; tests/kernels/test_compiler_sanity.cpp checks the same in the built tests).
//
// The bug: when a std::vector of floating-point values is built from a constant initializer list, GCC 12.2
// at -O2/-O3 folds the copy into one 256- or 512-bit constant store, and with AVX-512 enabled (or AVX2 with
// Intel tuning) the back end emits it as a *broadcast of the first 64 bits*: {1, 1, 0, 0} is stored as
// {1, 1, 1, 1}. Integer vectors and plain arrays were not affected in our trials. Seen on Debian 12's
// g++ 12.2.0 with -march=native on AMD Zen 4 and Intel Xeon hosts; g++ -fno-tree-slp-vectorize and
// clang 14 compile it correctly.
#include <cstddef>
#include <vector>

// External linkage on purpose: inside an anonymous namespace GCC optimises these calls differently
// and the bug no longer shows.

// Element i of v, read through a call the optimiser cannot see into, so the check reads what was stored.
template <typename T>
__attribute__((noinline)) T element(const std::vector<T>& v, std::size_t i) {
  return i < v.size() ? v[i] : T(-1);
}

__attribute__((noinline)) bool doubles_of_four() {
  std::vector<double> v = {1, 1, 0, 0};
  return element(v, 0) == 1 && element(v, 1) == 1 && element(v, 2) == 0 && element(v, 3) == 0;
}

__attribute__((noinline)) bool floats_of_eight() {
  std::vector<float> v = {3, 3, 3, 3, 0, 0, 0, 0};
  return element(v, 3) == 3 && element(v, 4) == 0 && element(v, 7) == 0;
}

__attribute__((noinline)) bool doubles_of_eight() {
  std::vector<double> v = {2, 2, 0, 0, 2, 2, 0, 0};
  return element(v, 1) == 2 && element(v, 2) == 0 && element(v, 3) == 0 && element(v, 5) == 2;
}

__attribute__((noinline)) bool floats_of_sixteen() {
  std::vector<float> v = {5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0};
  return element(v, 7) == 5 && element(v, 8) == 0 && element(v, 15) == 0;
}

int main() {
  return doubles_of_four() && floats_of_eight() && doubles_of_eight() && floats_of_sixteen() ? 0 : 1;
}
