"""Regression drivers in the report: R², each driver's p-value, and insignificant drivers left out
of the data-driven weights unless the operator keeps them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.report import Report, ReportSettings, build_report
from tests.analysis import factories as f

NOW = f.BASE + pd.Timedelta(hours=46)


def _history(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n completed responses, two items per dimension; overall satisfaction follows functionality,
    safety and responsiveness, while comfort is rated independently of everything else."""
    rng = np.random.default_rng(seed)
    latent = {d: rng.normal(3.5, 0.8, n) for d in ("functionality", "safety", "comfort", "responsiveness")}
    overall = 0.4 * latent["functionality"] + 0.3 * latent["safety"] + 0.3 * latent["responsiveness"]
    overall = overall + rng.normal(0, 0.3, n)

    def rating(values: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(values), 1, 5)

    rows = []
    for dim, values in latent.items():
        for item in (1, 2):
            scores = rating(values + rng.normal(0, 0.4, n))
            rows += [(rid + 1, f"{dim}_{item}", dim, "item", float(s)) for rid, s in enumerate(scores)]
    rows += [(rid + 1, "overall", None, "overall", float(s)) for rid, s in enumerate(rating(overall))]
    answers = f.answers(sorted(rows, key=lambda row: row[0]))
    responses = f.responses([(rid, "completed") for rid in range(1, n + 1)])
    return answers, responses


def _report(keep: bool, lang: str = "zh") -> Report:
    answers, responses = _history()
    settings = ReportSettings(
        charts=False,
        lang=lang,
        weight_method="relative",
        keep_insignificant_drivers=keep,  # type: ignore[arg-type]
    )
    return build_report(answers, responses, f.complaints([]), NOW, "week", settings)


def test_an_insignificant_driver_is_shown_and_gets_no_weight() -> None:
    report = _report(keep=False)
    drivers = report.drivers.set_index("dimension")
    assert not drivers.loc["comfort", "significant"] and drivers.loc["comfort", "p_value"] >= 0.05
    assert drivers.loc[["functionality", "safety", "responsiveness"], "significant"].all()
    weights = report.weights.set_index("dimension")
    assert weights.loc["comfort", ["regression", "relative", "used"]].tolist() == [0, 0, 0]
    assert abs(weights["relative"].sum() - 1) < 1e-9
    text = report.to_text()
    assert "驱动因素回归（总体满意度对各维度得分）：R² = " in text
    assert "不显著（p ≥ 0.05）的驱动因素不参与回归和相对重要性权重：舒适性" in text
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "标准化系数β" in line)
    assert lines[start].split() == ["维度", "标准化系数β", "p值", "显著(p<0.05)", "回归权重"]
    table = {line.split()[0]: line for line in lines[start + 2 : start + 6]}
    assert "✓" in table["功能性"] and "<0.001" in table["功能性"]
    assert "✓" not in table["舒适性"] and table["舒适性"].split()[-1] == "0.000"


def test_the_operator_can_keep_insignificant_drivers() -> None:
    report = _report(keep=True, lang="en")
    weights = report.weights.set_index("dimension")
    assert weights.loc["comfort", "relative"] > 0
    assert "are kept in the weights as configured: Comfort" in report.to_text()
