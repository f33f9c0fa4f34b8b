import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis import weights as w
from analysis.scores import respondent_table
from analysis.synthetic import generate
from tests.analysis.factories import answers

# Saaty (1990), "How to make a decision: the analytic hierarchy process", EJOR 48: 9–26,
# buying-a-house example: 8 criteria (size, transport, neighbourhood, age, yard, modern
# facilities, condition, financing). Published: weights .173 .054 .188 .018 .031 .036 .167 .333,
# λmax = 9.669, CI = 0.238, CR = 0.169 (inconsistent, > 0.1).
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
# Common textbook 3×3 example, checkable by hand: row geometric means 15^⅓ = 2.466, 1, (1/15)^⅓ = 0.405
# → weights .637 .258 .105; A·w / w ≈ (3.039, 3.039, 3.039) → λmax 3.039, CI 0.019, CR = 0.019/0.58 = 0.033.
THREE = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_random_index_is_saaty_1980_table() -> None:
    assert w.RANDOM_INDEX == (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)


def test_ahp_reproduces_saaty_house_example_and_refuses_it() -> None:
    result = w.ahp(HOUSE)
    assert [round(v, 3) for v in result.weights.values()] == [
        0.173,
        0.054,
        0.188,
        0.018,
        0.031,
        0.036,
        0.167,
        0.333,
    ]
    assert result.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert result.ci == pytest.approx((9.669 - 8) / 7, abs=1e-3)
    assert result.cr == pytest.approx(0.169, abs=1e-3)
    assert not result.consistent
    with pytest.raises(w.InconsistentJudgementsError, match=r"CR = 0\.169 ≥ 0\.10"):
        w.weights_for_use(result)


@pytest.mark.parametrize("method", ["eigen", "geometric"])
def test_ahp_three_criteria_example(method: w.AhpMethod) -> None:
    result = w.ahp(THREE, method=method, labels=["a", "b", "c"])
    assert result.weights == pytest.approx({"a": 0.637, "b": 0.258, "c": 0.105}, abs=1e-3)
    assert result.lambda_max == pytest.approx(3.0385, abs=1e-3)
    assert result.cr == pytest.approx(0.033, abs=1e-3)
    assert w.weights_for_use(result) == result.weights


@pytest.mark.parametrize("method", ["eigen", "geometric"])
def test_perfectly_consistent_matrix_gives_exact_weights(method: w.AhpMethod) -> None:
    true = np.array([0.4, 0.3, 0.2, 0.1])
    result = w.ahp(true[:, None] / true[None, :], method=method)
    assert list(result.weights.values()) == pytest.approx(list(true))
    assert result.lambda_max == pytest.approx(4.0)
    assert result.ci == pytest.approx(0.0, abs=1e-9) and result.cr == pytest.approx(0.0, abs=1e-9)


def test_two_criteria_are_always_consistent() -> None:
    result = w.ahp([[1, 3], [1 / 3, 1]])
    assert list(result.weights.values()) == pytest.approx([0.75, 0.25])
    assert result.cr == 0.0 and result.consistent


