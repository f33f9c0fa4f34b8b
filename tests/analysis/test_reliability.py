import math

import numpy as np
import pandas as pd
import pytest

from analysis.reliability import alpha_by_dimension, cronbach_alpha
from analysis.synthetic import generate
from tests.analysis.factories import items


def test_alpha_worked_example_four_respondents() -> None:
    # Worked example (3 items, 4 respondents): item variances 5/3, 2.75/3, 5/3 → Σ = 4.25;
    # totals 13, 10, 15, 7 → variance 36.75/3 = 12.25; α = 3/2 · (1 − 4.25/12.25) = 0.97959.
    frame = pd.DataFrame({"i1": [4, 3, 5, 2], "i2": [5, 4, 5, 3], "i3": [4, 3, 5, 2]})
    result = cronbach_alpha(frame)
    assert result.alpha == pytest.approx(1.5 * (1 - 4.25 / 12.25))
    assert result.alpha == pytest.approx(0.97959, abs=1e-5)
    assert (result.n_items, result.n_respondents, result.flag) == (3, 4, None)


def test_alpha_hand_example_five_respondents() -> None:
    # Item variances 0.7, 0.8, 0.7 (Σ 2.2); totals 10, 9, 13, 8, 12 → variance 4.3;
    # α = 1.5 · (1 − 2.2/4.3) = 0.73256 — just above the 0.7 threshold.
    frame = pd.DataFrame({"a": [3, 2, 4, 3, 4], "b": [4, 3, 4, 2, 4], "c": [3, 4, 5, 3, 4]})
    result = cronbach_alpha(frame)
    assert result.alpha == pytest.approx(0.732558, abs=1e-6)
    assert result.flag is None


def test_alpha_equals_cronbach_1951_covariance_form() -> None:
    # Cronbach (1951): α = k·c̄ / (v̄ + (k − 1)·c̄), c̄ mean inter-item covariance, v̄ mean variance.
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 1))
    frame = pd.DataFrame(base + rng.normal(size=(50, 4)), columns=list("abcd"))
    cov = frame.cov().to_numpy()
    k = 4
    c_bar = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    v_bar = np.trace(cov) / k
    assert cronbach_alpha(frame).alpha == pytest.approx(k * c_bar / (v_bar + (k - 1) * c_bar))


def test_standardised_items_follow_spearman_brown() -> None:
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(80, 1)) + rng.normal(size=(80, 5))
    z = pd.DataFrame((raw - raw.mean(axis=0)) / raw.std(axis=0, ddof=1))
    corr = z.corr().to_numpy()
    r_bar = (corr.sum() - 5) / 20
    assert cronbach_alpha(z).alpha == pytest.approx(5 * r_bar / (1 + 4 * r_bar))


def test_low_alpha_is_flagged() -> None:
    frame = pd.DataFrame({"a": [1, 5, 1, 5, 3], "b": [5, 1, 4, 2, 3]})
    result = cronbach_alpha(frame)
    assert result.alpha < 0.7 and result.flag == "low"


def test_identical_ratings_give_nan_with_flag_not_a_crash() -> None:
    result = cronbach_alpha(pd.DataFrame({"a": [4, 4, 4], "b": [4, 4, 4]}))
    assert math.isnan(result.alpha) and result.flag == "zero_variance"


def test_too_few_items_or_respondents() -> None:
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]})).flag == "too_few_items"
    one = cronbach_alpha(pd.DataFrame({"a": [1], "b": [2]}))
    assert one.flag == "too_few_respondents" and math.isnan(one.alpha)
    assert cronbach_alpha(pd.DataFrame({"a": [], "b": []})).flag == "too_few_respondents"


def test_missing_answers_use_listwise_deletion() -> None:
    frame = pd.DataFrame({"a": [3, 2, 4, 3, 4, 1], "b": [4, 3, 4, 2, 4, np.nan], "c": [3, 4, 5, 3, 4, 5]})
    result = cronbach_alpha(frame)
    assert result.n_respondents == 5
    assert result.alpha == pytest.approx(0.732558, abs=1e-6)


def test_alpha_by_dimension_from_answers() -> None:
    frame = items(
        {
            1: {"safety": [3, 4, 3], "comfort": [4, 4]},
            2: {"safety": [2, 3, 4], "comfort": [4, 4]},
            3: {"safety": [4, 4, 5], "comfort": [4, 4]},
            4: {"safety": [3, 2, 3], "comfort": [4, 4]},
            5: {"safety": [4, 4, 4], "comfort": [4, 4]},
        }
    )
    table = alpha_by_dimension(frame).set_index("scope")
    assert table.loc["safety", "alpha"] == pytest.approx(0.732558, abs=1e-6)
    assert table.loc["comfort", "flag"] == "zero_variance"
    assert table.loc["overall", "n_items"] == 5 and table.loc["overall", "n"] == 5


def test_alpha_per_survey_version_on_synthetic_data() -> None:
    table = alpha_by_dimension(generate(0).answers, ["survey_version_id"])
    resp = table[table["scope"] == "responsiveness"].set_index("survey_version_id")
    assert resp.loc[1, "n_items"] == 3 and resp.loc[2, "n_items"] == 4
    assert (table["alpha"] > 0.7).all() and table["flag"].isna().all()


def test_alpha_of_empty_answers() -> None:
    table = alpha_by_dimension(items({}))
    assert table["scope"].tolist() == ["overall"]
    assert table["flag"].iloc[0] == "too_few_items"
