import numpy as np
import pandas as pd
import pytest

from analysis.servqual import servqual

DIMENSION_OF = {"r1": "reliability", "r2": "reliability", "t1": "tangibles"}
# Perception and expectation of two respondents on a 1–7 scale; expectation columns are named
# after the perception item each one is paired with.
PERCEPTION = pd.DataFrame({"r1": [5, 4], "r2": [4, 4], "t1": [3, 5]})
EXPECTATION = pd.DataFrame({"r1": [6, 5], "r2": [6, 7], "t1": [4, 5]})


def test_gaps_by_hand() -> None:
    """Respondent 1: reliability ((5 − 6) + (4 − 6))/2 = −1.5, tangibles 3 − 4 = −1;
    respondent 2: reliability ((4 − 5) + (4 − 7))/2 = −2, tangibles 5 − 5 = 0.
    Dimension gaps: reliability −1.75, tangibles −0.5; unweighted SERVQUAL (−1.75 − 0.5)/2 = −1.125;
    with 70/30 importance points: 0.7·(−1.75) + 0.3·(−0.5) = −1.375."""
    result = servqual(PERCEPTION, EXPECTATION, DIMENSION_OF)
    assert result.dimension_gaps == {"reliability": pytest.approx(-1.75), "tangibles": pytest.approx(-0.5)}
    assert result.overall == pytest.approx(-1.125) and not result.weighted
    table = result.table.set_index("dimension")
    assert table.loc["reliability", "perception"] == pytest.approx(4.25)
    assert table.loc["reliability", "expectation"] == pytest.approx(6.0)
    assert table["n"].tolist() == [2, 2]
    weighted = servqual(PERCEPTION, EXPECTATION, DIMENSION_OF, {"reliability": 70, "tangibles": 30})
    assert weighted.overall == pytest.approx(-1.375) and weighted.weighted


def test_a_pair_with_one_side_missing_is_left_out() -> None:
    """Respondent 2 skipped the expectation of r2: their reliability score is 4 − 5 = −1,
    so reliability's gap is (−1.5 − 1)/2 = −1.25."""
    expectation = EXPECTATION.astype(float).copy()
    expectation.loc[1, "r2"] = np.nan
    result = servqual(PERCEPTION, expectation, DIMENSION_OF)
    assert result.dimension_gaps["reliability"] == pytest.approx(-1.25)


def test_one_item_and_one_respondent() -> None:
    result = servqual(pd.DataFrame({"t1": [3]}), pd.DataFrame({"t1": [5]}), {"t1": "tangibles"})
    assert result.dimension_gaps == {"tangibles": -2.0} and result.overall == -2.0


@pytest.mark.parametrize(
    ("perception", "expectation", "weights", "message"),
    [
        (PERCEPTION, EXPECTATION.rename(columns={"t1": "x"}), None, "without a perception item: x"),
        (PERCEPTION.iloc[0:0], EXPECTATION.iloc[0:0], None, "no response answered both"),
        (PERCEPTION, EXPECTATION, {"reliability": 100}, "no importance points for: tangibles"),
        (PERCEPTION, EXPECTATION, {"reliability": 0, "tangibles": 0}, "not all zero"),
    ],
)
def test_unusable_input_gets_a_clear_error(
    perception: pd.DataFrame, expectation: pd.DataFrame, weights: dict[str, float] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        servqual(perception, expectation, {**DIMENSION_OF, "x": "tangibles"}, weights)
