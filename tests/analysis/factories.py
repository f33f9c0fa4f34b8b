"""Small hand-made frames for analysis tests."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.frames import conform

BASE = pd.Timestamp("2025-03-03T02:00:00Z")  # Monday 10:00 in Asia/Shanghai


def answers(rows: Iterable[tuple[int, str, str | None, str, float]], at: pd.Timestamp = BASE) -> pd.DataFrame:
    """Answers from (response_id, question_key, dimension, role, score); one minute per response."""
    frame = pd.DataFrame(list(rows), columns=["response_id", "question_key", "dimension", "role", "score"])
    frame["respondent_id"] = frame["response_id"]
    frame["survey_version_id"] = 1
    seconds = frame.groupby("response_id").cumcount() * 10
    frame["answered_at"] = at + pd.to_timedelta(frame["response_id"] * 60 + seconds, unit="s")
    return conform(frame, "answers")


def items(scores: dict[int, dict[str, list[float]]], at: pd.Timestamp = BASE) -> pd.DataFrame:
    """Item answers from {response_id: {dimension: [scores...]}}; keys are '<dimension>_<i>'."""
    rows = [
        (rid, f"{dim}_{i}", dim, "item", score)
        for rid, dims in scores.items()
        for dim, values in dims.items()
        for i, score in enumerate(values, start=1)
    ]
    return answers(rows, at)


def responses(rows: Iterable[tuple[int, str]], at: pd.Timestamp = BASE) -> pd.DataFrame:
    """Responses from (response_id, status); completed ones finish five minutes after starting."""
    frame = pd.DataFrame(list(rows), columns=["response_id", "status"])
    frame["respondent_id"] = frame["response_id"]
    frame["survey_version_id"] = 1
    frame["started_at"] = at + pd.to_timedelta(frame["response_id"] * 60, unit="s")
    done = frame["status"] == "completed"
    frame["completed_at"] = (frame["started_at"] + pd.Timedelta(minutes=5)).where(done)
    frame["channel"] = "telegram"
    return conform(frame, "responses")


ComplaintRow = tuple[
    int, str, str | None, str, str, float, float | None, float | None, float | None, list[str]
]


def complaints(rows: list[ComplaintRow], at: pd.Timestamp = BASE) -> pd.DataFrame:
    """Complaints from (id, category, dimension, severity, status, created_h, first_h, resolved_h,
    rating, keywords); the *_h values are hours after ``at`` (None → NaT/NaN)."""
    columns = [
        "complaint_id",
        "category",
        "dimension",
        "severity",
        "status",
        "created_h",
        "first_h",
        "resolved_h",
    ]
    frame = pd.DataFrame([r[:8] for r in rows], columns=columns)
    frame["resolution_rating"] = [r[8] for r in rows] if len(frame) else []
    frame["keywords"] = pd.Series([r[9] for r in rows] if len(frame) else [], dtype=object)
    for name, col in (
        ("created_at", "created_h"),
        ("first_response_at", "first_h"),
        ("resolved_at", "resolved_h"),
    ):
        frame[name] = at + pd.to_timedelta(frame[col].astype(float), unit="h")
    frame["ticket_no"] = "TJ-" + frame["complaint_id"].astype(str).str.zfill(6)
    frame["respondent_id"] = frame["complaint_id"]
    frame["category_auto"] = frame["category"]
    frame["text"] = ""
    return conform(frame, "complaints")
