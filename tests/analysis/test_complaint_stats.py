import math

import pandas as pd
import pytest

from analysis import complaint_stats as cs
from analysis import periods
from analysis.synthetic import generate
from tests.analysis.factories import BASE, complaints

SLA = {"high": 24.0, "medium": 48.0, "low": 72.0}
NOW = BASE + pd.Timedelta(hours=100)


def _tickets() -> pd.DataFrame:
    return complaints(
        [
            # id, category, dimension, severity, status, created_h, first_h, resolved_h, rating, keywords
            (1, "personnel", "responsiveness", "high", "resolved", 0, 1, 10, 4.0, ["态度差", "推诿"]),
            (2, "personnel", "responsiveness", "high", "closed", 0, 3, 30, 2.0, ["态度差"]),
            (3, "process", "comfort", "medium", "in_progress", 10, 5 + 10, None, None, ["排队", "排队"]),
            (4, "technology", None, "low", "received", 90, None, None, None, ["支付失败"]),
            (5, "process", "comfort", "high", "in_progress", 95, 96, None, None, []),
        ]
    )


def test_counts_keep_unassigned_dimension() -> None:
    table = cs.complaint_counts(_tickets(), by=("dimension",)).set_index("dimension")["complaints"]
    assert table.to_dict() == {"comfort": 2, "responsiveness": 2, "unassigned": 1}


def test_rates_per_thousand_responses_and_customers() -> None:
    table = cs.complaint_rates(_tickets(), n_responses=250, n_customers=1000).set_index("category")
    assert table.loc["personnel", "per_1000_responses"] == pytest.approx(8.0)  # 2 / 250 · 1000
    assert table.loc["process", "per_1000_customers"] == pytest.approx(2.0)
    total = cs.complaint_rates(_tickets(), n_responses=0, by=()).iloc[0]
    assert total["complaints"] == 5 and math.isnan(total["per_1000_responses"])


def test_rates_with_per_period_denominators() -> None:
    frame = periods.add_period(_tickets(), "created_at", "day")
    table = cs.complaint_rates(frame, n_responses={"2025-03-03": 100, "2025-03-07": 50}, by=("period",))
    rates = table.set_index("period")["per_1000_responses"]
    # Tickets at +0 h, +0 h, +10 h fall on Monday 3 March (local); +90 h and +95 h on Friday 7 March.
    assert rates.to_dict() == pytest.approx({"2025-03-03": 30.0, "2025-03-07": 40.0})
    with pytest.raises(ValueError, match="need 'period' in by"):
        cs.complaint_rates(frame, n_responses={"2025-03-03": 100}, by=("category",))


def test_timeliness_by_hand() -> None:
    table = cs.timeliness(_tickets(), SLA, NOW, by=()).iloc[0]
    assert table["tickets"] == 5 and table["responded"] == 4
    # First responses after 1, 3, 5, 1 hours → median 2; resolutions after 10 and 30 hours.
    assert table["first_response_median_h"] == pytest.approx(2.0)
    assert table["resolution_median_h"] == pytest.approx(20.0)
    assert table["resolution_p90_h"] == pytest.approx(28.0)  # linear interpolation 10 + 0.9·20
    # SLA: #1 within 24 h, #2 late (30 > 24); #3 open 90 h > 48 h → overdue; #4 open 10 h < 72 h;
    # #5 open 5 h < 24 h. Known outcomes: #1, #2, #3 → 1 of 3 within SLA.
    assert (table["within_sla"], table["sla_known"], table["overdue_open"]) == (1, 3, 1)
    assert table["within_sla_share"] == pytest.approx(1 / 3)
    assert table["rating_mean"] == pytest.approx(3.0) and table["rating_n"] == 2


def test_timeliness_by_severity_and_empty() -> None:
    table = cs.timeliness(_tickets(), SLA, NOW).set_index("severity")
    assert table.loc["high", "tickets"] == 3 and table.loc["high", "within_sla_share"] == pytest.approx(0.5)
    assert math.isnan(table.loc["low", "within_sla_share"])
    empty = cs.timeliness(_tickets().iloc[:0], SLA, NOW, by=()).iloc[0]
    assert empty["tickets"] == 0 and math.isnan(empty["first_response_median_h"])


def test_overdue_tickets_list() -> None:
    late = cs.overdue_tickets(_tickets(), SLA, NOW)
    assert late["ticket_no"].tolist() == ["TJ-000003"]
    assert late["overdue_hours"].iloc[0] == pytest.approx(90 - 48)
    assert cs.overdue_tickets(_tickets(), SLA, BASE + pd.Timedelta(hours=1)).empty


def test_keyword_counts_deduplicate_within_a_complaint() -> None:
    table = cs.keyword_counts(_tickets()).set_index("keyword")
    assert table.loc["态度差", "complaints"] == 2 and table.loc["态度差", "complaint_ids"] == [1, 2]
    assert table.loc["排队", "complaints"] == 1
    assert table.index[0] == "态度差"


def test_top_keywords_per_period() -> None:
    frame = periods.add_period(_tickets(), "created_at", "day")
    table = cs.top_keywords(frame, top=1, by=("period",))
    assert table[["period", "keyword", "complaints"]].values.tolist() == [
        ["2025-03-03", "态度差", 2],
        ["2025-03-07", "支付失败", 1],
    ]


def test_rising_keywords_against_previous_period() -> None:
    previous = complaints([(1, "other", None, "low", "received", 0, None, None, None, ["排队"])])
    current = complaints(
        [
            (2, "other", None, "low", "received", 0, None, None, None, ["排队", "支付失败"]),
            (3, "other", None, "low", "received", 0, None, None, None, ["排队", "支付失败"]),
            (4, "other", None, "low", "received", 0, None, None, None, ["支付失败", "卫生差"]),
        ]
    )
    table = cs.rising_keywords(current, previous).set_index("keyword")
    assert list(table.index) == ["支付失败", "排队"]  # 卫生差 appears once: below min_count
    assert bool(table.loc["支付失败", "new"]) and math.isnan(table.loc["支付失败", "growth"])
    assert table.loc["排队", "growth"] == pytest.approx(1.0)
    assert table.loc["支付失败", "complaint_ids"] == [2, 3, 4]


def test_synthetic_rising_keyword_trends_up() -> None:
    data = generate(1)
    frame = periods.add_period(data.complaints, "created_at")
    counts = cs.keyword_counts(frame, ("period",))
    rising = counts[counts["keyword"] == "支付失败"].set_index("period")["complaints"]
    assert rising.iloc[-3:].sum() > rising.iloc[:3].sum()
