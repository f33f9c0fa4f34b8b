"""The report's GB/T 19038-style part on generated data, read as a reader sees it: sampling plan and
achieved margins, data collection, reliability and validity, the IPA matrix, SERVQUAL gaps, Kano
categories and NPS with its interval — and the digest lines they bring."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.digest import digest_text
from analysis.frames import empty_frame
from analysis.reliability import item_matrix
from analysis.report import Report, ReportSettings, SamplingPlan, SurveyDesign, build_report
from analysis.validity import kmo
from tests.analysis import factories as f

NOW = f.BASE + pd.Timedelta(hours=46)  # Wednesday of the week that starts at f.BASE
DIMENSIONS = ("functionality", "safety", "comfort", "responsiveness")
N = 60
DESIGN = SurveyDesign(
    expectation_of={"exp_functionality_1": "functionality_1", "exp_safety_1": "safety_1"},
    kano_pairs={"sms_f": "sms_d"},
)
# Kano answers by response number mod 4: (1, 5) → O twice, (2, 5) → M, (1, 3) → A.
KANO = {0: (1, 5), 1: (1, 5), 2: (2, 5), 3: (1, 3)}


def _week(
    first_id: int, at: pd.Timestamp, recommend: list[float], seed: int
) -> list[tuple[int, str, str | None, str, float]]:
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, str, str | None, str, float]] = []
    for i in range(N):
        rid = first_id + i
        for dim in DIMENSIONS:
            latent = rng.normal(3.5, 0.9)
            for item in (1, 2):
                score = float(np.clip(np.rint(latent + rng.normal(0, 0.5)), 1, 5))
                rows.append((rid, f"{dim}_{item}", dim, "item", score))
        rows.append((rid, "exp_functionality_1", "functionality", "expectation", 5.0))
        rows.append((rid, "exp_safety_1", "safety", "expectation", 4.0))
        functional, dysfunctional = KANO[i % 4]
        rows.append((rid, "sms_f", None, "kano_func", float(functional)))
        rows.append((rid, "sms_d", None, "kano_dysf", float(dysfunctional)))
        rows.append((rid, "overall", None, "overall", float(rng.integers(3, 6))))
        rows.append((rid, "recommend", None, "nps", recommend[i]))
    return rows


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    # This week NPS = (40 − 10)/60 = 50; the week before (20 − 30)/60 = −16.7.
    now_recommend = [10.0] * 40 + [8.0] * 10 + [3.0] * 10
    before_recommend = [10.0] * 20 + [8.0] * 10 + [3.0] * 30
    before = f.BASE - pd.Timedelta(days=7)
    answers = pd.concat(
        [
            f.answers(_week(1, f.BASE, now_recommend, 1)),
            f.answers(_week(101, before, before_recommend, 2), before),
        ],
        ignore_index=True,
    )
    responses = pd.concat(
        [
            f.responses([(rid, "completed") for rid in range(1, N + 1)]),
            f.responses([(rid, "completed") for rid in range(101, 101 + N)], before),
        ],
        ignore_index=True,
    )
    return answers, responses


def _report(lang: str = "zh") -> Report:
    answers, responses = _frames()
    settings = ReportSettings(
        charts=False,
        lang=lang,  # type: ignore[arg-type]
        sampling=SamplingPlan(margin=0.10, population=1000, response_rate=0.25),
        design=DESIGN,
    )
    return build_report(answers, responses, f.complaints([]), NOW, "week", settings)


@pytest.fixture(scope="module")
def report() -> Report:
    return _report()


def _table_after(text: str, header_word: str, section: str = "顾客满意测评") -> list[list[str]]:
    """The rows (split on runs of spaces) of the first table of the GB/T part (or from ``section``
    on) whose header contains ``header_word``."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if section in line)
    start = next(i for i, line in enumerate(lines) if i > first and header_word in line)
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def test_sampling_plan_and_achieved_margins(report: Report) -> None:
    """±10 % at 95 % from 1,000 customers: n₀ = 1.959964² · 0.25 / 0.01 = 96.04, n = 96.04 / (1 + 95.04/1000)
    = 87.7 → 88 responses, 88 / 0.25 = 352 invitations. 60 responses give
    1.959964 · √(0.25/60) · √(940/999) = 12.3 %, below plan."""
    text = report.to_text()
    assert "顾客满意测评（参照 GB/T 19038） 一、测评模型" in text
    plan = _table_after(text, "计划样本数  预期回复率")
    assert plan == [["10.0%", "95.0%", "1,000", "88", "25.0%", "352"]]
    margins = {row[0]: row[1:] for row in _table_after(text, "实际误差(±)")}
    assert margins["综合指数（有效问卷）"] == ["60", "88", "12.3%", "✓"]
    assert margins["NPS（推荐意愿题）"] == ["60", "88", "12.3%", "✓"]
    assert "本期有效样本 60 份，低于抽样方案的 88 份：误差为 ±12.3%，大于目标的 ±10%。" in text


def test_collection_reliability_and_validity(report: Report) -> None:
    text = report.to_text()
    assert _table_after(text, "中途退出  完成率") == [["telegram", "60", "60", "0", "100.0%"]]
    answers, _ = _frames()
    wide = item_matrix(answers[answers["response_id"] <= N])
    adequacy = _table_after(text, "Bartlett χ²")
    assert adequacy[0][:4] == ["1", "60", "8", f"{kmo(wide):.3f}"]
    loadings = _table_after(text, "本维度载荷")
    assert [row[0] for row in loadings] == [f"{d}_{i}" for d in DIMENSIONS for i in (1, 2)]
    assert all(row[-1] == "✓" for row in loadings), loadings  # every item loads as declared
    convergent = _table_after(text, "组合信度CR")
    assert [row[0] for row in convergent] == ["功能性", "安全性", "舒适性", "响应性"]
    assert "KMO ≥ 0.6 且 Bartlett 检验 p < 0.05 适合因子分析" in text
    # Two items per dimension: deleting one leaves a single item, so no alpha-if-deleted table.
    assert "删除该题后α" not in text


