import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis import scores
from analysis.stats import describe
from analysis.synthetic import generate
from tests.analysis.factories import answers, items, responses


def test_describe_matches_t_table_for_one_to_five() -> None:
    # Scores 1..5: mean 3, s = √2.5; t(0.975, 4) = 2.776 from any Student-t table.
    table = describe(pd.DataFrame({"score": [1.0, 2, 3, 4, 5]}), "score")
    row = table.iloc[0]
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert row["n"] == 5
    assert row["mean"] == pytest.approx(3.0)
    assert row["std"] == pytest.approx(math.sqrt(2.5))
    assert row["ci_low"] == pytest.approx(3 - half, abs=1e-5)
    assert row["ci_high"] == pytest.approx(3 + half, abs=1e-5)


def test_dimension_score_averages_items_within_a_response_first() -> None:
    frame = items({1: {"safety": [5, 4]}, 2: {"safety": [2, 3]}, 3: {"comfort": [1, 1, 2]}})
    table = scores.dimension_scores(frame).set_index("dimension")
    assert table.loc["safety", "n"] == 2
    assert table.loc["safety", "mean"] == pytest.approx(3.5)  # (4.5 + 2.5) / 2
    assert table.loc["safety", "std"] == pytest.approx(math.sqrt(2))
    assert table.loc["safety", "low_share"] == pytest.approx(0.25)  # one of four answers ≤ 2
    assert table.loc["safety", "n_answers"] == 4
    # One respondent: a mean, but no spread and no CI — and no crash.
    assert table.loc["comfort", "n"] == 1
    assert table.loc["comfort", "mean"] == pytest.approx(4 / 3)
    assert math.isnan(table.loc["comfort", "std"]) and math.isnan(table.loc["comfort", "ci_low"])
    assert table.loc["comfort", "low_share"] == pytest.approx(1.0)


def test_missing_answers_are_ignored() -> None:
    frame = items({1: {"safety": [4, float("nan")]}, 2: {"safety": [2, 2]}})
    table = scores.dimension_scores(frame)
    assert table["mean"].iloc[0] == pytest.approx(3.0)
    assert table["n_answers"].iloc[0] == 3


def test_empty_answers_give_empty_tables() -> None:
    frame = items({})
    assert scores.dimension_scores(frame).empty
    assert scores.question_scores(frame).empty
    assert list(scores.dimension_scores(frame, ["survey_version_id"]).columns[:2]) == [
        "survey_version_id",
        "dimension",
    ]


def test_question_scores_by_version() -> None:
    frame = items({1: {"safety": [5]}, 2: {"safety": [3]}, 3: {"safety": [1]}})
    frame.loc[frame["response_id"] == 3, "survey_version_id"] = 2
    table = scores.question_scores(frame, ["survey_version_id"]).set_index("survey_version_id")
    assert table.loc[1, "mean"] == pytest.approx(4.0)
    assert table.loc[2, "n"] == 1 and table.loc[2, "low_share"] == pytest.approx(1.0)
    assert table.loc[1, "role"] == "item" and table.loc[1, "dimension"] == "safety"


def test_question_scores_leave_low_share_out_for_nps() -> None:
    frame = answers([(1, "nps", None, "nps", 2.0), (2, "nps", None, "nps", 10.0)])
    row = scores.question_scores(frame).iloc[0]
    assert row["mean"] == pytest.approx(6.0)
    assert math.isnan(row["low_share"])


def test_csat_counts_fours_and_fives() -> None:
    assert scores.csat([5, 4, 3, 2, 1, 4]) == pytest.approx(50.0)
    assert scores.csat([5, float("nan"), 1]) == pytest.approx(50.0)
    assert math.isnan(scores.csat([]))
    with pytest.raises(ValueError, match=r"CSAT values must lie in \[1, 5\]"):
        scores.csat([0, 5])


def test_nps_standard_definition_example() -> None:
    # Reichheld (2003), "The One Number You Need to Grow": % promoters − % detractors.
    # 60 promoters, 30 passives and 10 detractors out of 100 give NPS = 60 − 10 = 50.
    values = [10] * 30 + [9] * 30 + [8] * 15 + [7] * 15 + [6] * 5 + [0] * 5
    assert scores.nps(values) == pytest.approx(50.0)
    assert scores.nps([0, 6]) == pytest.approx(-100.0)
    assert scores.nps([7, 8]) == pytest.approx(0.0)
    assert math.isnan(scores.nps(pd.Series([], dtype=float)))
    with pytest.raises(ValueError, match="NPS"):
        scores.nps([11])


def test_satisfaction_by_period_matches_scalar_functions() -> None:
    frame = answers(
        [
            (1, "overall", None, "overall", 5.0),
            (1, "nps", None, "nps", 10.0),
            (2, "overall", None, "overall", 2.0),
            (2, "nps", None, "nps", 3.0),
            (3, "overall", None, "overall", 4.0),
            (3, "nps", None, "nps", 8.0),
        ]
    )
    frame["grp"] = np.where(frame["response_id"] == 3, "b", "a")
    table = scores.satisfaction(frame, ["grp"]).set_index("grp")
    assert table.loc["a", "csat"] == pytest.approx(50.0)
    assert table.loc["a", "nps"] == pytest.approx(scores.nps([10, 3]))
    assert table.loc["b", "passives"] == pytest.approx(100.0)
    overall = scores.satisfaction(frame).iloc[0]
    assert overall["csat"] == pytest.approx(scores.csat([5, 2, 4]))
    assert overall["nps_n"] == 3