def test_ahp_rejects_bad_matrices() -> None:
    with pytest.raises(ValueError, match="reciprocal"):
        w.ahp([[1, 3], [3, 1]])
    with pytest.raises(ValueError, match="square"):
        w.ahp([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(ValueError, match="positive"):
        w.ahp([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="unknown AHP method"):
        w.ahp(THREE, method="power")  # type: ignore[arg-type]


def test_default_ahp_file_is_consistent_for_the_four_dimensions() -> None:
    matrix = w.load_ahp_matrix()
    assert list(matrix.index) == ["functionality", "safety", "comfort", "responsiveness"]
    result = w.ahp(matrix)
    assert result.consistent and result.cr < 0.01
    assert max(result.weights, key=result.weights.__getitem__) == "safety"
    assert sum(w.weights_for_use(result).values()) == pytest.approx(1.0)


def test_ahp_yaml_accepts_fractions(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "m.yaml"
    path.write_text("criteria: [x, y]\nmatrix:\n  - [1, 4]\n  - [1/4, 1]\n", encoding="utf-8")
    assert w.ahp(w.load_ahp_matrix(path)).weights == pytest.approx({"x": 0.8, "y": 0.2})


def test_delphi_weights_and_concordance() -> None:
    scores = pd.DataFrame(
        {"functionality": [8, 9, 7], "safety": [9, 9, 10], "comfort": [5, 6, 4], "responsiveness": [7, 8, 8]}
    )
    result = w.delphi_weights(scores)
    total = 24 + 28 + 15 + 23
    assert result.weights["safety"] == pytest.approx(28 / total)
    assert result.mean["comfort"] == pytest.approx(5.0)
    assert result.cv["functionality"] == pytest.approx(1 / 8)
    assert 0.7 < result.kendall_w <= 1.0


def test_kendall_w_by_hand() -> None:
    assert w.kendall_w(pd.DataFrame([[1, 2, 3], [1, 2, 3], [1, 2, 3]])) == pytest.approx(1.0)
    assert w.kendall_w(pd.DataFrame([[1, 2, 3], [3, 2, 1]])) == pytest.approx(0.0)
    # Second rater ties the first two objects: R = (2.5, 3.5, 6), S = 6.5, ΣT = 2³ − 2 = 6:
    # W = 12·6.5 / (2²·(3³ − 3) − 2·6) = 78 / 84.
    assert w.kendall_w(pd.DataFrame([[1, 2, 3], [1, 1, 2]])) == pytest.approx(78 / 84)


def test_entropy_weights_by_hand() -> None:
    # Column a is constant → p = 1/3 each → e = 1 → no weight; column b = (1, 2, 3):
    # e_b = −(1/ln 3)(1/6·ln 1/6 + 1/3·ln 1/3 + 1/2·ln 1/2) = 0.920620 → d_b = 0.079380;
    # column c = (1, 0, 0): p = (1, 0, 0), 0·ln 0 = 0 → e_c = 0 → d_c = 1.
    frame = pd.DataFrame({"a": [2.0, 2, 2], "b": [1.0, 2, 3], "c": [1.0, 0, 0]})
    result = w.entropy(frame)
    d_b = 1 - (-(1 / 6 * math.log(1 / 6) + 1 / 3 * math.log(1 / 3) + 0.5 * math.log(0.5)) / math.log(3))
    assert d_b == pytest.approx(0.079380, abs=1e-6)
    assert result == pytest.approx({"a": 0.0, "b": d_b / (d_b + 1), "c": 1 / (d_b + 1)})


def test_entropy_edge_cases() -> None:
    assert w.entropy(pd.DataFrame({"a": [3.0, 3], "b": [4.0, 4]})) == pytest.approx({"a": 0.5, "b": 0.5})
    assert w.entropy(pd.DataFrame({"a": [0.0, 0], "b": [1.0, 3]}))["a"] == 0.0
    with pytest.raises(ValueError, match="at least 2 rows"):
        w.entropy(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="non-negative"):
        w.entropy(pd.DataFrame({"a": [1.0, -1.0]}))


def test_regression_single_predictor_beta_is_pearson_r() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    frame = pd.DataFrame({"x": x, "overall": 0.5 * x + rng.normal(size=80)})
    result = w.regression_weights(frame, ["x"])
    r, p = sps.pearsonr(frame["x"], frame["overall"])
    assert result.beta["x"] == pytest.approx(r)
    assert result.p_value["x"] == pytest.approx(p)
    assert result.r2 == pytest.approx(r**2)
    assert result.weights == {"x": 1.0}


def test_regression_standardised_betas_match_unstandardised_ols() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 2)) * [1.0, 3.0]
    y = 2 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=200)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "overall": y})
    design = np.column_stack([np.ones(200), x])
    b = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    expected = b * x.std(axis=0, ddof=1) / y.std(ddof=1)
    result = w.regression_weights(frame, ["a", "b"])
    assert [result.beta["a"], result.beta["b"]] == pytest.approx(list(expected))
    assert result.weights["a"] == pytest.approx(expected[0] / expected.sum())