def test_servqual_gaps_beside_perception_scores(report: Report) -> None:
    answers, _ = _frames()
    now = answers[answers["response_id"] <= N]
    p_func = now.loc[now["question_key"] == "functionality_1", "score"].mean()
    p_safety = now.loc[now["question_key"] == "safety_1", "score"].mean()
    gaps = {"功能性": p_func - 5, "安全性": p_safety - 4}
    text = report.to_text()
    rows = {row[0]: row[1:] for row in _table_after(text, "差距P−E")}
    assert list(rows) == ["功能性", "安全性"]
    dims = report.dimensions.set_index("dimension")["mean"]
    assert rows["功能性"] == [
        f"{dims['functionality']:.2f}",
        f"{p_func:.2f}",
        "5.00",
        f"{gaps['功能性']:+.2f}",
        "60",
    ]
    assert rows["安全性"][3] == f"{gaps['安全性']:+.2f}"
    overall = (gaps["功能性"] + gaps["安全性"]) / 2
    assert f"SERVQUAL 总分：{overall:.2f}（各维度平均）" in text


def test_kano_categories(report: Report) -> None:
    """60 answers: 30 O, 15 M, 15 A → O (期望型); Better = (15 + 30)/60 = 0.75, Worse = −(30 + 15)/60."""
    rows = _table_after(report.to_text(), "Better")
    assert rows == [["sms_f", "60", "15", "30", "15", "0", "0", "0", "O", "期望型", "0.75", "-0.75"]]


def test_nps_interval_and_significant_change(report: Report) -> None:
    """This week p = 2/3, d = 1/6: variance (5/6 − 1/4)/60 → SE 9.860, 50 ± 19.3 = [30.7, 69.3].
    Before p = 1/3, d = 1/2: (5/6 − 1/36)/60 → SE 11.587. Difference 66.7, SE 15.214,
    95 % CI 66.7 ± 29.8 = [36.8, 96.5]: significantly up."""
    text = report.to_text()
    periods = _table_after(text, "95%CI下限  95%CI上限  样本数")
    assert periods[0] == ["本期", "50.0", "30.7", "69.3", "60"]
    assert periods[1] == ["上期", "-16.7", "-39.4", "6.0", "60"]
    change = _table_after(text, "变化  95%CI下限")
    assert change == [["较上期变化", "+66.7", "+36.8", "+96.5", "<0.001", "显著上升"]]
    head = report.headline()
    assert head.nps_change_status == "up" and head.below_plan and head.sample_required == 88


def test_the_digest_says_what_changes_a_decision(report: Report) -> None:
    digest = digest_text(report, "zh")
    assert "⚠️ 有效样本 60 份，低于抽样方案的 88 份，结果误差大于目标" in digest
    assert "NPS 较上期显著上升 +66.7（95%CI +36.8 至 +96.5）" in digest
    english = digest_text(_report("en"), "en")
    assert "NPS significantly up by +66.7 on the previous period (95% CI +36.8 to +96.5)" in english


def test_every_format_carries_the_section(report: Report) -> None:
    for output in (report.to_markdown(), report.with_charts().to_html()):
        for title in (
            "抽样方案与实际误差",
            "信度与效度",
            "重要性—满意度矩阵",
            "服务质量差距（SERVQUAL）",
            "需求分类（Kano）",
        ):
            assert title in output, title
    document = json.loads(report.to_json())
    keys = [s["key"] for s in document["sections"]]
    assert keys[-8:] == [
        "gbt_model", "gbt_sampling", "gbt_collection", "gbt_validity", "gbt_matrix", "gbt_servqual",
        "gbt_kano", "gbt_nps",
    ]  # fmt: skip
    kano = next(s for s in document["sections"] if s["key"] == "gbt_kano")
    assert kano["tables"][0]["rows"][0]["better"] == pytest.approx(0.75)
    assert document["headline"]["nps_change_status"] == "up"


def test_without_servqual_or_kano_items_those_parts_are_left_out_and_numbers_stay_consecutive() -> None:
    answers, responses = _frames()
    plain = answers[~answers["role"].isin(["expectation", "kano_func", "kano_dysf"])]
    report = build_report(plain, responses, f.complaints([]), NOW, "week", ReportSettings(charts=False))
    text = report.to_text()
    assert "SERVQUAL" not in text and "Kano" not in text
    assert "六、净推荐值及其置信区间" in text
    assert "很大（不作修正）" in text  # no population configured


def test_an_empty_period_reads_as_no_data_not_a_crash() -> None:
    empty = build_report(
        empty_frame("answers"), empty_frame("responses"), empty_frame("complaints"), NOW, "week"
    )
    text = empty.to_text()
    assert "四、信度与效度\n--------------\n* 本期无数据。" in text
    assert empty.headline().nps_change is None and not empty.headline().below_plan


def test_a_constant_item_gets_a_clear_note() -> None:
    answers, responses = _frames()
    flat = answers.assign(score=answers["score"].where(answers["question_key"] != "comfort_2", 4.0))
    report = build_report(flat, responses, f.complaints([]), NOW, "week", ReportSettings(charts=False))
    assert "效度分析无法进行：所有人对这些题的回答相同：comfort_2。" in report.to_text()
