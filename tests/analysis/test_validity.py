import math

import numpy as np
import pandas as pd
import pytest

from analysis.reliability import alpha_if_deleted
from analysis.validity import (
    ValidityError,
    average_variance_extracted,
    bartlett_sphericity,
    composite_reliability,
    convergent_validity,
    factor_loadings,
    kmo,
    loading_check,
    varimax,
)

# Three items correlating r12 = 0.5, r13 = 0.4, r23 = 0.3.
THREE = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])


def with_correlation(corr: np.ndarray, n: int, names: list[str] | None = None, seed: int = 0) -> pd.DataFrame:
    """n responses whose sample correlation matrix is exactly ``corr`` (centred orthonormal scores
    times the Cholesky factor), shifted onto a rating-like range, which leaves correlations alone."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, len(corr)))
    q, _ = np.linalg.qr(raw - raw.mean(axis=0))
    data = q @ np.linalg.cholesky(corr).T * 3 + 3.5
    return pd.DataFrame(data, columns=names or [f"i{j + 1}" for j in range(len(corr))])


def test_kmo_of_three_items_by_hand() -> None:
    """Partial correlations by the first-order formula r12·3 = (r12 − r13 r23)/√((1 − r13²)(1 − r23²)):
    r12·3 = 0.38/√(0.84·0.91) = 0.434634, r13·2 = 0.25/√(0.75·0.91) = 0.302614,
    r23·1 = 0.10/√(0.75·0.84) = 0.125988. Σr² = 0.25 + 0.16 + 0.09 = 0.5,
    Σq² = 0.188906 + 0.091575 + 0.015873 = 0.296354, KMO = 0.5 / 0.796354 = 0.62786."""
    assert kmo(with_correlation(THREE, 100)) == pytest.approx(0.627861, abs=1e-6)


def test_kmo_of_two_items_is_one_half() -> None:
    """With two items the partial correlation is the correlation itself: KMO = r²/(r² + r²) = 0.5."""
    assert kmo(with_correlation(np.array([[1, 0.7], [0.7, 1]]), 30)) == pytest.approx(0.5)


def test_bartlett_of_three_items_by_hand() -> None:
    """|R| = 1 − 0.25 − 0.16 − 0.09 + 2·0.5·0.4·0.3 = 0.62; with n = 100, p = 3:
    χ² = −(99 − 11/6) · ln 0.62 = 97.1667 · 0.478036 = 46.449, dof = 3, p = 4.55e−10."""
    chi2, dof, p = bartlett_sphericity(with_correlation(THREE, 100))
    assert chi2 == pytest.approx(46.449145, abs=1e-5)
    assert dof == 3
    assert p == pytest.approx(4.5519e-10, rel=1e-3)


def test_uncorrelated_items_do_not_reject_sphericity() -> None:
    chi2, dof, p = bartlett_sphericity(with_correlation(np.eye(4), 50))
    assert chi2 == pytest.approx(0.0, abs=1e-9) and dof == 6 and p == pytest.approx(1.0)


# Two dimensions of three items: r = 0.6 within a dimension, 0.2 across.
BLOCKS = np.full((6, 6), 0.2)
BLOCKS[:3, :3] = BLOCKS[3:, 3:] = 0.6
np.fill_diagonal(BLOCKS, 1.0)
DIMENSION_OF = {
    "s1": "safety",
    "s2": "safety",
    "s3": "safety",
    "c1": "comfort",
    "c2": "comfort",
    "c3": "comfort",
}


def test_two_factor_loadings_by_hand() -> None:
    """Eigenvalues of the block matrix: 1 + 2·0.6 + 3·0.2 = 2.8 (all items alike) and
    2.2 − 0.6 = 1.6 (the blocks opposed), so the unrotated loadings are √2.8/√6 = 0.6831 on F1 and
    ±√1.6/√6 = ±0.5164 on F2. Varimax turns them by 45°: (√2.8 + √1.6)/√12 = 0.848194 on the
    item's own factor and (√2.8 − √1.6)/√12 = 0.117898 on the other."""
    data = with_correlation(BLOCKS, 200, list(DIMENSION_OF))
    unrotated = factor_loadings(data, 2, rotate=False).abs()
    assert unrotated["F1"].to_numpy() == pytest.approx([0.683130] * 6, abs=1e-6)
    assert unrotated["F2"].to_numpy() == pytest.approx([0.516398] * 6, abs=1e-6)
    check = loading_check(data, DIMENSION_OF).set_index("item")
    assert check["loading"].to_numpy() == pytest.approx([0.848194] * 6, abs=1e-6)
    assert check["cross_loading"].to_numpy() == pytest.approx([0.117898] * 6, abs=1e-6)
    assert check["ok"].all()
    assert check.loc["s1", "factor"] == check.loc["s3", "factor"] != check.loc["c1", "factor"]


def test_an_item_written_for_the_wrong_dimension_is_caught() -> None:
    # c1 is declared comfort but correlates like a safety item.
    data = with_correlation(BLOCKS, 200, list(DIMENSION_OF))
    declared = {**DIMENSION_OF, "s3": "comfort"}
    check = loading_check(data, declared).set_index("item")
    assert not check.loc["s3", "ok"]
    assert check.loc["s3", "loading"] < check.loc["s3", "cross_loading"]
    assert check.drop(index="s3")["ok"].all()


