import math

import pandas as pd
import pytest

from analysis import kano
from tests.analysis.factories import answers


def test_the_standard_evaluation_table() -> None:
    """Berger et al. (1993): like/dislike-without is O; like/neutral-without is A; must-be or neutral
    with and dislike without is M; like both or dislike both is Q; dislike with is R."""
    assert kano.evaluate(1, 5) == "O"
    assert [kano.evaluate(1, d) for d in (2, 3, 4)] == ["A", "A", "A"]
    assert [kano.evaluate(f, 5) for f in (2, 3, 4)] == ["M", "M", "M"]
    assert kano.evaluate(3, 3) == "I"
    assert kano.evaluate(1, 1) == kano.evaluate(5, 5) == "Q"
    assert [kano.evaluate(5, d) for d in (1, 2, 3, 4)] == ["R"] * 4
    assert [kano.evaluate(f, 1) for f in (2, 3, 4)] == ["R"] * 3
    with pytest.raises(ValueError, match="coded 1–5"):
        kano.evaluate(0, 5)


def test_category_and_coefficients_by_hand() -> None:
    """A 20, O 35, M 25, I 15, R 3, Q 2: O is the most frequent; A + O + M + I = 95,
    Better = (20 + 35)/95 = 0.578947, Worse = −(35 + 25)/95 = −0.631579."""
    counts = {"A": 20, "O": 35, "M": 25, "I": 15, "R": 3, "Q": 2}
    assert kano.category(counts) == "O"
    better, worse = kano.coefficients(counts)
    assert better == pytest.approx(0.578947, abs=1e-6)
    assert worse == pytest.approx(-0.631579, abs=1e-6)
    assert kano.coefficients(pd.Series(counts)) == (better, worse)


def test_ties_go_to_the_category_that_matters_most_when_missing() -> None:
    assert kano.category({"A": 10, "M": 10}) == "M"
    assert kano.category({"A": 10, "O": 10, "I": 10}) == "O"
    assert kano.category({"I": 4, "Q": 4}) == "I"
    assert kano.category({"R": 5, "Q": 1}) == "R"


def test_edge_cases_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="no Kano answers"):
        kano.category({})
    with pytest.raises(ValueError, match="undefined"):
        kano.coefficients({"R": 3, "Q": 1})
    with pytest.raises(ValueError, match="unknown Kano categories: X"):
        kano.category({"X": 1})
    with pytest.raises(ValueError, match="negative"):
        kano.coefficients({"A": -1, "O": 2})


def test_features_from_answers() -> None:
    """Three respondents on the pair (sms_f, sms_d): (1, 5) → O, (2, 5) → M, (1, 3) → A, and one
    who skipped the dysfunctional question (not counted). Counts A 1, O 1, M 1: the tie goes to M;
    Better = 2/3, Worse = −2/3."""
    frame = answers(
        [
            (1, "sms_f", None, "kano_func", 1.0), (1, "sms_d", None, "kano_dysf", 5.0),
            (2, "sms_f", None, "kano_func", 2.0), (2, "sms_d", None, "kano_dysf", 5.0),
            (3, "sms_f", None, "kano_func", 1.0), (3, "sms_d", None, "kano_dysf", 3.0),
            (4, "sms_f", None, "kano_func", 1.0),
            (4, "overall", None, "overall", 4.0),
        ]
    )  # fmt: skip
    table = kano.kano_features(frame, {"sms_f": "sms_d", "never_asked_f": "never_asked_d"})
    assert table["feature"].tolist() == ["sms_f"]
    row = table.iloc[0]
    assert (row["n"], row["A"], row["O"], row["M"], row["I"], row["category"]) == (3, 1, 1, 1, 0, "M")
    assert row["better"] == pytest.approx(2 / 3) and row["worse"] == pytest.approx(-2 / 3)


def test_features_where_every_answer_is_questionable() -> None:
    frame = answers([(1, "f", None, "kano_func", 1.0), (1, "d", None, "kano_dysf", 1.0)])
    row = kano.kano_features(frame, {"f": "d"}).iloc[0]
    assert row["category"] == "Q" and math.isnan(row["better"]) and math.isnan(row["worse"])
    assert kano.kano_features(frame.iloc[0:0], {"f": "d"}).empty
