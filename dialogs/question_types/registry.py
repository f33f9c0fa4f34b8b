"""The registry of question types, by `kind:` name."""

from __future__ import annotations

import re

from dialogs.question_types.base import QuestionType

DEFAULT_KIND = "rating"  # a question without `kind:` is answered by pressing one option
# A kind is stored in `questions.kind` (VARCHAR(40)): refused here rather than by the database later.
KIND_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TYPES: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> None:
    """Make a question type available under each of its names (lower-case, at most 40 characters)."""
    for name in question_type.names:
        if not KIND_NAME.fullmatch(name):
            raise ValueError(f"a kind is lower-case letters, digits and _, at most 40 characters: {name!r}")
        if _TYPES.get(name, question_type) is not question_type:
            raise ValueError(f"kind {name!r} is already registered by {type(_TYPES[name]).__name__}")
    for name in question_type.names:
        _TYPES[name] = question_type


def unregister(question_type: QuestionType) -> None:
    """Remove a question type (tests that register their own)."""
    for name in question_type.names:
        _TYPES.pop(name, None)


def kinds() -> frozenset[str]:
    """Every registered `kind:` value."""
    return frozenset(_TYPES)


def type_of(kind: str | None) -> QuestionType:
    """The type of a question of this kind (KeyError for one not registered)."""
    return _TYPES[kind or DEFAULT_KIND]
