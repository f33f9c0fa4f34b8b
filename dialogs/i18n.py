"""Customer-facing texts in Chinese (default) and English.

Texts live in dialogs/locales/<lang>/*.yaml (one file per area: common, complaint, …).
aiogram's i18n middleware is not used here because
dialogs/ must stay channel-free (no aiogram) and a YAML catalog needs no gettext compile step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, cast

import yaml

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"


@cache
def catalog(language: Language) -> dict[str, str]:
    """All texts of one language, keyed by message key."""
    texts: dict[str, str] = {}
    for source in sorted((Path(__file__).parent / "locales" / language).glob("*.yaml")):
        loaded = cast(dict[str, str], yaml.safe_load(source.read_text(encoding="utf-8")) or {})
        duplicated = texts.keys() & loaded.keys()
        if duplicated:
            raise ValueError(f"{source}: keys defined twice: {sorted(duplicated)}")
        texts.update(loaded)
    return texts


def t(language: Language, key: str, **values: object) -> str:
    """The text for `key` in `language`, with {placeholders} filled in."""
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text


def language_from_code(code: str | None, default: Language = DEFAULT_LANGUAGE) -> Language:
    """Map a Telegram language_code (zh-hans, en-US, …) to a supported language."""
    if code:
        prefix = code.lower().split("-")[0]
        if prefix in LANGUAGES:
            return prefix
    return default


def language_of(value: str | None, default: Language = DEFAULT_LANGUAGE) -> Language:
    """A stored language setting as a Language (the default for anything unknown)."""
    return value if value in LANGUAGES else default


def parse_language(value: str) -> Language:
    """Validate a language setting; raises ValueError naming the choices."""
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {value!r}")
    return value
