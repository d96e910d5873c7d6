// Logistic regression (β-VAE score, explicitness): stationarity at the optimum, agreement with
// scikit-learn's LogisticRegression on the fixtures, and ROC-AUC on hand-computed cases.
#include <doctest/doctest.h>

#include <cmath>

#include "metrics/lbfgs.h"
#include "metrics/logistic_regression.h"
#include "metrics/roc_auc.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("L-BFGS minimises a badly scaled quadratic") {
  // f(x) = Σ_i i² (x_i − 1)²: condition number 100; minimum at x = 1.
  SmoothObjective quadratic = [](const std::vector<double>& x, std::vector<double>& g) {
    double f = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double w = double((i + 1) * (i + 1));
      f += w * (x[i] - 1) * (x[i] - 1);
      g[i] = 2 * w * (x[i] - 1);
    }
    return f;
  };
  std::vector<double> x(10, 0.0);
  LbfgsResult result = minimise_lbfgs(quadratic, x, 500, 1e-10);
  CHECK(result.converged);
  for (double v : x) CHECK(v == doctest::Approx(1.0).epsilon(1e-9));
}

TEST_CASE("ROC-AUC counts ordered positive/negative pairs, ties as one half") {
  // Positives score 0.9 and 0.4, negatives 0.4 and 0.1: pairs (0.9>0.4), (0.9>0.1), (0.4=0.4 -> 1/2),
  // (0.4>0.1).
  CHECK(roc_auc({true, true, false, false}, {0.9, 0.4, 0.4, 0.1}) == doctest::Approx(3.5 / 4));
  CHECK(roc_auc({false, true}, {0.2, 0.1}) == doctest::Approx(0.0));
}

TEST_CASE("logistic regression agrees with scikit-learn on the fixtures") {
  for (const char* scenario : kScenarios) {
    CAPTURE(scenario);
    LabelledCodes train = load_fixture(scenario, "train"), test = load_fixture(scenario, "test");
    LogisticRegressionClassifier classifier;
    classifier.fit(train.codes, train.num_points, train.num_codes, train.factor_column(2));
    std::vector<int64_t> predicted = classifier.predict(test.codes, test.num_points);
    double correct = 0;
    for (size_t n = 0; n < test.num_points; ++n) correct += predicted[n] == test.factor(n, 2);
    // Same objective and optimum; sklearn stops lbfgs at 100 iterations (on "warped" before converging),
    // so a few of the 500 test points near a class boundary may flip: 0.02 = 10 points.
    CHECK(std::abs(correct / double(test.num_points) - sklearn_value(scenario, "logistic_accuracy")) < 0.02);
  }
}
