"""Callback data carried by inline buttons (aiogram CallbackData factories, ≤ 64 bytes each)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SurveyCb(CallbackData, prefix="sv"):
    """A survey button: answer/back/skip for question `q` of response `r`.

    Carrying the response and question lets a press on an old keyboard be recognised and ignored.
    """

    action: str  # "a" answer, "b" back, "s" skip
    r: int
    q: str
    v: int = 0


class MenuCb(CallbackData, prefix="m"):
    """A main-menu or resume/restart button."""

    action: str  # survey | resume | restart | complain | tickets | language
    r: int = 0  # the response a resume/restart button was offered for, so a second press is recognised


class LanguageCb(CallbackData, prefix="lang"):
    """A language choice."""

    code: str