def test_response_counts_and_completion_rate() -> None:
    frame = responses([(1, "completed"), (2, "completed"), (3, "abandoned"), (4, "started")])
    row = scores.response_counts(frame).iloc[0]
    assert (row["started"], row["completed"], row["abandoned"], row["in_progress"]) == (4, 2, 1, 1)
    assert row["completion_rate"] == pytest.approx(0.5)
    empty = scores.response_counts(frame.iloc[:0]).iloc[0]
    assert empty["started"] == 0 and math.isnan(empty["completion_rate"])


def test_dropoff_reports_last_answered_question_of_abandoned_responses() -> None:
    frame = answers(
        [
            (1, "safety_1", "safety", "item", 4.0),
            (1, "safety_2", "safety", "item", 4.0),
            (2, "safety_1", "safety", "item", 2.0),
            (3, "safety_1", "safety", "item", 5.0),
            (3, "safety_2", "safety", "item", 5.0),
            (5, "safety_1", "safety", "item", 3.0),
        ]
    )
    resp = responses(
        [(1, "abandoned"), (2, "abandoned"), (3, "completed"), (4, "abandoned"), (5, "abandoned")]
    )
    table = scores.dropoff(frame, resp).set_index("question_key")
    assert table.loc["safety_1", "abandoned"] == 2
    assert table.loc["safety_2", "abandoned"] == 1
    assert table.loc["(none)", "abandoned"] == 1
    assert table["share"].sum() == pytest.approx(1.0)


def test_trend_keeps_empty_periods_visible() -> None:
    data = generate(3)
    table = scores.trend(data.answers, data.now, n_periods=10)
    periods = table["period"].unique().tolist()
    assert len(periods) == 10 and periods == sorted(periods)
    oldest = table[table["period"] == periods[0]]
    assert (oldest["n"] == 0).all() and oldest["mean"].isna().all()
    assert (table[table["period"] == periods[-1]]["n"] > 100).all()


def test_synthetic_drift_shows_in_dimension_trend() -> None:
    data = generate(5)
    table = scores.trend(data.answers, data.now, n_periods=8).pivot(
        index="period", columns="dimension", values="mean"
    )
    slope = {dim: np.polyfit(np.arange(8), table[dim].to_numpy(), 1)[0] for dim in table.columns}
    assert slope["responsiveness"] < -0.02
    assert slope["comfort"] > 0.01
    assert abs(slope["safety"]) < 0.02


def test_dimension_ci_covers_true_mean_on_synthetic_data() -> None:
    data = generate(7)
    table = scores.dimension_scores(data.answers).set_index("dimension")
    # With ~2000 responses, the 95 % CI is narrow: check against scipy's own t interval.
    per_response = scores.respondent_dimension_scores(data.answers)
    safety = per_response.loc[per_response["dimension"] == "safety", "score"]
    low, high = sps.t.interval(0.95, len(safety) - 1, loc=safety.mean(), scale=sps.sem(safety))
    assert table.loc["safety", "ci_low"] == pytest.approx(low)
    assert table.loc["safety", "ci_high"] == pytest.approx(high)


def test_nps_interval_worked_example() -> None:
    """60 promoters, 30 passives, 10 detractors: NPS 50; variance ((0.6 + 0.1) − 0.5²)/100 = 0.0045,
    SE = 100·√0.0045 = 6.7082 points; 95 % CI 50 ± 1.959964·6.7082 = 50 ± 13.1478."""
    values = [10] * 60 + [8] * 30 + [3] * 10
    nps, low, high = scores.nps_interval(values)
    assert nps == pytest.approx(50.0)
    assert (low, high) == (pytest.approx(36.8522, abs=1e-4), pytest.approx(63.1478, abs=1e-4))
    assert scores.nps_interval(scores.NpsCounts(60, 30, 10)) == (nps, low, high)
    _, low90, high90 = scores.nps_interval(values, confidence=0.90)
    assert high90 - low90 == pytest.approx(2 * 1.644854 * 6.708204, abs=1e-4)


def test_nps_interval_edge_cases() -> None:
    assert all(math.isnan(v) for v in scores.nps_interval([]))
    assert scores.nps_interval([10]) == (100.0, 100.0, 100.0)  # one answer: no spread to estimate
    nps, low, high = scores.nps_interval([10, 10, 10, 0])  # 50 ± 1.96·86.6/2 → clipped at 100
    assert nps == pytest.approx(50.0) and high == 100.0 and low == pytest.approx(50 - 84.87, abs=0.01)
    with pytest.raises(ValueError, match="NPS"):
        scores.nps_interval([11])


def test_nps_difference_worked_example() -> None:
    """Now 60/30/10 (NPS 50, variance 45 points²), before 40/30/30 (NPS 10, variance
    10⁴·((0.4 + 0.3) − 0.1²)/100 = 69): difference 40, SE √114 = 10.677, 95 % CI 40 ± 20.93,
    z = 3.746, two-sided p = 0.00018."""
    diff, low, high, p = scores.nps_difference(scores.NpsCounts(60, 30, 10), scores.NpsCounts(40, 30, 30))
    assert diff == pytest.approx(40.0)
    assert (low, high) == (pytest.approx(19.0731, abs=1e-3), pytest.approx(60.9269, abs=1e-3))
    assert p == pytest.approx(0.000180, abs=2e-6)
    same = scores.nps_difference(scores.NpsCounts(1, 0, 0), scores.NpsCounts(0, 0, 0))
    assert math.isnan(same[0]) and math.isnan(same[3])
