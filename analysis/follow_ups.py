"""The closed loop after low ratings (好差评) in figures: recovery (low ratings followed up on time),
fixes on time, overdue cases, the change on re-rating, and the reasons customers picked.

Takes the ``follow_ups`` and ``reasons`` frames of :mod:`analysis.frames`. Cases are taken as they
stood at ``now``: a revisit, fix or re-rating after ``now`` has not happened yet.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from dialogs.terms import CAUSES

OPEN_STATUSES: Final = ("received", "in_progress")
REASON_CATEGORIES: Final = CAUSES  # the four shortfall categories a reason stands for
SUMMARY_COLUMNS: Final = (
    "cases",
    "revisit_judged",
    "revisited_on_time",
    "recovery_rate",
    "fix_judged",
    "fixed_on_time",
    "fix_on_time_rate",
    "overdue_open",
    "rerated",
    "rating_before_mean",
    "rerating_mean",
    "rerating_change",
    "improved_share",
)


def as_of(cases: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Cases as they stood at ``now``: later revisits, fixes and re-ratings have not happened."""
    first = cases["first_response_at"].where(cases["first_response_at"] <= now)
    fixed = cases["fixed_at"].where(cases["fixed_at"] <= now)
    rerated = cases["rerated_at"] <= now
    status = np.where(fixed.notna(), cases["status"], np.where(first.notna(), "in_progress", "received"))
    return cases.assign(
        first_response_at=first,
        fixed_at=fixed,
        rerating=cases["rerating"].where(rerated),
        rerated_at=cases["rerated_at"].where(rerated),
        status=pd.Series(status, index=cases.index, dtype="str"),
    )


def recovery(cases: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """One row of closed-loop figures for ``cases`` (filter them to a period first).

    - recovery_rate: of the cases whose revisit was made or is due by ``now``, the share revisited
      (first staff response) by the revisit deadline — the low ratings followed up on time;
    - fix_on_time_rate: the same for the fix (resolved or closed) and its deadline;
    - overdue_open: open cases past a deadline not met;
    - rerating_change: mean of re-rating minus the low rating, over the cases re-rated;
      improved_share: the share of those whose re-rating is higher.
    """
    cases = as_of(cases, now)
    revisited = cases["first_response_at"].notna()
    revisit_judged = revisited | (cases["revisit_due_at"] <= now)
    revisited_on_time = revisited & (cases["first_response_at"] <= cases["revisit_due_at"])
    fixed = cases["fixed_at"].notna()
    fix_judged = fixed | (cases["fix_due_at"] <= now)
    fixed_on_time = fixed & (cases["fixed_at"] <= cases["fix_due_at"])
    late_revisit = ~revisited & (cases["revisit_due_at"] < now)
    late_fix = cases["fix_due_at"] < now
    overdue = cases["status"].isin(OPEN_STATUSES) & (late_revisit | late_fix)
    rerated = cases[cases["rerating"].notna()]
    change = rerated["rerating"] - rerated["rating_before"]
    row = {
        "cases": len(cases),
        "revisit_judged": int(revisit_judged.sum()),
        "revisited_on_time": int(revisited_on_time.sum()),
        "recovery_rate": _share(int(revisited_on_time.sum()), int(revisit_judged.sum())),
        "fix_judged": int(fix_judged.sum()),
        "fixed_on_time": int(fixed_on_time.sum()),
        "fix_on_time_rate": _share(int(fixed_on_time.sum()), int(fix_judged.sum())),
        "overdue_open": int(overdue.sum()),
        "rerated": len(rerated),
        "rating_before_mean": _mean(rerated["rating_before"]),
        "rerating_mean": _mean(rerated["rerating"]),
        "rerating_change": _mean(change),
        "improved_share": _share(int((change > 0).sum()), len(rerated)),
    }
    return pd.DataFrame([row], columns=list(SUMMARY_COLUMNS))


def overdue_cases(cases: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Open cases past their revisit or fix deadline, oldest first: ticket, what is late, hours late."""
    cases = as_of(cases, now)
    open_cases = cases[cases["status"].isin(OPEN_STATUSES)]
    revisit_late = open_cases["first_response_at"].isna() & (open_cases["revisit_due_at"] < now)
    fix_late = open_cases["fix_due_at"] < now
    late = open_cases[revisit_late | fix_late]
    due = late["fix_due_at"].where(fix_late[late.index], late["revisit_due_at"])
    table = pd.DataFrame(
        {
            "ticket_no": late["ticket_no"],
            "late": np.where(fix_late[late.index], "fix", "revisit"),
            "due_at": due,
            "overdue_hours": (now - due).dt.total_seconds() / 3600,
        }
    )
    return table.sort_values("due_at", kind="stable").reset_index(drop=True)


def reason_counts(reasons: pd.DataFrame) -> pd.DataFrame:
    """Per shortfall category: reasons picked, their share of all picks, and the responses picking it."""
    counts = reasons.groupby("category")["reason"].size().reindex(REASON_CATEGORIES, fill_value=0)
    responses = reasons.groupby("category")["response_id"].nunique().reindex(REASON_CATEGORIES, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "category": list(REASON_CATEGORIES),
            "picks": counts.to_numpy().astype("int64"),
            "share": counts.to_numpy() / total if total else np.nan,
            "responses": responses.to_numpy().astype("int64"),
        }
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")