def test_varimax_recovers_a_simple_structure_turned_by_any_angle() -> None:
    simple = np.array([[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.8], [0.0, 0.7], [0.0, 0.6]])
    for degrees in (10, 30, 60):
        angle = math.radians(degrees)
        turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
        back = np.abs(varimax(simple @ turn))
        back = back[:, np.argsort(-back[0])]
        assert back == pytest.approx(simple, abs=1e-6)


def test_composite_reliability_and_ave_by_hand() -> None:
    """Loadings 0.7, 0.8, 0.9: Σλ = 2.4, (Σλ)² = 5.76, Σ(1 − λ²) = 0.51 + 0.36 + 0.19 = 1.06,
    CR = 5.76 / 6.82 = 0.844575; AVE = (0.49 + 0.64 + 0.81) / 3 = 0.646667 (Fornell & Larcker 1981)."""
    assert composite_reliability([0.7, 0.8, 0.9]) == pytest.approx(0.844575, abs=1e-6)
    assert average_variance_extracted([0.7, 0.8, 0.9]) == pytest.approx(0.646667, abs=1e-6)


def test_convergent_validity_of_the_block_example() -> None:
    """λ = 0.848194 three times: CR = 2.544583² / (2.544583² + 3·(1 − 0.719433)) = 0.884960,
    AVE = 0.848194² = 0.719433."""
    data = with_correlation(BLOCKS, 200, list(DIMENSION_OF))
    table = convergent_validity(loading_check(data, DIMENSION_OF)).set_index("dimension")
    assert table["cr"].to_numpy() == pytest.approx([0.884960] * 2, abs=1e-6)
    assert table["ave"].to_numpy() == pytest.approx([0.719433] * 2, abs=1e-6)
    assert table["items"].tolist() == [3, 3] and table["ok"].all()


def test_alpha_if_item_deleted_by_hand() -> None:
    """Items a = 3 2 4 3 4, b = 4 3 4 2 4, c = 3 4 5 3 4 (α = 0.732558, see test_reliability).
    Without a: variances 0.8 + 0.7, totals 7 7 9 5 8 → variance 2.2, α = 2·(1 − 1.5/2.2) = 0.636364.
    Without b: 0.7 + 0.7, totals 6 6 9 6 8 → 2.0, α = 2·(1 − 1.4/2.0) = 0.6.
    Without c: 0.7 + 0.8, totals 7 5 8 5 8 → 2.3, α = 2·(1 − 1.5/2.3) = 0.695652.
    Every item helps: none raises alpha when deleted."""
    frame = pd.DataFrame({"a": [3, 2, 4, 3, 4], "b": [4, 3, 4, 2, 4], "c": [3, 4, 5, 3, 4]})
    table = alpha_if_deleted(frame).set_index("item")
    assert table["alpha_if_deleted"].to_numpy() == pytest.approx([0.636364, 0.6, 0.695652], abs=1e-6)
    assert table["alpha"].to_numpy() == pytest.approx([0.732558] * 3, abs=1e-6)
    assert not table["raises"].any()


def test_alpha_if_deleted_points_at_the_item_that_does_not_belong() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 5, 4], "odd": [5, 1, 4, 2, 3]})
    table = alpha_if_deleted(frame).set_index("item")
    assert table.loc["odd", "raises"] and not table.loc["a", "raises"]


def test_alpha_if_deleted_of_two_items_leaves_one_and_says_so() -> None:
    table = alpha_if_deleted(pd.DataFrame({"a": [1, 2, 3], "b": [2, 2, 3]}))
    assert table["flag"].tolist() == ["too_few_items", "too_few_items"]
    assert table["alpha_if_deleted"].isna().all() and not table["raises"].any()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"a": [1.0, 2.0, 3.0]}), "at least 2 items"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}), "more complete responses than items"),
        (pd.DataFrame({"a": [], "b": []}), "more complete responses than items"),
        (pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 4, 4, 4], "c": [2, 1, 4, 3]}), "same answer to: b"),
        (pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 8], "c": [2, 1, 4, 3]}), "singular"),
    ],
)
def test_unusable_items_get_a_clear_error(frame: pd.DataFrame, message: str) -> None:
    for figure in (kmo, bartlett_sphericity, lambda f: factor_loadings(f, 1)):
        with pytest.raises(ValidityError, match=message):
            figure(frame)


def test_composite_reliability_refuses_impossible_loadings() -> None:
    with pytest.raises(ValidityError, match="between −1 and 1"):
        composite_reliability([0.5, 1.2])
    with pytest.raises(ValidityError, match="at least one loading"):
        average_variance_extracted([])


def test_many_strongly_related_items_are_not_mistaken_for_a_singular_matrix() -> None:
    """20 items with r = 0.9: |R| = (1 + 19·0.9)·0.1¹⁹ ≈ 2e−18, yet the smallest eigenvalue is 0.1.
    KMO of an equicorrelated matrix is Σr² / (Σr² + Σq²) with q = r/(1 + (p − 2)r) = 0.9/17.2."""
    corr = np.full((20, 20), 0.9)
    np.fill_diagonal(corr, 1.0)
    q = 0.9 / (1 + 18 * 0.9)
    assert kmo(with_correlation(corr, 100)) == pytest.approx(0.81 / (0.81 + q**2), abs=1e-9)
