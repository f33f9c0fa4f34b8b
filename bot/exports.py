"""The period's responses, answers and complaints as files for admins (no customer personal data)."""

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


def tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The exported tables: responses, answers, complaints (timestamps without time zone for Excel)."""
    complaints = frames.complaints.reindex(columns=COMPLAINT_COLUMNS).copy()
    complaints["keywords"] = complaints["keywords"].map(
        lambda words: " ".join(words) if isinstance(words, list) else ""
    )
    result = {
        "responses": frames.responses.copy(),
        "answers": frames.answers.copy(),
        "complaints": complaints,
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
