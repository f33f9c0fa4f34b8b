"""Frame contracts shared by storage (producer) and analysis (consumer).

Every analysis function takes one of the frames below. Storage builds them with exactly
these columns and dtypes; :func:`empty_frame` builds a zero-row frame of the right shape so that
"no data" flows through the same code paths as real data.

answers — one row per answer:
    response_id:int64, respondent_id:int64, survey_version_id:int64, question_key:str,
    dimension:str|missing (one of DIMENSIONS), role:str (one of ROLES),
    score:float64 (NaN for text), answered_at:datetime64[ns, UTC]

    role meanings: 'item' = rating 1–5 of ``dimension``; 'importance' = stated importance 1–5
    of ``dimension``; 'overall' = overall satisfaction 1–5; 'nps' = likelihood to recommend
    0–10; 'comment' = free text (score NaN); 'choice' = single/multiple choice code;
    'expectation' = SERVQUAL expectation of ``dimension`` on its perception item's scale;
    'kano_func' / 'kano_dysf' = Kano answer code 1–5 (see :mod:`analysis.kano`). Which
    questions pair up is part of the survey definition, not of this frame: see
    :class:`analysis.report_settings.SurveyDesign`.

responses — one row per survey attempt:
    response_id:int64, respondent_id:int64, survey_version_id:int64,
    status:str ('started'|'completed'|'abandoned'), started_at:datetime64[ns, UTC],
    completed_at:datetime64[ns, UTC] (NaT unless completed), channel:str

complaints — one row per complaint ticket:
    complaint_id:int64, ticket_no:str ('TJ-000123'), respondent_id:int64,
    created_at:datetime64[ns, UTC], category_auto:str, category:str (one of CATEGORIES),
    dimension:str|missing, severity:str (one of SEVERITIES), status:str (one of
    TICKET_STATUSES), first_response_at / resolved_at:datetime64[ns, UTC] (NaT if not yet),
    resolution_rating:float64 (NaN if not rated, 1–5), text:str, keywords:object (list[str])

follow_ups — one row per follow-up case a low rating opened (好差评):
    case_id:int64, ticket_no:str, respondent_id:int64, created_at:datetime64[ns, UTC], category:str,
    status:str (one of TICKET_STATUSES), rating_before:float64 (the low rating, 1–5),
    revisit_due_at / fix_due_at:datetime64[ns, UTC] (working-day deadlines),
    first_response_at (the revisit) / fixed_at (resolved or closed):datetime64[ns, UTC] (NaT if not yet),
    rerating:float64 (NaN until re-rated, 1–5), rerated_at:datetime64[ns, UTC]

reasons — one row per reason a customer picked after a low rating:
    response_id:int64, reason:int64 (the option's value), category:str (one of the four shortfall
    categories), picked_at:datetime64[ns, UTC]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import pandas as pd

ROLES: Final = (
    "item",
    "importance",
    "overall",
    "nps",
    "comment",
    "choice",
    "expectation",
    "kano_func",
    "kano_dysf",
)
RESPONSE_STATUSES: Final = ("started", "completed", "abandoned")
TICKET_STATUSES: Final = ("received", "in_progress", "resolved", "closed")
RESOLVED_STATUSES: Final = ("resolved", "closed")

UTC_TS: Final = "datetime64[ns, UTC]"
STR: Final = "str"

ANSWERS_COLUMNS: Final[Mapping[str, str]] = {
    "response_id": "int64",
    "respondent_id": "int64",
    "survey_version_id": "int64",
    "question_key": STR,
    "dimension": STR,
    "role": STR,
    "score": "float64",
    "answered_at": UTC_TS,
}
RESPONSES_COLUMNS: Final[Mapping[str, str]] = {
    "response_id": "int64",
    "respondent_id": "int64",
    "survey_version_id": "int64",
    "status": STR,
    "started_at": UTC_TS,
    "completed_at": UTC_TS,
    "channel": STR,
}
COMPLAINTS_COLUMNS: Final[Mapping[str, str]] = {
    "complaint_id": "int64",
    "ticket_no": STR,
    "respondent_id": "int64",
    "created_at": UTC_TS,
    "category_auto": STR,
    "category": STR,
    "dimension": STR,
    "severity": STR,
    "status": STR,
    "first_response_at": UTC_TS,
    "resolved_at": UTC_TS,
    "resolution_rating": "float64",
    "text": STR,
    "keywords": "object",
}

FOLLOW_UPS_COLUMNS: Final[Mapping[str, str]] = {
    "case_id": "int64",
    "ticket_no": STR,
    "respondent_id": "int64",
    "created_at": UTC_TS,
    "category": STR,
    "status": STR,
    "rating_before": "float64",
    "revisit_due_at": UTC_TS,
    "fix_due_at": UTC_TS,
    "first_response_at": UTC_TS,
    "fixed_at": UTC_TS,
    "rerating": "float64",
    "rerated_at": UTC_TS,
}
REASONS_COLUMNS: Final[Mapping[str, str]] = {
    "response_id": "int64",
    "reason": "int64",
    "category": STR,
    "picked_at": UTC_TS,
}

FrameKind = Literal["answers", "responses", "complaints", "follow_ups", "reasons"]
FRAME_COLUMNS: Final[Mapping[str, Mapping[str, str]]] = {
    "answers": ANSWERS_COLUMNS,
    "responses": RESPONSES_COLUMNS,
    "complaints": COMPLAINTS_COLUMNS,
    "follow_ups": FOLLOW_UPS_COLUMNS,
    "reasons": REASONS_COLUMNS,
}


def empty_frame(kind: FrameKind) -> pd.DataFrame:
    """Return a zero-row frame with the contract's columns and dtypes."""
    columns = FRAME_COLUMNS[kind]
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def conform(frame: pd.DataFrame, kind: FrameKind) -> pd.DataFrame:
    """Return ``frame`` with the contract's column order and dtypes; raise on missing columns."""
    require_columns(frame, FRAME_COLUMNS[kind], kind)
    columns = FRAME_COLUMNS[kind]
    return frame[list(columns)].astype(dict(columns))


def require_columns(frame: pd.DataFrame, columns: Mapping[str, str] | tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the columns of ``what`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns: {', '.join(missing)}")
