"""Campaign rules: schedules (测定周期), quiet hours, reminder policy and the send/wait/stop decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from dialogs.campaign import (
    Audience,
    CampaignSpec,
    QuietHours,
    ReminderPolicy,
    Schedule,
    Send,
    Stop,
    Wait,
    add_months,
    next_message,
    parse_ids,
    sampled,
)

SHANGHAI = "Asia/Shanghai"
NIGHT = QuietHours.parse("21:00-09:00")
NOON_UTC = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def test_quiet_hours_span_midnight_and_end_at_the_local_morning() -> None:
    assert NIGHT.contains(time(23, 30)) and NIGHT.contains(time(3, 0)) and NIGHT.contains(time(21, 0))
    assert not NIGHT.contains(time(9, 0)) and not NIGHT.contains(time(12, 0))
    late_evening = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    assert NIGHT.allowed_from(late_evening, SHANGHAI) == datetime(
        2026, 3, 3, 1, 0, tzinfo=UTC
    )  # 09:00 next day
    early_morning = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 04:00 on the 3rd in Shanghai
    assert NIGHT.allowed_from(early_morning, SHANGHAI) == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert NIGHT.allowed_from(NOON_UTC, SHANGHAI) == NOON_UTC


def test_quiet_hours_follow_the_customers_time_zone() -> None:
    # 12:00 in Shanghai is 05:00 in Berlin: quiet there until 09:00 Berlin time (08:00 UTC in March).
    assert NIGHT.allowed_from(NOON_UTC, "Europe/Berlin") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_quiet_hours_within_a_day_and_malformed_ones() -> None:
    lunch = QuietHours.parse("12:00-13:30")
    assert lunch.contains(time(12, 45)) and not lunch.contains(time(13, 30)) and str(lunch) == "12:00-13:30"
    with pytest.raises(ValueError, match="21:00-09:00"):
        QuietHours.parse("nine to five")
    with pytest.raises(ValueError, match="valid times"):
        QuietHours.parse("25:00-09:00")


def test_rounds_of_each_cycle() -> None:
    start = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    once = Schedule(start=start)
    assert [once.rounds_due(start - timedelta(seconds=1)), once.rounds_due(start + timedelta(days=400))] == [
        0,
        1,
    ]
    daily = Schedule(start=start, cycle="daily")
    assert daily.rounds_due(start + timedelta(days=2, hours=23)) == 3
    assert daily.round_start(3) == start + timedelta(days=2)
    weekly = Schedule(start=start, cycle="weekly", until=start + timedelta(days=15))
    assert weekly.rounds_due(start + timedelta(days=60)) == 3  # the 'until' ends the cycle
    monthly = Schedule(start=start, cycle="monthly")
    assert monthly.round_start(2) == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)  # clamped to February's end
    assert monthly.rounds_due(datetime(2026, 3, 31, 9, 59, tzinfo=UTC)) == 2
    assert monthly.rounds_due(datetime(2026, 3, 31, 10, 0, tzinfo=UTC)) == 3


def test_add_months_keeps_the_day_where_it_exists() -> None:
    assert add_months(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2027, 2, 15, tzinfo=UTC)
    assert add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)


def test_reminder_policy_counts_reminders() -> None:
    policy = ReminderPolicy(after_hours=48, max=2)
    invited = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    assert policy.next_reminder_at(invited, 0) == invited + timedelta(days=2)
    assert policy.next_reminder_at(invited, 2) is None
    assert ReminderPolicy(max=0).next_reminder_at(invited, 0) is None


def decide(**changes: object) -> Send | Wait | Stop:
    values: dict[str, object] = {
        "invited": False,
        "opted_out": False,
        "blocked": False,
        "completed": False,
        "reminders_sent": 0,
        "policy": ReminderPolicy(after_hours=48, max=2),
        "quiet": NIGHT,
        "timezone": SHANGHAI,
        "now": NOON_UTC,
    }
    values.update(changes)
    return next_message(**values)  # type: ignore[arg-type]


def test_decision_invite_remind_wait_or_stop() -> None:
    assert decide() == Send(reminder=False)
    assert decide(invited=True, reminders_sent=1) == Send(reminder=True)
    assert decide(invited=True, reminders_sent=2) == Stop(None)
    assert decide(invited=True, completed=True) == Stop(None)
    assert decide(opted_out=True) == Stop("opted_out")
    assert decide(blocked=True) == Stop("blocked")
    assert decide(invited=True, blocked=True) == Stop(None)  # it was sent; just nothing more
    night = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert decide(now=night) == Wait(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))


def test_nobody_is_invited_again_within_the_minimum_gap_but_reminders_still_go() -> None:
    month = timedelta(days=30)
    recently = NOON_UTC - timedelta(days=29, hours=23)
    assert decide(last_invited=recently, min_gap=month) == Stop("fatigued")
    assert decide(last_invited=NOON_UTC - month, min_gap=month) == Send(reminder=False)
    assert decide(last_invited=recently, min_gap=timedelta(0)) == Send(reminder=False)  # no limit
    assert decide(invited=True, reminders_sent=1, last_invited=recently, min_gap=month) == Send(reminder=True)
    assert decide(opted_out=True, last_invited=recently, min_gap=month) == Stop("opted_out")


@pytest.mark.parametrize(
    ("share", "draw", "drawn"), [(1.0, 0.999, True), (0.0, 0.0, False), (0.3, 0.29, True), (0.3, 0.3, False)]
)
def test_a_post_service_survey_samples_a_share_of_services(share: float, draw: float, drawn: bool) -> None:
    assert sampled(share, draw) is drawn


def test_audiences_need_their_parameters() -> None:
    assert Audience(kind="served", days=30).served_window(NOON_UTC) == (
        NOON_UTC - timedelta(days=30),
        NOON_UTC,
    )
    for bad, message in [
        ({"kind": "tag"}, "needs the tag"),
        ({"kind": "ids"}, "non-empty list"),
        ({"kind": "served"}, "needs days"),
        ({"kind": "ids", "ids": [5, -1]}, "positive"),
    ]:
        with pytest.raises(ValidationError, match=message):
            Audience.model_validate(bad)


def test_resolve_fills_in_now_and_reads_naive_times_in_the_operator_zone() -> None:
    spec = CampaignSpec(
        name="weekly-pulse",
        audience=Audience(kind="served", since=datetime(2026, 3, 1)),
        schedule=Schedule(cycle="weekly", until=datetime(2026, 4, 1, 9, 0)),
    )
    resolved = spec.resolve(NOON_UTC, SHANGHAI)
    assert resolved.schedule.first() == NOON_UTC
    assert resolved.schedule.until == datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    assert resolved.audience.since == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert CampaignSpec.model_validate(resolved.model_dump(mode="json")) == resolved  # survives JSON


def test_parse_ids_accepts_pasted_lists() -> None:
    assert parse_ids("101, 102 103\n101，104") == (101, 102, 103, 104)
    with pytest.raises(ValueError, match="numeric"):
        parse_ids("101 bob")
