// The strided row copies under im2col / col2im (kernels/cpu/strided_rows.h) against plain loops, for
// every count up to a few vectors, and with guard values around the strided row that must stay untouched.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/cpu/philox.h"
#include "kernels/cpu/strided_rows.h"

using namespace untangle;

TEST_CASE("gather_strided and scatter_add_strided match plain loops and stay inside their rows") {
  PhiloxRng rng(21);
  const float guard = -777.0f;
  for (int s : {1, 2, 3})
    for (int count = 0; count <= 70; ++count) {
      INFO("stride ", s, " count ", count);
      const int span = count > 0 ? (count - 1) * s + 1 : 0;  // elements of the strided row
      const int margin = 40;
      // The strided row ends its buffer (guard values only before it), so a read or write one element past
      // it is out of bounds: AddressSanitizer builds catch it. The contiguous row sits between guards.
      std::vector<float> strided(size_t(margin) + span, guard), contiguous(size_t(count) + 2 * margin, guard);
      rng.fill_uniform(strided.data() + margin, span);
      rng.fill_uniform(contiguous.data() + margin, count);

      std::vector<float> gathered = contiguous;
      gather_strided(gathered.data() + margin, strided.data() + margin, count, s);
      for (int i = 0; i < count; ++i) CHECK(gathered[margin + i] == strided[margin + i * s]);
      for (int i = 0; i < margin; ++i) CHECK((gathered[i] == guard && gathered[margin + count + i] == guard));

      std::vector<float> added = strided, expected = strided;
      scatter_add_strided(added.data() + margin, contiguous.data() + margin, count, s);
      for (int i = 0; i < count; ++i) expected[margin + i * s] += contiguous[margin + i];
      CHECK(added ==
            expected);  // every element: the strided ones summed, the others and the guards as they were
    }
}

TEST_CASE("strided rows: interleave_pairs writes evens and odds alternately, and nothing past 2n") {
  PhiloxRng rng(22);
  const float guard = -777.0f;
  for (int n = 0; n <= 21; ++n) {
    INFO("n ", n);
    std::vector<float> evens(n), odds(n), out(size_t(2 * n) + 8, guard);
    rng.fill_uniform(evens.data(), n);
    rng.fill_uniform(odds.data(), n);
    interleave_pairs(evens.data(), odds.data(), n, out.data());
    for (int i = 0; i < n; ++i) CHECK((out[2 * i] == evens[i] && out[2 * i + 1] == odds[i]));
    for (size_t i = size_t(2 * n); i < out.size(); ++i) CHECK(out[i] == guard);
  }
}
