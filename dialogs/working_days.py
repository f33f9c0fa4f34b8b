"""Working days in the operator's time zone: due dates "within N working days" (好差评 rules).

A deadline of N working days falls at the end (local midnight) of the Nth working day after the day
something happened, so a rating given on Friday, Saturday or Sunday is due for a revisit by the end
of Monday. Saturdays and Sundays are days off; a holiday list adds days off, and a list of make-up
working days (调休, a Saturday worked in exchange) turns weekend days into working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_WORKING_DAYS = 366  # a deadline further away than a year of working days is a configuration error


@dataclass(frozen=True)
class WorkingCalendar:
    """Which local dates are working days in `timezone`."""

    timezone: str = "Asia/Shanghai"
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # weekend days worked (调休)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday unless a holiday; a listed make-up day even on a weekend."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def due(self, start: datetime, working_days: int) -> datetime:
        """The end (next local midnight, in UTC) of the `working_days`-th working day after `start`'s
        local date. `start` must be timezone-aware."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if not 0 < working_days <= MAX_WORKING_DAYS:
            raise ValueError(f"working_days must be 1–{MAX_WORKING_DAYS}, not {working_days}")
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        counted = 0
        while counted < working_days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        # Local midnight after the last day; ZoneInfo resolves a midnight skipped by DST forwards.
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return end.astimezone(UTC)

    def last_day(self, due: datetime) -> date:
        """The local working day a deadline from `due` ends (what a customer is told)."""
        return (due - timedelta(microseconds=1)).astimezone(ZoneInfo(self.timezone)).date()


def parse_dates(value: str | Iterable[str | date]) -> frozenset[date]:
    """'2026-10-01, 2026-10-02' (or a list) → dates; ValueError naming the first bad entry."""
    parts = value.replace(";", ",").replace(" ", ",").split(",") if isinstance(value, str) else value
    found: set[date] = set()
    for part in parts:
        if isinstance(part, date):
            found.add(part)
            continue
        text = part.strip()
        if not text:
            continue
        try:
            found.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD, separated by commas") from None
    return frozenset(found)
