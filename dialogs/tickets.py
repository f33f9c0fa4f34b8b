"""Ticket rules shared by the bot and storage: status changes, SLA due times and breaches, ticket numbers.

Pure functions over plain values, so the rules are testable without a database and the same
rules decide in the bot's handlers and in the breach report.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, get_args

Status = Literal["received", "in_progress", "resolved", "reopened", "closed"]
Action = Literal["acknowledge", "start", "resolve", "reopen", "close"]
BreachKind = Literal["first_response", "resolution"]

STATUSES: Final[tuple[Status, ...]] = get_args(Status)
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)
BREACH_KINDS: Final[tuple[BreachKind, ...]] = get_args(BreachKind)
# "reopened" is worked like "in_progress": it is open, and staff can resolve or close it.
OPEN_STATUSES: Final[frozenset[Status]] = frozenset({"received", "in_progress", "reopened"})
DEFAULT_REOPEN_WINDOW: Final = timedelta(days=7)

# Staff moves: (from, action) → to. Closing an open ticket is for duplicates and spam; reopening a
# closed one lets an admin undo a mistaken close.
_STAFF_MOVES: Final[Mapping[tuple[Status, Action], Status]] = MappingProxyType(
    {
        ("received", "acknowledge"): "in_progress",
        ("received", "start"): "in_progress",
        ("reopened", "acknowledge"): "in_progress",
        ("reopened", "start"): "in_progress",
        ("received", "resolve"): "resolved",
        ("in_progress", "resolve"): "resolved",
        ("reopened", "resolve"): "resolved",
        ("resolved", "reopen"): "reopened",
        ("closed", "reopen"): "reopened",
        ("received", "close"): "closed",
        ("in_progress", "close"): "closed",
        ("reopened", "close"): "closed",
        ("resolved", "close"): "closed",
    }
)
# The customer may only reopen a resolved ticket (within the window) or close it as settled.
_CUSTOMER_MOVES: Final[Mapping[tuple[Status, Action], Status]] = MappingProxyType(
    {("resolved", "reopen"): "reopened", ("resolved", "close"): "closed"}
)


class TransitionError(Exception):
    """A status change that is not allowed; `key` is the message key to show, `values` its placeholders."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(f"{key} {values}" if values else key)
        self.key = key
        self.values = values


def staff_actions(status: str) -> list[Action]:
    """The status changes an admin may make on a ticket in ``status``, in button order.

    "start" is left out: from every status where it is allowed it does what "acknowledge" does.
    """
    return [a for a in ACTIONS if a != "start" and (status, a) in _STAFF_MOVES]


def is_open(status: str) -> bool:
    """True while staff still has to act on the ticket."""
    return status in OPEN_STATUSES


