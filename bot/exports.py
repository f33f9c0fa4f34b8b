"""The period's responses, answers, complaints, follow-up cases and reasons as files for admins
(no customer personal data)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from storage.analytics import Frames

# Complaint text is kept (it is what admins act on); phone numbers and names never reach the frames.
COMPLAINT_COLUMNS = [
    "ticket_no",
    "created_at",
    "category_auto",
    "category",
    "dimension",
    "severity",
    "status",
    "first_response_at",
    "resolved_at",
    "resolution_rating",
    "text",
    "keywords",
]
# A follow-up case (好差评) as the complaints table shows a ticket: its number, the low rating that
# opened it, its working-day deadlines, when it was revisited and fixed, and the re-rating. The
# case's text is the survey comment, already in the answers table, so it is not repeated.
FOLLOW_UP_COLUMNS = [
    "ticket_no",
    "created_at",
    "category",
    "status",
    "rating_before",
    "revisit_due_at",
    "first_response_at",
    "fix_due_at",
    "fixed_at",
    "rerating",
    "rerated_at",
]
# Reasons link to the responses table by response_id, as answers do.
REASON_COLUMNS = ["response_id", "reason", "category", "picked_at"]


def tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The exported tables: responses, answers, complaints, follow_ups (cases opened in the period
    and older ones still open) and reasons (timestamps without time zone for Excel)."""
    complaints = frames.complaints.reindex(columns=COMPLAINT_COLUMNS).copy()
    complaints["keywords"] = complaints["keywords"].map(
        lambda words: " ".join(words) if isinstance(words, list) else ""
    )
    follow_ups = frames.follow_ups.reindex(columns=FOLLOW_UP_COLUMNS).sort_values("ticket_no", kind="stable")
    reasons = frames.reasons.reindex(columns=REASON_COLUMNS).sort_values(
        ["response_id", "reason"], kind="stable"
    )
    for column in ("rating_before", "rerating"):  # whole stars, blank until given
        follow_ups[column] = follow_ups[column].round().astype("Int64")
    result = {
        "responses": frames.responses.copy(),
        "answers": frames.answers.copy(),
        "complaints": complaints,
        "follow_ups": follow_ups.reset_index(drop=True),
        "reasons": reasons.reset_index(drop=True),
    }
    for frame in result.values():
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return result


def to_xlsx(frames: Frames) -> bytes:
    """One workbook, one sheet per table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables(frames).items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def to_csv_zip(frames: Frames) -> bytes:
    """A zip of one UTF-8 CSV per table (with BOM, so Excel shows Chinese correctly)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables(frames).items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False).encode("utf-8-sig"))
    return buffer.getvalue()
