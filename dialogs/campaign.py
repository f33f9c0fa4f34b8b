"""Survey campaigns as rules: whom to ask, on which cycle (测定周期), how to remind, never at night.

Pure: no I/O, no clock of its own — every decision takes `now` (timezone-aware) as an argument, so the
sender can run on a controllable clock and these rules are tested with plain asserts.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialogs.survey_loader import DEFAULT_SURVEY_KEY

Cycle = Literal["once", "daily", "weekly", "monthly"]
AudienceKind = Literal["all", "served", "ids", "tag", "api"]
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"
TAG_PATTERN = r"^[\w-]{1,40}$"
API_CAMPAIGN = "post_service"  # the campaign that API-triggered (post-service) invitations belong to
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class QuietHours(BaseModel):
    """A local-time window in which nobody is messaged, e.g. 21:00–09:00 (it may span midnight)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """'21:00-09:00' → QuietHours; ValueError with the expected form otherwise."""
        match = _QUIET.match(text)
        if match is None:
            raise ValueError(f"quiet hours must look like 21:00-09:00, not {text!r}")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"quiet hours must be valid times of day, not {text!r}")
        return cls(start=time(h1, m1), end=time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: time) -> bool:
        """Whether a local time of day falls inside the window (start inclusive, end exclusive)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def allowed_from(self, now: datetime, timezone: str) -> datetime:
        """`now` if messaging is allowed then in `timezone`, else the (UTC) moment the window ends."""
        local = now.astimezone(zone(timezone))
        if not self.contains(local.time().replace(tzinfo=None)):
            return now
        end_day = (
            local.date() if local.time().replace(tzinfo=None) < self.end else local.date() + timedelta(1)
        )
        return datetime.combine(end_day, self.end, tzinfo=local.tzinfo).astimezone(UTC)


class ReminderPolicy(BaseModel):
    """Remind those who have not completed: first `after_hours` after the invitation, at most `max` times."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    after_hours: float = Field(default=48, gt=0, le=24 * 60)
    max: int = Field(default=1, ge=0, le=5)
    quiet_hours: QuietHours | None = None  # None: the operator's CAMPAIGN_QUIET_HOURS

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _parse_quiet(cls, value: object) -> object:
        return QuietHours.parse(value) if isinstance(value, str) else value

    def next_reminder_at(self, last_contact: datetime, reminders_sent: int) -> datetime | None:
        """When the next reminder is due after the last invitation or reminder; None when none is left."""
        if reminders_sent >= self.max:
            return None
        return last_contact + timedelta(hours=self.after_hours)