def test_regression_negative_and_all_negative_drivers() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=100)
    frame = pd.DataFrame({"a": a, "b": rng.normal(size=100), "overall": -a + 0.1 * rng.normal(size=100)})
    result = w.regression_weights(frame, ["a", "b"], drop_insignificant=True)
    assert result.weights == {"a": 0.5, "b": 0.5}
    assert any("negative" in note and "a" in note for note in result.notes)
    assert any("equal weights" in note for note in result.notes)


def test_regression_needs_enough_rows() -> None:
    with pytest.raises(ValueError, match="need at least 4 complete rows"):
        w.regression_weights(pd.DataFrame({"a": [1.0, 2], "b": [1.0, 3], "overall": [2.0, 1]}), ["a", "b"])


def test_relative_weights_for_orthogonal_predictors_are_squared_correlations() -> None:
    x1 = np.tile([1.0, -1, 1, -1], 10)
    x2 = np.tile([1.0, 1, -1, -1], 10)
    noise = np.tile([0.3, -0.3, -0.3, 0.3], 10)  # orthogonal to both predictors
    frame = pd.DataFrame({"x1": x1, "x2": x2, "overall": 2 * x1 + x2 + noise})
    r = frame.corr()["overall"]
    result = w.relative_weights(frame, ["x1", "x2"])
    assert result["x1"] == pytest.approx(r["x1"] ** 2 / (r["x1"] ** 2 + r["x2"] ** 2))


def test_data_driven_weights_recover_synthetic_drivers() -> None:
    table = respondent_table(generate(4).answers)
    dims = ["functionality", "safety", "comfort", "responsiveness"]
    reg = w.regression_weights(table, dims)
    rel = w.relative_weights(table, dims)
    # Synthetic truth: responsiveness 0.35 > functionality 0.3 > safety 0.2 > comfort 0.15.
    assert reg.weights["responsiveness"] > reg.weights["comfort"]
    assert rel["responsiveness"] > rel["comfort"]
    assert reg.r2 > 0.3 and sum(rel.values()) == pytest.approx(1.0)


def test_stated_importance_weights() -> None:
    frame = answers(
        [
            (1, "importance_safety", "safety", "importance", 5.0),
            (1, "importance_comfort", "comfort", "importance", 2.0),
            (2, "importance_safety", "safety", "importance", 3.0),
            (2, "importance_comfort", "comfort", "importance", float("nan")),
        ]
    )
    assert w.stated_importance_weights(frame) == pytest.approx({"safety": 4 / 6, "comfort": 2 / 6})
    with pytest.raises(ValueError, match="no importance ratings"):
        w.stated_importance_weights(frame[frame["role"] == "item"])


def test_weights_table_and_blend() -> None:
    methods = {
        "ahp": w.ahp(THREE, labels=["a", "b", "c"]),
        "stated": {"a": 2.0, "b": 1.0, "c": 1.0},
        "entropy": {"a": 0.0, "b": 1.0},
    }
    table = w.weights_table(methods, mix={"stated": 1, "entropy": 1})
    assert table.loc["c", "entropy"] == 0.0
    assert table.loc["a", "stated"] == pytest.approx(0.5)
    assert table.loc["b", "blend"] == pytest.approx((0.25 + 1.0) / 2)
    assert table["blend"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown methods: delphi"):
        w.blend(methods, {"delphi": 1})


def test_blend_refuses_inconsistent_ahp() -> None:
    with pytest.raises(w.InconsistentJudgementsError):
        w.blend({"ahp": w.ahp(HOUSE), "x": {"c1": 1.0}}, {"ahp": 0.5, "x": 0.5})
