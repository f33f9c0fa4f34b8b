"""Typed access to Bot API call parameters, whether they came as form fields or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Call parameters. Form fields arrive as strings (JSON for nested values); JSON bodies are typed."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def has(self, name: str) -> bool:
        """Whether the parameter (or a file part of that name) was given."""
        return name in self.values or name in self.files

    def get_str(self, name: str, default: str | None = None) -> str | None:
        """String parameter."""
        value = self.values.get(name)
        return default if value is None else str(value)

    def required_str(self, name: str) -> str:
        """String parameter that must be present."""
        value = self.get_str(name)
        if value is None:
            raise bad_request(f"parameter {name} is required")
        return value

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """Integer parameter ('123' or 123)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def required_int(self, name: str) -> int:
        """Integer parameter that must be present (chat_id, message_id)."""
        value = self.get_int(name)
        if value is None:
            raise bad_request("chat not found" if name == "chat_id" else f"{name} is required")
        return value

    def get_bool(self, name: str, default: bool = False) -> bool:
        """Boolean parameter ('true'/'false' or a JSON bool)."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def get_json(self, name: str) -> Any:
        """Nested object parameter (reply_markup, commands, scope): JSON string or already parsed."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise bad_request(f"can't parse {name} JSON object") from exc

    def get_file(self, name: str) -> UploadedFile | str | None:
        """An InputFile parameter: the uploaded part (direct or via attach://) or a file_id/URL string."""
        if name in self.files:
            return self.files[name]
        value = self.get_str(name)
        if value and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key not in self.files:
                raise bad_request(f"file {key} not found in the request")
            return self.files[key]
        return value

    def loggable(self) -> dict[str, Any]:
        """Parameters for the call log: nested JSON decoded, file parts summarised."""
        logged: dict[str, Any] = {}
        for key, value in self.values.items():
            logged[key] = _maybe_json(value)
        for key, upload in self.files.items():
            logged[key] = {"filename": upload.filename, "size": len(upload.data)}
        return logged


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value
