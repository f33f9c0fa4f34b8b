"""Ticket rules: status changes, reopen window, SLA due times, overdue and once-only breaches, numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.i18n import catalog
from dialogs.tickets import (
    ACTIONS,
    DEFAULT_SLAS,
    STATUSES,
    Action,
    Breach,
    Sla,
    SlaTicket,
    Status,
    TransitionError,
    breaches,
    due_times,
    is_overdue,
    parse_ticket_number,
    promised_hours,
    ticket_number,
    transition,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

STAFF_TABLE: dict[tuple[Status, Action], Status] = {
    ("received", "acknowledge"): "in_progress",
    ("received", "start"): "in_progress",
    ("received", "resolve"): "resolved",
    ("received", "close"): "closed",
    ("in_progress", "resolve"): "resolved",
    ("in_progress", "close"): "closed",
    ("reopened", "acknowledge"): "in_progress",
    ("reopened", "start"): "in_progress",
    ("reopened", "resolve"): "resolved",
    ("reopened", "close"): "closed",
    ("resolved", "reopen"): "reopened",
    ("resolved", "close"): "closed",
    ("closed", "reopen"): "reopened",
}
CUSTOMER_TABLE: dict[tuple[Status, Action], Status] = {
    ("resolved", "reopen"): "reopened",
    ("resolved", "close"): "closed",
}


@pytest.mark.parametrize("admin", [True, False], ids=["staff", "customer"])
@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(admin: bool, current: Status, action: Action) -> None:
    # Resolved 1 hour ago for the customer (inside the window), 30 days ago for staff (who may
    # reopen any time).
    resolved_at = NOW - (timedelta(days=30) if admin else timedelta(hours=1))
    expected = (STAFF_TABLE if admin else CUSTOMER_TABLE).get((current, action))
    if expected is not None:
        assert transition(current, action, admin, NOW, resolved_at) == expected
        return
    with pytest.raises(TransitionError) as raised:
        transition(current, action, admin, NOW, resolved_at)
    staff_only = not admin and (current, action) in STAFF_TABLE
    assert raised.value.key == ("ticket_staff_only" if staff_only else "ticket_action_not_allowed")


def test_customer_may_reopen_up_to_the_end_of_the_window_and_not_a_second_later() -> None:
    window = timedelta(days=7)
    assert transition("resolved", "reopen", False, NOW, NOW - window, window) == "reopened"
    with pytest.raises(TransitionError) as raised:
        transition("resolved", "reopen", False, NOW, NOW - window - timedelta(seconds=1), window)
    assert raised.value.key == "ticket_reopen_window_passed"
    assert raised.value.values == {"days": "7"}


def test_a_shorter_reopen_window_is_respected() -> None:
    with pytest.raises(TransitionError):
        transition("resolved", "reopen", False, NOW, NOW - timedelta(days=3), timedelta(days=2))


def test_customer_reopen_without_resolution_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="resolved_at"):
        transition("resolved", "reopen", False, NOW, None)


def test_unknown_status_is_a_programming_error_not_a_customer_message() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        transition("lost", "close", True, NOW, None)  # type: ignore[arg-type]


def test_every_transition_error_key_has_a_text() -> None:
    for key in ("ticket_action_not_allowed", "ticket_staff_only", "ticket_reopen_window_passed"):
        assert key in catalog("zh") and key in catalog("en")
    for status in STATUSES:
        assert f"ticket_status_{status}" in catalog("zh")


@pytest.mark.parametrize(
    ("severity", "first", "resolution"),
    [("high", 1, 24), ("medium", 4, 72), ("low", 24, 168)],
)
def test_default_due_times(severity: str, first: int, resolution: int) -> None:
    due = due_times(NOW, severity)
    assert due.first_response == NOW + timedelta(hours=first)
    assert due.resolution == NOW + timedelta(hours=resolution)
    assert promised_hours(severity) == first


def test_settings_can_replace_the_slas_and_hours_round_up() -> None:
    slas = {"high": Sla(timedelta(minutes=30), timedelta(hours=8))}
    assert due_times(NOW, "high", slas).resolution == NOW + timedelta(hours=8)
    assert promised_hours("high", slas) == 1
    assert promised_hours("medium", {"medium": Sla(timedelta(hours=2, minutes=1), timedelta(days=1))}) == 3


def test_sla_table_doubles_as_storages_tuple_table() -> None:
    first, resolution = DEFAULT_SLAS["medium"]
    assert (first, resolution) == (timedelta(hours=4), timedelta(hours=72))


def ticket(
    ticket_id: int = 1,
    *,
    severity: str = "high",
    status: str = "received",
    age: timedelta = timedelta(0),
    responded: bool = False,
) -> SlaTicket:
    created = NOW - age
    return SlaTicket(
        ticket_id, severity, status, created, created + timedelta(minutes=5) if responded else None
    )


def test_first_response_overdue_only_after_the_due_time_and_until_answered() -> None:
    assert not is_overdue(ticket(age=timedelta(hours=1)), "first_response", NOW)  # exactly due
    assert is_overdue(ticket(age=timedelta(hours=1, seconds=1)), "first_response", NOW)
    assert not is_overdue(ticket(age=timedelta(hours=2), responded=True), "first_response", NOW)


def test_resolution_clock_runs_while_open_including_reopened() -> None:
    late = timedelta(hours=25)
    assert is_overdue(ticket(age=late, status="in_progress", responded=True), "resolution", NOW)
    assert is_overdue(ticket(age=late, status="reopened", responded=True), "resolution", NOW)
    assert not is_overdue(ticket(age=late, status="resolved", responded=True), "resolution", NOW)
    assert not is_overdue(ticket(age=late, status="closed"), "first_response", NOW)


def test_breaches_are_reported_once_per_ticket_and_kind() -> None:
    tickets = [
        ticket(1, age=timedelta(hours=30)),  # both kinds
        ticket(2, severity="low", age=timedelta(hours=30)),  # first response only
        ticket(3, severity="medium", age=timedelta(hours=2)),  # nothing yet
        ticket(4, age=timedelta(hours=30), status="resolved", responded=True),  # done
    ]
    first = breaches(tickets, NOW)
    assert [b.pair for b in first] == [(1, "first_response"), (1, "resolution"), (2, "first_response")]
    assert first[0] == Breach(tickets[0], "first_response", NOW - timedelta(hours=29))

    reported = {b.pair for b in first}
    assert breaches(tickets, NOW, reported) == []

    later = NOW + timedelta(hours=3)
    assert [b.pair for b in breaches(tickets, later, reported)] == [(3, "first_response")]


def test_breaches_use_the_given_slas() -> None:
    strict = {"low": Sla(timedelta(minutes=10), timedelta(hours=1))}
    tickets = [ticket(5, severity="low", age=timedelta(minutes=20))]
    assert [b.pair for b in breaches(tickets, NOW, slas=strict)] == [(5, "first_response")]
    assert breaches(tickets, NOW) == []


def test_ticket_numbers() -> None:
    assert ticket_number(123) == "TJ-000123"
    assert ticket_number(1234567) == "TJ-1234567"
    with pytest.raises(ValueError):
        ticket_number(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TJ-000123", 123),
        ("tj123", 123),
        ("123", 123),
        (" TJ 000123 ", 123),
        ("#42", 42),
        ("ＴＪ－０００１２３", 123),  # full-width, as a Chinese IME types it
        ("TJ-000000", None),
        ("TK-123", None),
        ("工单", None),
        ("", None),
        ("TJ-12a", None),
    ],
)
def test_parse_ticket_number(text: str, expected: int | None) -> None:
    assert parse_ticket_number(text) == expected


def test_ticket_number_round_trips() -> None:
    for ticket_id in (1, 99, 123456, 7654321):
        assert parse_ticket_number(ticket_number(ticket_id)) == ticket_id
