from pathlib import Path

import pandas as pd
import pytest

from analysis import priorities as pr
from analysis.scores import dimension_scores, question_scores
from analysis.synthetic import generate
from tests.analysis.factories import complaints

IMPORTANCE = {"functionality": 4.5, "safety": 4.6, "comfort": 3.2, "responsiveness": 3.0}
PERFORMANCE = {"functionality": 3.1, "safety": 4.4, "comfort": 4.5, "responsiveness": 2.8}


def test_ipa_quadrants_with_mean_crosshairs() -> None:
    # Martilla & James (1977) quadrants; cross-hairs at the means: importance 3.825, performance 3.7.
    table = pr.ipa(IMPORTANCE, PERFORMANCE).set_index("dimension")
    assert table["quadrant"].to_dict() == {
        "functionality": "concentrate_here",
        "safety": "keep_up",
        "comfort": "possible_overkill",
        "responsiveness": "low_priority",
    }
    assert table.loc["functionality", "quadrant_zh"] == "重要性较高·表现较低"
    assert table.loc["safety", "importance_cross"] == pytest.approx(3.825)
    assert table.loc["safety", "performance_cross"] == pytest.approx(3.7)
    assert table.loc["functionality", "gap"] == pytest.approx(1.4)
    # need = importance / max importance · (5 − performance) / 4 = 4.5/4.6 · 1.9/4
    assert table.loc["functionality", "need"] == pytest.approx(4.5 / 4.6 * 1.9 / 4)


def test_ipa_with_scale_midpoint_and_ties_count_as_high() -> None:
    table = pr.ipa({"a": 3.0, "b": 2.0}, {"a": 2.9, "b": 3.0}, crosshair="midpoint").set_index("dimension")
    assert table["quadrant"].to_dict() == {"a": "concentrate_here", "b": "possible_overkill"}
    with pytest.raises(ValueError, match="unknown crosshair"):
        pr.ipa({"a": 1.0}, {"a": 1.0}, crosshair="median")  # type: ignore[arg-type]


def test_default_improvement_areas_file_is_valid() -> None:
    areas = pr.load_improvement_areas()
    assert len(areas) >= 8 and areas["key"].is_unique
    assert set(areas["dimension"]) == {"functionality", "safety", "comfort", "responsiveness"}
    assert areas["cost"].between(1, 5).all() and areas["feasibility"].between(1, 5).all()
    assert areas["name_zh"].str.len().gt(0).all() and areas["name_en"].str.len().gt(0).all()


def test_invalid_areas_file_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "areas.yaml"
    path.write_text(
        "areas:\n"
        "  - {key: a, name: {zh: 甲, en: A}, dimension: speed, category: process, cost: 1, feasibility: 9}\n"
        "  - {key: a, name: {zh: 乙, en: B}, dimension: safety, category: other, cost: 1, feasibility: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ValueError, match=r"duplicate keys: a; unknown dimension in: a; feasibility outside 1–5 in: a"
    ):
        pr.load_improvement_areas(path)


def _two_areas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": ["training", "renewal"],
            "name_zh": ["培训", "更新"],
            "name_en": ["Training", "Renewal"],
            "dimension": ["functionality", "comfort"],
            "category": ["personnel", "resources"],
            "cost": [1, 5],
            "feasibility": [5, 1],
        }
    )


def test_ranking_by_hand() -> None:
    table = pr.ipa(IMPORTANCE, PERFORMANCE)
    current = complaints(
        [
            (1, "personnel", "functionality", "low", "received", 0, None, None, None, []),
            (2, "personnel", None, "low", "received", 0, None, None, None, []),
            (3, "personnel", "safety", "low", "received", 0, None, None, None, []),  # other dimension
        ]
    )
    previous = complaints([(4, "personnel", "functionality", "low", "received", 0, None, None, None, [])])
    ranked = pr.rank_improvements(table, _two_areas(), current, previous, {"functionality": -0.25})
    first = ranked.iloc[0]
    assert first["key"] == "training" and first["rank"] == 1
    assert (first["complaints"], first["previous_complaints"]) == (2, 1)
    need = 4.5 / 4.6 * 1.9 / 4
    growth, drop = 1.0, 0.5  # (2 − 1)/1 and 0.25/0.5
    trend = ((growth + drop) / 2 + 1) / 2
    expected = 100 * (0.35 * need + 0.25 * 1.0 + 0.15 * trend + 0.15 * 1.0 + 0.10 * 1.0)
    assert first["score"] == pytest.approx(expected)
    assert first["why_zh"] == (
        "功能性表现3.10、重要性4.50（各维度平均3.70、3.83）；本期人员素质类投诉2起（较上期+1）；"
        "得分下降0.25；成本低、易落地"
    )
    assert first["why_en"] == (
        "Functionality performance 3.10, importance 4.50 (mean of dimensions 3.70, 3.83); "
        "2 personnel complaints (+1 vs previous); score down 0.25; low cost, easy to do"
    )
    assert ranked.iloc[1]["why_en"].endswith("costly")


