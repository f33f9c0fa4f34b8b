"""The report on a small hand-computed dataset, on an empty period, and in all four formats."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from analysis.frames import empty_frame
from analysis.index import composite_index, to_index_scale
from analysis.report import Report, ReportSettings, build_report, is_personal, report_window
from analysis.report_format import signed
from analysis.scores import dimension_scores
from analysis.weights import ahp, load_ahp_matrix
from tests.analysis import factories as f

NOW = f.BASE + pd.Timedelta(hours=46)  # Wednesday 2025-03-05 08:00 in Asia/Shanghai
PHONE = "13812345678"
ITEMS = {
    1: {"functionality": [4, 5], "safety": [4], "comfort": [3], "responsiveness": [2]},
    2: {"functionality": [3, 3], "safety": [5], "comfort": [4], "responsiveness": [3]},
    3: {"functionality": [5, 4], "safety": [4], "comfort": [5], "responsiveness": [4]},
    4: {"functionality": [5, 5], "safety": [5], "comfort": [5], "responsiveness": [5]},  # straight-liner
    5: {"functionality": [1]},  # abandoned after one answer
}
OVERALL = {1: 4, 2: 3, 3: 5, 4: 5}
RECOMMEND = {1: 10, 2: 6, 3: 9, 4: 10}


def _answers() -> pd.DataFrame:
    rows = [
        (rid, f"{dim}_{i}", dim, "item", float(score))
        for rid, dims in ITEMS.items()
        for dim, scores in dims.items()
        for i, score in enumerate(scores, start=1)
    ]
    rows += [(rid, "overall", None, "overall", float(v)) for rid, v in OVERALL.items()]
    rows += [(rid, "nps", None, "nps", float(v)) for rid, v in RECOMMEND.items()]
    return f.answers(rows)


def _complaints() -> pd.DataFrame:
    return f.complaints(
        [
            # id, category, dimension, severity, status, created_h, first_h, resolved_h, rating, keywords
            (1, "personnel", "responsiveness", "high", "resolved", 1, 2, 10, 4.0, ["态度差", "推诿"]),
            (2, "personnel", "responsiveness", "high", "received", 1, None, None, None, ["态度差"]),
            # Resolved only after NOW: the report sees it as it stood then, open and unrated.
            (3, "process", None, "medium", "resolved", 2, 3, 80, 5.0, ["排队", PHONE]),
            (4, "personnel", "comfort", "low", "closed", -72, -71, -60, 3.0, ["态度差"]),  # previous week
        ]
    )


@pytest.fixture(scope="module")
def report() -> Report:
    responses = f.responses(
        [(1, "completed"), (2, "completed"), (3, "completed"), (4, "completed"), (5, "abandoned")]
    )
    return build_report(_answers(), responses, _complaints(), NOW, "week", ReportSettings(charts=False))


def test_index_and_dimension_scores_match_the_hand_computation(report: Report) -> None:
    weights = ahp(load_ahp_matrix()).weights
    # Responses 1–3 are kept (4 straight-lines, 5 is abandoned); per-response item means first.
    means = {"functionality": (4.5 + 3 + 4.5) / 3, "safety": 13 / 3, "comfort": 4.0, "responsiveness": 3.0}
    expected = sum(weights[d] * (m - 1) / 4 * 100 for d, m in means.items())
    head = report.headline()
    assert head.period == "2025-W10"
    assert head.index == pytest.approx(expected)
    assert head.index_n == 3 and head.low_sample
    assert head.index_change is None  # nothing in the previous week
    assert head.index_change_status == "insufficient_sample"
    rows = {row.dimension: row for row in report.dimension_rows()}
    assert list(rows) == ["functionality", "safety", "comfort", "responsiveness"]
    for dim, mean in means.items():
        assert rows[dim].mean == pytest.approx(mean) and rows[dim].n == 3
    assert rows["responsiveness"].low_share == pytest.approx(1 / 3)
    assert rows["functionality"].low_share == 0
    assert rows["safety"].label == "安全性"


def test_figures_agree_with_the_analysis_functions_on_the_same_frames(report: Report) -> None:
    kept = _answers()
    kept = kept[kept["response_id"].isin([1, 2, 3])]
    weights = ahp(load_ahp_matrix()).weights
    index = composite_index(kept, weights)
    assert report.index["index"].iloc[0] == pytest.approx(index["index"].iloc[0])
    assert report.index["ci_low"].iloc[0] == pytest.approx(index["ci_low"].iloc[0])
    dims = dimension_scores(kept).set_index("dimension")
    table = report.dimensions.set_index("dimension")
    for column in ("mean", "ci_low", "ci_high", "low_share"):
        assert table[column].to_dict() == pytest.approx(dims[column].to_dict())
    assert to_index_scale(5.0) == 100


def test_satisfaction_responses_cleaning_and_complaints(report: Report) -> None:
    head = report.headline()
    assert head.csat == pytest.approx(200 / 3)  # overall 4, 3, 5 → two of three are 4–5
    assert head.nps == pytest.approx(100 / 3)  # 10, 6, 9 → 2/3 promoters − 1/3 detractors
    assert (head.completed, head.completion_rate) == (4, pytest.approx(0.8))
    assert dict(report.cleaning) == {
        "responses": 4, "straightline": 1, "speeder": 0, "duplicate": 0, "excluded": 1, "kept": 3,
    }  # fmt: skip
    complaints = report.complaint_headline()
    assert (complaints.count, complaints.previous) == (3, 1)
    assert complaints.per_1000_responses == pytest.approx(3 / 4 * 1000)  # 4 completed responses
    assert complaints.per_1000_customers == pytest.approx(3 / 5 * 1000)  # customers 1–5 answered
    assert complaints.overdue_open == 1  # #2: high, open 45 h > 24 h; #3 is open but inside 72 h
    assert complaints.top_keywords == ("态度差", "排队", "推诿")  # ties in keyword order
    by_category = report.complaints_by_category.set_index("category")["complaints"].to_dict()
    assert by_category == {"personnel": 2, "process": 1}
    overall = report.timeliness.set_index("severity").loc["all"]
    assert overall["resolved"] == 1 and overall["rating_mean"] == 4.0  # #3's later rating is not known yet
    assert report.keywords.set_index("keyword").loc["态度差", "complaint_ids"] == [1, 2]


def test_trend_covers_the_configured_periods_with_gaps_kept(report: Report) -> None:
    assert report.trend["period"].tolist()[-2:] == ["2025-W09", "2025-W10"]
    assert len(report.trend) == 8
    assert report.trend["n"].tolist() == [0] * 7 + [3]
    assert report.trend["complaints"].tolist()[-2:] == [1, 3]


def test_priorities_come_with_reasons(report: Report) -> None:
    top = report.top_priorities(3)
    assert [p.rank for p in top] == [1, 2, 3]
    assert all(p.why for p in top)
    assert top[0].dimension == "responsiveness"  # lowest score, most complaints


def test_every_format_has_the_sections_and_no_personal_data(report: Report) -> None:
    charted = report.with_charts()
    outputs = {
        "text": report.to_text(),
        "md": report.to_markdown(),
        "html": charted.to_html(),
        "json": report.to_json(),
    }
    for name, output in outputs.items():
        assert PHONE not in output, name
        for title in ("服务质量综合指数", "数据清洗", "投诉处理时效", "改进优先级", "维度权重对比", "趋势"):
            assert title in output, (name, title)
    assert outputs["html"].count('src="data:image/png;base64,') == 4
    document = json.loads(outputs["json"])
    assert document["headline"]["index"] == pytest.approx(report.headline().index)
    keys = [s["key"] for s in document["sections"]]
    assert keys[:3] == ["overview", "index", "dimensions"] and "complaints" in keys and "trend" in keys
    keywords = next(s for s in document["sections"] if s["key"] == "keywords")
    assert keywords["tables"][0]["rows"][0] == {"keyword": "态度差", "complaints": 2, "complaint_ids": [1, 2]}
    assert any("个人信息" in note for note in keywords["notes"])


def test_markdown_tables_render_as_tables(report: Report) -> None:
    markdown = report.to_markdown()
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables = [t for t in tokens if t.type == "table_open"]
    written = sum(1 for line in markdown.splitlines() if line.startswith("| ---"))
    assert written >= 5
    assert len(tables) == written  # every table written is one a Markdown reader shows
    header_cells = [t for t in tokens if t.type == "th_open"]
    assert len(header_cells) >= 2 * len(tables)


def test_english_labels() -> None:
    settings = ReportSettings(lang="en", charts=False)
    responses = f.responses([(1, "completed"), (2, "completed"), (3, "completed")])
    english = build_report(_answers(), responses, _complaints(), NOW, "week", settings)
    text = english.to_text()
    assert "Composite service-quality index" in text and "Safety" in text
    assert "服务质量" not in text
    assert english.top_priorities(1)[0].why.isascii()


def test_an_empty_period_reads_as_no_data_in_every_format() -> None:
    empty = build_report(
        empty_frame("answers"), empty_frame("responses"), empty_frame("complaints"), NOW, "week"
    )
    head = empty.headline()
    assert (head.index, head.csat, head.completed, head.complaints) == (None, None, 0, 0)
    assert empty.top_priorities() == []
    for output in (empty.to_text(), empty.to_markdown(), empty.to_html()):
        assert output.count("本期无数据") >= 5
    document = json.loads(empty.to_json())
    assert document["headline"]["index"] is None
    assert len(empty.charts) == 4  # each chart says "no data" rather than failing


@pytest.mark.parametrize(
    ("keyword", "personal"),
    [
        (PHONE, True),
        ("138-1234-5678", True),
        ("a@b.cn", True),
        ("张伟", True),
        ("态度差", False),
        ("排队", False),
    ],
)
def test_personal_keywords_are_recognised(keyword: str, personal: bool) -> None:
    assert is_personal(keyword) is personal


def test_report_window_spans_the_trend_periods() -> None:
    start, end = report_window(NOW, "week", 8)
    assert (start, end) == (pd.Timestamp("2025-01-12T16:00:00Z"), pd.Timestamp("2025-03-09T16:00:00Z"))
    assert report_window(NOW, "month", 1) == (
        pd.Timestamp("2025-01-31T16:00:00Z"),
        pd.Timestamp("2025-03-31T16:00:00Z"),
    )


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (-0.04, 1, "0.0"),
        (0.04, 1, "0.0"),
        (0.06, 1, "+0.1"),
        (-0.06, 1, "-0.1"),
        (-0.4, 0, "0"),
        (2.5, 2, "+2.50"),
    ],
)
def test_a_change_that_rounds_to_zero_has_no_sign(value: float, decimals: int, shown: str) -> None:
    assert signed(value, decimals) == shown


def test_severities_read_most_severe_first_and_dropoff_speaks_the_report_language(report: Report) -> None:
    document = json.loads(report.to_json())
    timeliness = next(s for s in document["sections"] if s["key"] == "timeliness")
    severities = [row["severity"] for row in timeliness["tables"][0]["rows"]]
    present = [s for s in ("高", "中", "低") if s in severities]
    assert [s for s in severities if s in present] == present, severities
    responses = f.responses([(1, "completed"), (2, "completed"), (6, "abandoned")])  # 6 answered nothing
    quitter = build_report(_answers(), responses, _complaints(), NOW, "week", ReportSettings(charts=False))
    assert "(none)" not in quitter.to_text() and "（一题未答）" in quitter.to_text()
