"""Closed-loop figures on a hand-computed set of follow-up cases."""

from __future__ import annotations

import math

import pandas as pd

from analysis.follow_ups import overdue_cases, reason_counts, recovery
from analysis.frames import conform, empty_frame

NOW = pd.Timestamp("2026-12-10 12:00", tz="UTC")


def ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def cases(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """(id, status, rating, revisit due, revisited, fix due, fixed, rerating, rerated at)."""
    frame = pd.DataFrame(
        [
            {
                "case_id": case_id,
                "ticket_no": f"TJ-{case_id:06d}",
                "respondent_id": case_id,
                "created_at": ts("2026-12-07 02:00"),
                "category": "personnel",
                "status": status,
                "rating_before": float(rating),
                "revisit_due_at": ts(revisit_due),
                "fix_due_at": ts(fix_due),
                "first_response_at": ts(revisited),
                "fixed_at": ts(fixed),
                "rerating": math.nan if rerating is None else float(rerating),
                "rerated_at": ts(rerated_at),
            }
            for case_id, status, rating, revisit_due, revisited, fix_due, fixed, rerating, rerated_at in rows
        ]
    )
    return conform(frame, "follow_ups")


CASES = cases(
    [
        # revisited and fixed in time, re-rated 2 → 4
        (1, "closed", 2, "2026-12-08 16:00", "2026-12-08 02:00", "2026-12-20 16:00", "2026-12-09 03:00", 4,
         "2026-12-09 05:00"),
        # revisited a day late; the fix is not due yet
        (2, "in_progress", 1, "2026-12-08 16:00", "2026-12-09 01:00", "2026-12-28 16:00", None, None, None),
        # never revisited, past the revisit deadline: overdue
        (3, "received", 2, "2026-12-09 16:00", None, "2026-12-29 16:00", None, None, None),
        # the revisit is not due yet: not judged
        (4, "received", 2, "2026-12-11 16:00", None, "2026-12-31 16:00", None, None, None),
        # on time throughout; re-rated only after NOW, so not yet
        (5, "resolved", 1, "2026-12-08 16:00", "2026-12-08 08:00", "2026-12-20 16:00", "2026-12-09 08:00", 1,
         "2026-12-11 01:00"),
        # revisited and fixed after NOW: as it stood at NOW, late for the revisit and open
        (6, "closed", 2, "2026-12-09 16:00", "2026-12-10 13:00", "2026-12-29 16:00", "2026-12-10 14:00", 3,
         "2026-12-10 15:00"),
    ]
)  # fmt: skip


def test_recovery_counts_revisits_and_fixes_on_time_among_those_due_and_the_change_on_re_rating() -> None:
    row = recovery(CASES, NOW).iloc[0]
    assert row["cases"] == 6
    # revisits made or due: 1, 2, 3, 5, 6; on time: 1 and 5
    assert (row["revisit_judged"], row["revisited_on_time"]) == (5, 2)
    assert row["recovery_rate"] == 2 / 5
    # fixes made or due by NOW: 1 and 5, both on time
    assert (row["fix_judged"], row["fixed_on_time"], row["fix_on_time_rate"]) == (2, 2, 1.0)
    assert row["overdue_open"] == 2  # cases 3 and 6
    assert (row["rerated"], row["rating_before_mean"], row["rerating_mean"]) == (1, 2.0, 4.0)
    assert (row["rerating_change"], row["improved_share"]) == (2.0, 1.0)


def test_the_overdue_list_says_which_step_is_late_and_by_how_long() -> None:
    late = overdue_cases(CASES, NOW)
    assert late["ticket_no"].tolist() == ["TJ-000003", "TJ-000006"]
    assert late["late"].tolist() == ["revisit", "revisit"]
    assert late["overdue_hours"].tolist() == [20.0, 20.0]


def test_no_cases_give_counts_of_zero_and_no_rates() -> None:
    row = recovery(empty_frame("follow_ups"), NOW).iloc[0]
    assert (row["cases"], row["revisit_judged"], row["overdue_open"], row["rerated"]) == (0, 0, 0, 0)
    assert math.isnan(row["recovery_rate"]) and math.isnan(row["rerating_change"])


def test_reasons_are_counted_per_shortfall_category() -> None:
    picks = conform(
        pd.DataFrame(
            {
                "response_id": [10, 10, 11, 12],
                "reason": [1, 7, 2, 8],
                "category": ["personnel", "resources", "personnel", "resources"],
                "picked_at": [NOW] * 4,
            }
        ),
        "reasons",
    )
    table = reason_counts(picks)
    assert table["category"].tolist() == ["personnel", "process", "technology", "resources"]
    assert table["picks"].tolist() == [2, 0, 0, 2]
    assert table["share"].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert table["responses"].tolist() == [2, 0, 0, 2]
