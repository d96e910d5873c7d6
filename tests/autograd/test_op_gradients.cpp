// Finite-difference gradient checks for every row of the op table (tests/common/op_cases.h): the
// "every op" sweep of ggml's test-backend-ops, on the CPU. A new op gets a row in the table, not a case here.
#include <doctest/doctest.h>

#include "autograd/gradcheck.h"
#include "common/op_cases.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("every op in the table: backward against central finite differences") {
  const std::vector<OpCase>& rows = op_cases();
  size_t checked_rows = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const OpCase& row = rows[i];
    if (!row.gradient.applies()) continue;
    GradcheckOptions options;
    options.relative_tolerance = row.gradient.value;
    options.absolute_tolerance = row.gradient.value / 4.0;  // gradcheck's own ratio (5e-4 to 2e-3)
    const GradcheckResult result = gradcheck(row.call, make_inputs(row, false, 100 + i), options);
    INFO(row.name() << ": worst " << result.worst_location << " (error " << result.worst_error
                    << " of tolerance; bound " << row.gradient.value << ": " << row.gradient.why << ")");
    CHECK(result.checked > 0);
    CHECK(result.passed);
    ++checked_rows;
  }
  CHECK(checked_rows + 2 == rows.size());  // all but normal_noise and stop_gradient, which say why not
}
