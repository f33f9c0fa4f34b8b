import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis import index
from analysis.periods import add_response_period
from analysis.scores import dimension_scores
from analysis.synthetic import TRUE_WEIGHTS, generate
from tests.analysis.factories import items


def test_scale_mapping_end_points() -> None:
    assert index.to_index_scale(1.0) == 0
    assert index.to_index_scale(3.0) == 50
    assert index.to_index_scale(5.0) == 100


def test_composite_index_by_hand() -> None:
    frame = items({1: {"functionality": [4], "safety": [3]}, 2: {"functionality": [4], "safety": [1]}})
    row = index.composite_index(frame, {"functionality": 0.75, "safety": 0.25}).iloc[0]
    # functionality 4 → 75, safety mean 2 → 25: 0.75·75 + 0.25·25 = 62.5
    assert row["index"] == pytest.approx(62.5)
    # Per-response indices: 0.75·75 + 0.25·50 = 68.75 and 0.75·75 + 0 = 56.25
    assert row["n"] == 2
    assert row["std"] == pytest.approx(np.std([68.75, 56.25], ddof=1))
    assert bool(row["complete"])


def test_missing_dimension_renormalises_weights_and_is_reported() -> None:
    frame = items({1: {"functionality": [5]}, 2: {"functionality": [3]}})
    row = index.composite_index(frame, {"functionality": 0.4, "safety": 0.6}).iloc[0]
    assert row["index"] == pytest.approx(75.0)
    assert row["dimensions"] == 1 and not bool(row["complete"])


def test_empty_and_single_response_do_not_crash() -> None:
    weights = {"safety": 1.0}
    empty = index.composite_index(items({}), weights).iloc[0]
    assert empty["n"] == 0 and math.isnan(empty["index"])
    one = index.composite_index(items({1: {"safety": [5]}}), weights).iloc[0]
    assert one["index"] == pytest.approx(100.0) and math.isnan(one["ci_low"])


def test_index_from_baseline_means() -> None:
    assert index.index_from_means(
        {"safety": 4.0, "comfort": 2.0}, {"safety": 1, "comfort": 1}
    ) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="non-negative"):
        index.index_from_means({"safety": 4.0}, {"safety": -1})


def test_index_per_period_on_synthetic_data_follows_weighted_dimension_means() -> None:
    data = generate(11)
    idx = index.composite_index(data.answers, TRUE_WEIGHTS).iloc[0]
    dims = dimension_scores(data.answers).set_index("dimension")["mean"]
    expected = sum(TRUE_WEIGHTS[d] * (dims[d] - 1) / 4 * 100 for d in TRUE_WEIGHTS) / sum(
        TRUE_WEIGHTS.values()
    )
    assert idx["index"] == pytest.approx(expected)
    assert idx["ci_low"] < idx["index"] < idx["ci_high"]


def _summary(rows: list[tuple[str, float, float, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["dimension", "mean", "std", "n"])
    half = sps.t.ppf(0.975, frame["n"] - 1) * frame["std"] / np.sqrt(frame["n"])
    return frame.assign(ci_low=frame["mean"] - half, ci_high=frame["mean"] + half)


def test_compare_periods_flags_only_large_samples_with_clear_change() -> None:
    current = _summary([("safety", 4.2, 0.8, 200), ("comfort", 3.55, 0.8, 200), ("speed", 2.0, 0.8, 10)])
    previous = _summary([("safety", 3.9, 0.8, 200), ("comfort", 3.5, 0.8, 200), ("speed", 4.0, 0.8, 200)])
    table = index.compare_periods(current, previous).set_index("dimension")
    assert table.loc["safety", "status"] == "up" and bool(table.loc["safety", "significant"])
    assert table.loc["comfort", "status"] == "no_change"
    # A huge drop, but only 10 responses this period: reported as too small, not as a change.
    assert table.loc["speed", "status"] == "insufficient_sample"
    assert not bool(table.loc["speed", "sample_ok"])


def test_compare_periods_matches_scipy_welch_test() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(3.8, 0.7, 60), rng.normal(3.5, 1.1, 45)
    cur = _summary([("x", a.mean(), a.std(ddof=1), len(a))])
    prev = _summary([("x", b.mean(), b.std(ddof=1), len(b))])
    row = index.compare_periods(cur, prev).iloc[0]
    assert row["p_value"] == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)
    ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((ci.low, ci.high))


def test_compare_periods_handles_dimension_missing_in_one_period() -> None:
    current = _summary([("safety", 4.0, 0.5, 50)])
    previous = _summary([("comfort", 3.0, 0.5, 50)])
    table = index.compare_periods(current, previous).set_index("dimension")
    assert set(table["status"]) == {"insufficient_sample"}


def test_compare_index_between_periods_without_keys() -> None:
    data = generate(2)
    labelled = add_response_period(data.answers)
    first, last = sorted(labelled["period"].unique())[0], sorted(labelled["period"].unique())[-1]
    cur = index.composite_index(labelled[labelled["period"] == last], TRUE_WEIGHTS)
    prev = index.composite_index(labelled[labelled["period"] == first], TRUE_WEIGHTS)
    row = index.compare_periods(cur, prev, on=(), value="index").iloc[0]
    assert row["diff"] == pytest.approx(cur["index"].iloc[0] - prev["index"].iloc[0])
    assert row["status"] in {"up", "down", "no_change"}


def test_compare_to_baseline_shifts_ci_and_says_when_sample_is_small() -> None:
    summary = _summary(
        [("safety", 4.3, 0.6, 120), ("comfort", 3.0, 0.6, 12), ("functionality", 3.9, 0.6, 80)]
    )
    table = index.compare_to_baseline(summary, {"safety": 4.0, "comfort": 4.0}).set_index("dimension")
    assert table.loc["safety", "diff"] == pytest.approx(0.3)
    assert table.loc["safety", "diff_ci_low"] == pytest.approx(summary["ci_low"].iloc[0] - 4.0)
    assert table.loc["safety", "status"] == "up"
    assert table.loc["comfort", "status"] == "insufficient_sample"
    assert table.loc["functionality", "status"] == "no_baseline"


def test_baseline_from_historical_period() -> None:
    frame = items({1: {"safety": [4]}, 2: {"safety": [2]}})
    assert index.baseline_from(dimension_scores(frame)) == {"safety": 3.0}


def test_index_vs_baseline_means() -> None:
    data = generate(6)
    summary = index.composite_index(data.answers, TRUE_WEIGHTS)
    low_bar = {d: 2.0 for d in TRUE_WEIGHTS}  # baseline index 25
    row = index.index_vs_baseline(summary, low_bar, TRUE_WEIGHTS).iloc[0]
    assert row["baseline"] == pytest.approx(25.0)
    assert row["diff"] == pytest.approx(summary["index"].iloc[0] - 25.0)
    assert row["status"] == "up"
    tiny = index.composite_index(data.answers[data.answers["response_id"] <= 5], TRUE_WEIGHTS)
    assert index.index_vs_baseline(tiny, low_bar, TRUE_WEIGHTS)["status"].iloc[0] == "insufficient_sample"


def test_identical_ratings_have_zero_width_ci() -> None:
    row = dimension_scores(items({1: {"safety": [4, 4]}, 2: {"safety": [4]}, 3: {"safety": [4]}})).iloc[0]
    assert (row["mean"], row["std"], row["ci_low"], row["ci_high"]) == (4.0, 0.0, 4.0, 4.0)