class Audience(BaseModel):
    """Whom a campaign invites: everyone who used the bot, those served recently, listed ids, or a tag."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: AudienceKind
    days: int | None = Field(default=None, ge=1, le=366)  # served: in the N days before each round
    since: datetime | None = None  # served: or an absolute window
    until: datetime | None = None
    ids: tuple[int, ...] = ()  # Telegram user ids
    tag: str | None = Field(default=None, pattern=TAG_PATTERN)

    @model_validator(mode="after")
    def _check_kind(self) -> Audience:
        if self.kind == "served" and self.days is None and self.since is None:
            raise ValueError("audience 'served' needs days (the N days before each round) or since")
        if self.kind == "ids" and not self.ids:
            raise ValueError("audience 'ids' needs a non-empty list of Telegram user ids")
        if self.kind == "tag" and self.tag is None:
            raise ValueError("audience 'tag' needs the tag, e.g. tag: vip")
        if any(i <= 0 for i in self.ids):
            raise ValueError("Telegram user ids are positive numbers")
        return self

    def served_window(self, round_start: datetime) -> tuple[datetime, datetime]:
        """[since, until) of 'served' for a round starting at `round_start`."""
        if self.days is not None:
            return round_start - timedelta(days=self.days), round_start
        assert self.since is not None
        return self.since, self.until or round_start


class Schedule(BaseModel):
    """When: once at `start`, or every day/week/month from it (节点: each round's start) until `until`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    start: datetime | Literal["now"] = "now"
    cycle: Cycle = "once"
    until: datetime | None = None

    def first(self) -> datetime:
        """The first round's start (the schedule must have been resolved)."""
        assert isinstance(self.start, datetime), "resolve() the schedule first"
        return self.start

    def round_start(self, number: int) -> datetime:
        """The start of round `number` (1-based)."""
        first, steps = self.first(), number - 1
        if self.cycle == "daily":
            return first + timedelta(days=steps)
        if self.cycle == "weekly":
            return first + timedelta(weeks=steps)
        if self.cycle == "monthly":
            return add_months(first, steps)
        return first

    def rounds_due(self, now: datetime) -> int:
        """How many rounds have started by `now` (0 before the start; once: at most 1)."""
        first = self.first()
        if now < first:
            return 0
        if self.cycle == "once":
            return 1
        end = min(now, self.until) if self.until is not None else now
        if end < first:
            return 0
        if self.cycle == "monthly":
            months = (end.year - first.year) * 12 + end.month - first.month
            return months + (1 if add_months(first, months) <= end else 0)
        step = timedelta(days=1 if self.cycle == "daily" else 7)
        return (end - first) // step + 1


class CampaignSpec(BaseModel):
    """A whole campaign as an admin defines it (in chat or in a YAML file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=NAME_PATTERN)
    survey: str = Field(default=DEFAULT_SURVEY_KEY, pattern=r"^[a-z][a-z0-9_]{0,39}$")
    audience: Audience
    schedule: Schedule = Schedule()
    reminders: ReminderPolicy = ReminderPolicy(max=0)

    def resolve(self, now: datetime, timezone: str) -> CampaignSpec:
        """The spec with 'now' replaced by `now` and naive times read in the operator's `timezone`."""
        tz = zone(timezone)

        def aware(moment: datetime | None) -> datetime | None:
            if moment is None or moment.tzinfo is not None:
                return moment
            return moment.replace(tzinfo=tz)

        start = now if self.schedule.start == "now" else aware(self.schedule.start)
        schedule = self.schedule.model_copy(update={"start": start, "until": aware(self.schedule.until)})
        audience = self.audience.model_copy(
            update={"since": aware(self.audience.since), "until": aware(self.audience.until)}
        )
        return self.model_copy(update={"schedule": schedule, "audience": audience})

    @property
    def planned(self) -> bool:
        """Whether rounds are planned from the audience (not only triggered through the API)."""
        return self.audience.kind != "api"


@dataclass(frozen=True)
class Send:
    """Send the invitation now (or, once invited, a reminder)."""

    reminder: bool


@dataclass(frozen=True)
class Wait:
    """Not now (quiet hours in the customer's time zone): try again at `until`."""

    until: datetime


@dataclass(frozen=True)
class Stop:
    """Send nothing more; `status` says why an invitation never went out (None: just no more reminders)."""

    status: Literal["opted_out", "blocked", "fatigued"] | None


def next_message(
    *,
    invited: bool,
    opted_out: bool,
    blocked: bool,
    completed: bool,
    reminders_sent: int,
    policy: ReminderPolicy,
    quiet: QuietHours,
    timezone: str,
    now: datetime,
    last_invited: datetime | None = None,
    min_gap: timedelta = timedelta(0),
) -> Send | Wait | Stop:
    """What to do with an invitation whose time has come.

    Survey fatigue: an invitation is not sent when the customer was invited, by any campaign, less
    than `min_gap` before `now` (`last_invited`); its own reminders are not new invitations.
    """
    if opted_out or blocked:
        return Stop(None if invited else "opted_out" if opted_out else "blocked")
    if invited and (completed or reminders_sent >= policy.max):
        return Stop(None)
    if not invited and last_invited is not None and now - last_invited < min_gap:
        return Stop("fatigued")
    allowed = quiet.allowed_from(now, timezone)
    if allowed > now:
        return Wait(allowed)
    return Send(reminder=invited)


def api_campaign(policy: ReminderPolicy, now: datetime) -> CampaignSpec:
    """The campaign post-service invitations from the HTTP API belong to, unless a request names another."""
    return CampaignSpec(
        name=API_CAMPAIGN, audience=Audience(kind="api"), schedule=Schedule(start=now), reminders=policy
    )


def sampled(share: float, draw: float) -> bool:
    """Whether a service is in the sample of post-service surveys: `draw` is uniform in [0, 1)."""
    return draw < share


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of tzdata, a too long name
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)") from None


def parse_ids(text: str) -> tuple[int, ...]:
    """Telegram ids typed or pasted: separated by spaces, commas or new lines; ValueError on anything else."""
    parts = [part for part in re.split(r"[\s,，;；]+", text.strip()) if part]
    if not parts or not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError("expected positive numeric Telegram ids separated by spaces or commas")
    return tuple(dict.fromkeys(int(part) for part in parts))