def test_a_dimension_just_under_the_mean_importance_ranked_first_is_not_called_low_priority() -> None:
    # The demo data's case: responsiveness is the weakest dimension and draws the complaints, but
    # its stated importance (4.04) sits a hair under the mean of the four (4.05).
    importance = {"functionality": 4.18, "safety": 4.44, "comfort": 3.53, "responsiveness": 4.04}
    performance = {"functionality": 3.88, "safety": 4.14, "comfort": 3.79, "responsiveness": 3.10}
    table = pr.ipa(importance, performance)
    assert table.set_index("dimension").loc["responsiveness", "quadrant"] == "low_priority"
    current = complaints(
        [(i, "personnel", "responsiveness", "low", "received", 0, None, None, None, []) for i in range(5)]
    )
    ranked = pr.rank_improvements(table, pr.load_improvement_areas(), current)
    first = ranked.iloc[0]
    assert (first["dimension"], first["category"]) == ("responsiveness", "personnel")
    # The reason is the numbers the ranking used, against the same cross-hairs, and no quadrant
    # name that reads as a priority of its own beside the rank.
    assert first["why_zh"].startswith(
        "响应性表现3.10、重要性4.04（各维度平均3.73、4.05）；本期人员素质类投诉5起"
    )
    assert first["why_en"].startswith(
        "Responsiveness performance 3.10, importance 4.04 (mean of dimensions 3.73, 4.05); 5 personnel"
    )
    shown = " ".join([*ranked["why_zh"], *ranked["why_en"], *table["quadrant_zh"], *table["quadrant_en"]])
    claims = ("优先", "重点改进", "过度投入", "继续保持", "priority", "Concentrate", "overkill", "Keep up")
    assert [claim for claim in claims if claim in shown] == []


def test_ranking_without_complaint_data_or_trend() -> None:
    ranked = pr.rank_improvements(pr.ipa(IMPORTANCE, PERFORMANCE), _two_areas())
    assert ranked["complaints"].tolist() == [0, 0]
    assert ranked["c_trend"].tolist() == [0.5, 0.5]
    assert "投诉" not in ranked["why_zh"].iloc[0]


def test_custom_weights_change_the_order() -> None:
    ipa_table = pr.ipa(IMPORTANCE, PERFORMANCE)
    only_need = pr.PriorityWeights(need=1, complaints=0, trend=0, feasibility=0, cost=0)
    ranked = pr.rank_improvements(ipa_table, _two_areas(), weights=only_need)
    assert ranked["key"].tolist() == ["training", "renewal"]
    assert ranked["score"].iloc[0] == pytest.approx(100 * 4.5 / 4.6 * 1.9 / 4)


def test_synthetic_priorities_point_at_responsiveness() -> None:
    data = generate(1)
    q = question_scores(data.answers)
    importance = q[q["role"] == "importance"].set_index("dimension")["mean"].to_dict()
    performance = dimension_scores(data.answers).set_index("dimension")["mean"].to_dict()
    table = pr.ipa(importance, performance)
    assert table.set_index("dimension").loc["responsiveness", "quadrant"] == "concentrate_here"
    ranked = pr.rank_improvements(table, pr.load_improvement_areas(), data.complaints)
    assert ranked.iloc[0]["dimension"] == "responsiveness"
    assert ranked["why_zh"].str.len().gt(0).all() and ranked["why_en"].str.len().gt(0).all()
