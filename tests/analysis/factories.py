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