def transition(
    current: Status,
    action: Action,
    actor_is_admin: bool,
    now: datetime,
    resolved_at: datetime | None,
    reopen_window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> Status:
    """The status after `action`; raises TransitionError (with a message key) when it is not allowed."""
    if current not in STATUSES or action not in ACTIONS:
        raise ValueError(f"unknown status {current!r} or action {action!r}")
    if actor_is_admin:
        target = _STAFF_MOVES.get((current, action))
    else:
        target = _CUSTOMER_MOVES.get((current, action))
        if target is None and (current, action) in _STAFF_MOVES:
            raise TransitionError("ticket_staff_only")
    if target is None:
        raise TransitionError("ticket_action_not_allowed", status=current, action=action)
    if action == "reopen" and not actor_is_admin:
        if resolved_at is None:
            raise ValueError("resolved_at is needed to check the reopen window")
        if now - resolved_at > reopen_window:
            raise TransitionError("ticket_reopen_window_passed", days=str(reopen_window.days))
    return target


# ---- SLA ----------------------------------------------------------------------------------------
class Sla(NamedTuple):
    """How soon a ticket of one severity must get its first response and its resolution.

    A NamedTuple so that a table of them is also storage's (first, resolution) tuple table.
    """

    first_response: timedelta
    resolution: timedelta


DEFAULT_SLAS: Final[Mapping[str, Sla]] = MappingProxyType(
    {
        "high": Sla(timedelta(hours=1), timedelta(hours=24)),
        "medium": Sla(timedelta(hours=4), timedelta(hours=72)),
        "low": Sla(timedelta(hours=24), timedelta(hours=168)),
    }
)


@dataclass(frozen=True)
class DueTimes:
    """When a ticket's first response and resolution are due."""

    first_response: datetime
    resolution: datetime

    def of(self, kind: BreachKind) -> datetime:
        """The due time of one kind."""
        return self.first_response if kind == "first_response" else self.resolution


@dataclass(frozen=True)
class SlaTicket:
    """What the SLA rules need to know about a ticket.

    `due` overrides the severity's SLA: a follow-up case carries its own working-day deadlines
    (revisit = first response, fix = resolution).
    """

    id: int
    severity: str
    status: str
    created_at: datetime
    first_response_at: datetime | None = None
    due: DueTimes | None = None

    def due_times(self, slas: Mapping[str, Sla] = DEFAULT_SLAS) -> DueTimes:
        """The ticket's own deadlines, else its severity's."""
        return self.due or due_times(self.created_at, self.severity, slas)


@dataclass(frozen=True)
class Breach:
    """A ticket past one of its due times."""

    ticket: SlaTicket
    kind: BreachKind
    due: datetime

    @property
    def pair(self) -> tuple[int, BreachKind]:
        """(ticket id, kind): what the once-only bookkeeping stores."""
        return (self.ticket.id, self.kind)


def due_times(created_at: datetime, severity: str, slas: Mapping[str, Sla] = DEFAULT_SLAS) -> DueTimes:
    """The due times of a ticket created at `created_at` with `severity`."""
    sla = slas[severity]
    return DueTimes(created_at + sla.first_response, created_at + sla.resolution)


def promised_hours(severity: str, slas: Mapping[str, Sla] = DEFAULT_SLAS) -> int:
    """The first-response promise in whole hours (rounded up), for the customer's confirmation."""
    return max(1, math.ceil(slas[severity].first_response / timedelta(hours=1)))


def is_overdue(
    ticket: SlaTicket, kind: BreachKind, now: datetime, slas: Mapping[str, Sla] = DEFAULT_SLAS
) -> bool:
    """True when the clock of `kind` still runs and its due time has passed.

    Both clocks stop when the ticket is no longer open; the first-response clock also stops at the
    first staff response. This matches storage's overdue query.
    """
    if not is_open(ticket.status):
        return False
    if kind == "first_response" and ticket.first_response_at is not None:
        return False
    return now > ticket.due_times(slas).of(kind)


def breaches(
    tickets: Iterable[SlaTicket],
    now: datetime,
    reported: Collection[tuple[int, str]] = frozenset(),
    slas: Mapping[str, Sla] = DEFAULT_SLAS,
) -> list[Breach]:
    """The overdue (ticket, kind) pairs not reported before, so each breach is reported once."""
    found: list[Breach] = []
    for ticket in tickets:
        due = ticket.due_times(slas)
        for kind in BREACH_KINDS:
            if (ticket.id, kind) not in reported and is_overdue(ticket, kind, now, slas):
                found.append(Breach(ticket, kind, due.of(kind)))
    return found


# ---- ticket numbers -----------------------------------------------------------------------------
TICKET_PREFIX: Final = "TJ"
# "TJ-000123", "tj123", "#123", "123"; NFKC first so full-width input from a Chinese IME works.
_TICKET_PATTERN: Final = re.compile(rf"(?:{TICKET_PREFIX})?\s*[-#]?\s*(\d{{1,12}})", re.IGNORECASE)


def ticket_number(ticket_id: int) -> str:
    """The customer-facing number of a ticket: 123 → 'TJ-000123'."""
    if ticket_id <= 0:
        raise ValueError(f"ticket ids are positive, not {ticket_id}")
    return f"{TICKET_PREFIX}-{ticket_id:06d}"


def parse_ticket_number(text: str) -> int | None:
    """The ticket id in 'TJ-000123', 'tj123' or '123'; None when it is not a ticket number."""
    match = _TICKET_PATTERN.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None
