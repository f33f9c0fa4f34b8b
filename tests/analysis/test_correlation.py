import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis.correlation import factor_correlation, period_factor_table
from analysis.synthetic import SyntheticConfig, generate


def test_factor_correlation_matches_scipy_and_counts_pairs() -> None:
    table = pd.DataFrame(
        {
            "safety": [3.1, 3.4, 3.2, 3.8, 4.0],
            "overall": [3.0, 3.5, 3.1, 3.9, 3.8],
            "complaint_rate": [80.0, 60, np.nan, 40, 35],
        }
    )
    result = factor_correlation(table).set_index(["var_a", "var_b"])
    r, p = sps.pearsonr(table["safety"], table["overall"])
    assert result.loc[("safety", "overall"), "r"] == pytest.approx(r)
    assert result.loc[("safety", "overall"), "p_value"] == pytest.approx(p)
    assert result.loc[("safety", "complaint_rate"), "n"] == 4
    spearman = factor_correlation(table, ["safety", "overall"], method="spearman").iloc[0]
    assert spearman["r"] == pytest.approx(sps.spearmanr(table["safety"], table["overall"]).statistic)


def test_too_few_periods_or_constant_series_give_nan() -> None:
    short = factor_correlation(pd.DataFrame({"a": [1.0, 2], "b": [2.0, 1]})).iloc[0]
    assert short["n"] == 2 and math.isnan(short["r"]) and math.isnan(short["p_value"])
    flat = factor_correlation(pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 2, 2]})).iloc[0]
    assert math.isnan(flat["r"])


def test_period_table_and_synthetic_drivers() -> None:
    data = generate(1, SyntheticConfig(n_periods=12))
    table = period_factor_table(data.answers, data.responses, data.complaints)
    assert len(table) == 12 and table.index.is_monotonic_increasing
    assert {"responsiveness", "overall", "complaint_rate"} <= set(table.columns)
    row = table.iloc[0]
    assert row["complaint_rate"] == pytest.approx(row["complaints"] * 1000 / row["responses"])
    result = factor_correlation(table).set_index(["var_a", "var_b"])
    # Responsiveness drifts down and carries the largest true weight: it tracks overall.
    assert result.loc[("responsiveness", "overall"), "r"] > 0.6
    assert result.loc[("responsiveness", "overall"), "p_value"] < 0.05
