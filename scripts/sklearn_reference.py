#!/usr/bin/python3
"""Reference values for untangle's metrics, computed with scikit-learn the way disentanglement_lib does
(docs/metrics.md). Not part of the project's build: run it by hand with
Debian's python3-sklearn to regenerate tests/fixtures/metrics/ or to time scikit-learn.

  /usr/bin/python3 scripts/sklearn_reference.py fixtures  # writes tests/fixtures/metrics/*
  /usr/bin/python3 scripts/sklearn_reference.py compare CODES FACTORS TEST_CODES TEST_FACTORS
      # prints one JSON object with MIG/DCI/SAP/... on exactly those rows, and the seconds each took
  /usr/bin/python3 scripts/sklearn_reference.py bench OUT_DIR  # writes dSprites-sized codes tables
  /usr/bin/python3 scripts/sklearn_reference.py agreement N_TRAIN N_TEST SEED
      # fresh scenarios of that size: scikit-learn vs build/bin/untangle metrics on the same rows,
      # prints a markdown table of the absolute differences
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.linalg
import scipy.stats
from sklearn import linear_model, metrics, preprocessing, svm
from sklearn.ensemble import GradientBoostingClassifier

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "metrics")


def discretize(codes, bins=20):  # codes (N, D) -> labels (N, D)
    out = np.zeros(codes.shape, dtype=np.int64)
    for i in range(codes.shape[1]):
        out[:, i] = np.digitize(codes[:, i], np.histogram(codes[:, i], bins)[1][:-1])
    return out


def mi_matrix(codes, factors):
    d = discretize(codes)
    return np.array([[metrics.mutual_info_score(factors[:, j], d[:, i]) for j in range(factors.shape[1])]
                     for i in range(codes.shape[1])])


def mig(codes, factors):
    m = mi_matrix(codes, factors)
    h = np.array([metrics.mutual_info_score(factors[:, j], factors[:, j]) for j in range(factors.shape[1])])
    s = np.sort(m, axis=0)[::-1]
    return float(np.mean((s[0] - s[1]) / h))


def dci(codes, factors, test_codes, test_factors):
    d, k = codes.shape[1], factors.shape[1]
    r = np.zeros((d, k))
    tr, te = [], []
    for j in range(k):
        model = GradientBoostingClassifier(random_state=j)
        model.fit(codes, factors[:, j])
        r[:, j] = np.abs(model.feature_importances_)
        tr.append(np.mean(model.predict(codes) == factors[:, j]))
        te.append(np.mean(model.predict(test_codes) == test_factors[:, j]))

    def summary(mat):
        per = 1. - scipy.stats.entropy(mat.T + 1e-11, base=mat.shape[1])
        if mat.sum() == 0.:
            mat = np.ones_like(mat)
        w = mat.sum(axis=1) / mat.sum()
        return float(np.sum(per * w))

    return {"dci.disentanglement": summary(r), "dci.completeness": summary(r.T),
            "dci.informativeness_train": float(np.mean(tr)), "dci.informativeness_test": float(np.mean(te))}


def sap(codes, factors, test_codes, test_factors):
    d, k = codes.shape[1], factors.shape[1]
    s = np.zeros((d, k))
    for i in range(d):
        for j in range(k):
            clf = svm.LinearSVC(C=0.01, class_weight="balanced")
            clf.fit(codes[:, i:i + 1], factors[:, j])
            s[i, j] = np.mean(clf.predict(test_codes[:, i:i + 1]) == test_factors[:, j])
    srt = np.sort(s, axis=0)
    cont = np.zeros((d, k))
    for i in range(d):
        for j in range(k):
            c = np.cov(codes[:, i], factors[:, j], ddof=1)
            cont[i, j] = c[0, 1] ** 2 / (c[0, 0] * c[1, 1]) if c[0, 0] > 1e-12 else 0.
    srt_c = np.sort(cont, axis=0)
    return {"sap": float(np.mean(srt[-1] - srt[-2])), "sap_continuous": float(np.mean(srt_c[-1] - srt_c[-2]))}


def modularity_explicitness(codes, factors, test_codes, test_factors):
    m = mi_matrix(codes, factors) ** 2
    mx = m.max(axis=1)
    k = factors.shape[1]
    delta = (m.sum(axis=1) - mx) / (mx * (k - 1))
    mod = np.where(mx == 0, 0., 1. - delta)
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    x_tr, x_te = (codes - mean) / std, (test_codes - mean) / std
    auc_tr, auc_te = [], []
    for j in range(k):
        clf = linear_model.LogisticRegression().fit(x_tr, factors[:, j])
        mlb = preprocessing.MultiLabelBinarizer()
        auc_tr.append(metrics.roc_auc_score(mlb.fit_transform(factors[:, j:j + 1]), clf.predict_proba(x_tr)))
        auc_te.append(metrics.roc_auc_score(mlb.fit_transform(test_factors[:, j:j + 1]), clf.predict_proba(x_te)))
    return {"modularity": float(np.mean(mod)), "explicitness_train": float(np.mean(auc_tr)),
            "explicitness_test": float(np.mean(auc_te))}


def unsupervised(codes):
    cov = np.cov(codes.T)
    tc = 0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1])
    sq = scipy.linalg.sqrtm(cov * np.expand_dims(np.diag(cov), axis=1))
    w = 2 * np.trace(cov) - 2 * np.trace(sq)
    d = discretize(codes)
    n = codes.shape[1]
    mi = np.array([[metrics.mutual_info_score(d[:, a], d[:, b]) for b in range(n)] for a in range(n)])
    return {"gaussian_total_correlation": float(tc), "gaussian_wasserstein_correlation": float(np.real(w)),
            "gaussian_wasserstein_correlation_norm": float(np.real(w) / np.trace(cov)),
            "mutual_info_score": float((mi.sum() - np.trace(mi)) / (n * n - n))}


def logistic_accuracy(features, labels, test_features, test_labels):
    clf = linear_model.LogisticRegression(random_state=0).fit(features, labels)
    return float(np.mean(clf.predict(test_features) == test_labels))


def all_metrics(c, f, tc, tf):
    c, tc = c.astype(np.float64), tc.astype(np.float64)
    out, seconds = {}, {}
    for name, fn in [("mig", lambda: {"mig": mig(c, f)}), ("dci", lambda: dci(c, f, tc, tf)),
                     ("sap", lambda: sap(c, f, tc, tf)),
                     ("modularity", lambda: modularity_explicitness(c, f, tc, tf)),
                     ("unsupervised", lambda: unsupervised(c))]:
        t = time.time()
        out.update(fn())
        seconds[name] = time.time() - t
    return out, seconds


def scenario_codes(name, factors, sizes, rng):
    n, k = factors.shape
    z = (factors + 0.5) / np.array(sizes)  # factor values in (0, 1)
    noise = lambda d: 0.02 * rng.standard_normal((n, d))
    if name == "disentangled":
        return np.hstack([z + noise(k), 0.3 * rng.standard_normal((n, 2))])
    if name == "rotated":
        q, _ = np.linalg.qr(rng.standard_normal((k + 2, k + 2)))
        return np.hstack([z + noise(k), 0.3 * rng.standard_normal((n, 2))]) @ q
    if name == "mixed":
        a = np.eye(k, k + 2)
        a[0, 1], a[1, 2], a[2, 0] = 0.5, 0.4, 0.3
        return z @ a + noise(k + 2)
    if name == "warped":
        w = np.stack([np.exp(3 * z[:, 0]), np.tanh(4 * (z[:, 1] - 0.5)), z[:, 2] ** 3], axis=1)
        return np.hstack([w + noise(k), 0.3 * rng.standard_normal((n, 2))])
    if name == "random":
        return rng.standard_normal((n, k + 2))
    raise ValueError(name)


SCENARIOS = ["disentangled", "rotated", "mixed", "warped", "random"]
FIXTURE_SIZES = [3, 5, 8]


def make_fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    rng = np.random.RandomState(20261123)
    n_train, n_test = 1000, 500
    ftr = np.stack([rng.randint(s, size=n_train) for s in FIXTURE_SIZES], axis=1).astype(np.int64)
    fte = np.stack([rng.randint(s, size=n_test) for s in FIXTURE_SIZES], axis=1).astype(np.int64)
    np.save(os.path.join(FIXTURES, "factors_train.npy"), ftr)
    np.save(os.path.join(FIXTURES, "factors_test.npy"), fte)
    lines = []
    for name in SCENARIOS:
        both = scenario_codes(name, np.vstack([ftr, fte]), FIXTURE_SIZES, rng).astype(np.float32)
        ctr, cte = both[:n_train], both[n_train:]
        np.save(os.path.join(FIXTURES, f"codes_{name}_train.npy"), ctr)
        np.save(os.path.join(FIXTURES, f"codes_{name}_test.npy"), cte)
        values, _ = all_metrics(ctr, ftr, cte, fte)
        # logistic regression alone: predict factor 2 from all codes (the beta-VAE score's classifier)
        values["logistic_accuracy"] = logistic_accuracy(ctr.astype(np.float64), ftr[:, 2], cte.astype(np.float64),
                                                        fte[:, 2])
        for key, value in values.items():
            lines.append(f"{name} {key} {value:.10f}")
        print(name, json.dumps(values))
    # Imbalanced classes: LinearSVC's balanced weights and liblinear's one-vs-rest weighting matter here.
    rng = np.random.RandomState(3)
    fac = lambda n: np.stack([rng.choice(4, size=n, p=[0.55, 0.3, 0.1, 0.05]), rng.choice(3, size=n, p=[0.7, 0.2, 0.1]),
                              rng.randint(2, size=n)], axis=1).astype(np.int64)
    itr, ite = fac(2000), fac(1000)
    icodes = lambda f: np.hstack([f / np.array([3., 2., 1.]) + 0.3 * rng.standard_normal(f.shape),
                                  rng.standard_normal((len(f), 2))]).astype(np.float32)
    ictr, icte = icodes(itr), icodes(ite)
    for part, c, f in [("train", ictr, itr), ("test", icte, ite)]:
        np.save(os.path.join(FIXTURES, f"codes_imbalanced_{part}.npy"), c)
        np.save(os.path.join(FIXTURES, f"factors_imbalanced_{part}.npy"), f)
    for key, value in sap(ictr.astype(np.float64), itr, icte.astype(np.float64), ite).items():
        lines.append(f"imbalanced {key} {value:.10f}")
    with open(os.path.join(FIXTURES, "expected_sklearn.txt"), "w") as out:
        out.write("# scenario metric value — scripts/sklearn_reference.py fixtures, scikit-learn "
                  + __import__("sklearn").__version__ + "\n")
        out.write("\n".join(lines) + "\n")


def agreement(n_train, n_test, seed):
    rng = np.random.RandomState(seed)
    untangle = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "untangle")
    keys = ["mig", "dci.disentanglement", "dci.completeness", "dci.informativeness_train",
            "dci.informativeness_test", "sap", "sap_continuous", "modularity", "explicitness_train",
            "explicitness_test"]
    print("| codes | " + " | ".join(keys) + " | sklearn s | untangle s |")
    print("|---" * (len(keys) + 3) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        ftr = np.stack([rng.randint(s, size=n_train) for s in FIXTURE_SIZES], axis=1).astype(np.int64)
        fte = np.stack([rng.randint(s, size=n_test) for s in FIXTURE_SIZES], axis=1).astype(np.int64)
        for name in SCENARIOS:
            both = scenario_codes(name, np.vstack([ftr, fte]), FIXTURE_SIZES, rng).astype(np.float32)
            ctr, cte = both[:n_train], both[n_train:]
            paths = [os.path.join(tmp, x) for x in ["c.npy", "f.npy", "tc.npy", "tf.npy"]]
            for path, array in zip(paths, [ctr, ftr, cte, fte]):
                np.save(path, array)
            t = time.time()
            ref, _ = all_metrics(ctr, ftr, cte, fte)
            t_ref = time.time() - t
            t = time.time()
            out = subprocess.run([untangle, "metrics", "--codes", paths[0], "--factors", paths[1], "--test-codes",
                                  paths[2], "--test-factors", paths[3], "--metrics",
                                  "mig,dci,sap,sap_continuous,modularity"], check=True, capture_output=True, text=True)
            t_ours = time.time() - t
            ours = json.loads(out.stdout)
            print(f"| {name} | " + " | ".join(f"{abs(ours[k] - ref[k]):.4f}" for k in keys)
                  + f" | {t_ref:.1f} | {t_ours:.2f} |", flush=True)


def main():
    if sys.argv[1] == "fixtures":
        make_fixtures()
    elif sys.argv[1] == "compare":
        c, f, tc, tf = (np.load(p) for p in sys.argv[2:6])
        values, seconds = all_metrics(c, f, tc, tf)
        print(json.dumps({"values": values, "seconds": seconds}))
    elif sys.argv[1] == "agreement":
        agreement(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "bench":
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        rng = np.random.RandomState(0)
        sizes = [3, 6, 40, 32, 32]  # dSprites factor grid
        for part, n in [("train", 10000), ("test", 5000)]:
            f = np.stack([rng.randint(s, size=n) for s in sizes], axis=1).astype(np.int64)
            z = (f + 0.5) / np.array(sizes)
            mix = np.eye(5, 10)
            mix[2, 5], mix[3, 6] = 0.5, 0.3
            c = (z @ mix + 0.05 * rng.standard_normal((n, 10))).astype(np.float32)
            np.save(os.path.join(out, f"codes_{part}.npy"), c)
            np.save(os.path.join(out, f"factors_{part}.npy"), f)


if __name__ == "__main__":
    main()
