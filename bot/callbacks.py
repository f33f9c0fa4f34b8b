"""Callback data carried by inline buttons (aiogram CallbackData factories, ≤ 64 bytes each)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class SurveyCb(CallbackData, prefix="sv"):
    """A survey button: answer/back/skip for question `q` of response `r`.

    Carrying the response and question lets a press on an old keyboard be recognised and ignored.
    """

    action: str  # "a" answer (or tick, on a multi-pick question), "b" back, "s" skip, "d" done picking
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


class ComplaintCb(CallbackData, prefix="c"):
    """A complaint-conversation button: value `v` for step `s` of draft `d` (stale drafts are refused)."""

    d: int
    s: str
    v: str


class TicketCb(CallbackData, prefix="t"):
    """An admin's ticket button: view, acknowledge, start, assign, reply, resolve, reopen, close, files."""

    action: str
    id: int
    to: int = 0  # the admin chosen by an "assign" button


class TicketPageCb(CallbackData, prefix="tp"):
    """A page of /tickets with its filter."""

    status: str
    category: str
    overdue: bool
    page: int
    kind: str = ""  # "follow_up", "complaint", or "" for both


class CustomerTicketCb(CallbackData, prefix="ct"):
    """A customer's ticket button: rate the resolution or re-rate the service (v = 1–5), or reopen."""

    action: str  # rate | reopen | rerate (a follow-up case's one re-rating of the service)
    id: int
    v: int = 0


class SubscribeCb(CallbackData, prefix="sub"):
    """An admin's digest frequency choice."""

    frequency: str


class WizardCb(CallbackData, prefix="cw"):
    """A choice in the /campaign set-up."""

    v: str


class CampaignCb(CallbackData, prefix="cmp"):
    """Pause or resume a campaign from /campaigns."""

    action: str  # paused | active
    id: int
