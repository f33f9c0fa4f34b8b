"""The report's closed-loop tables: follow-up cases this period and last (recovery, fixes, re-rating),
the cases overdue now, and the reasons picked after low ratings (which also join the complaint
category table)."""

from __future__ import annotations

import pandas as pd

from analysis.follow_ups import overdue_cases, reason_counts, recovery
from analysis.frames import empty_frame
from analysis.periods import PeriodBounds
from analysis.report_labels import t


def follow_up_tables(
    follow_ups: pd.DataFrame | None,
    reasons: pd.DataFrame | None,
    current: PeriodBounds,
    previous: PeriodBounds,
    now: pd.Timestamp,
    lang: str,
    notes: dict[str, list[str]],
) -> dict[str, pd.DataFrame]:
    """The follow-up summary (current and previous period), overdue cases and reasons by category."""
    cases = empty_frame("follow_ups") if follow_ups is None else follow_ups
    picks = empty_frame("reasons") if reasons is None else reasons
    cases = cases[cases["created_at"] <= now]
    summary = pd.concat(
        [
            recovery(cases[current.contains(cases["created_at"])], now).assign(which="current"),
            recovery(cases[previous.contains(cases["created_at"])], now).assign(which="previous"),
        ],
        ignore_index=True,
    )
    overdue = overdue_cases(cases, now)
    by_category = reason_counts(picks[current.contains(picks["picked_at"]) & (picks["picked_at"] <= now)])
    section = notes.setdefault("follow_ups", [])
    section += [t("n_follow_ups", lang), t("n_reasons", lang), t("n_overdue_cases", lang, n=len(overdue))]
    return {"summary": summary, "overdue": overdue, "reasons": by_category}


def with_reason_picks(by_category: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """The complaint category table with the reasons picked after low ratings beside the complaints
    (categories only picked appear with no complaints)."""
    picked = reasons.loc[reasons["picks"] > 0, ["category", "picks"]].rename(
        columns={"picks": "reason_picks"}
    )
    table = by_category.merge(picked, on="category", how="outer", sort=False)
    table["complaints"] = table["complaints"].fillna(0).astype("int64")
    table["reason_picks"] = table["reason_picks"].fillna(0).astype("int64")
    return table.sort_values(
        ["complaints", "reason_picks"], ascending=False, kind="stable", ignore_index=True
    )
