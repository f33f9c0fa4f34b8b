"""The admin's /campaign conversation: survey → audience (→ tag or ids) → when → reminders → confirm.

Channel-free: the bot shows the step's choices as buttons and feeds back the pressed code or typed text;
the state is a small JSON-able dataclass kept in the conversation row like every other dialog.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from dialogs.campaign import Audience, CampaignSpec, ReminderPolicy, Schedule, parse_ids

Step = Literal["survey", "audience", "tag", "ids", "when", "reminders", "confirm"]
AUDIENCE_CHOICES = ("all", "served7", "served30", "tag", "ids")
WHEN_CHOICES = ("now", "daily", "weekly", "monthly")
REMINDER_CHOICES = ("none", "one", "two")
REMINDER_PRESETS = {
    "none": ReminderPolicy(max=0),
    "one": ReminderPolicy(after_hours=48, max=1),
    "two": ReminderPolicy(after_hours=48, max=2),
}


class WizardError(ValueError):
    """Input the current step cannot take; `key` names the text that explains why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class WizardState:
    """Where the admin is and what was chosen so far."""

    step: Step
    survey: str | None = None
    audience: dict[str, Any] = field(default_factory=dict)
    when: str | None = None
    reminders: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The conversation-state form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WizardState:
        """Back from the conversation state."""
        return cls(**data)


def start(surveys: list[str]) -> WizardState:
    """The first step: pick a survey, or go straight to the audience when there is only one."""
    if len(surveys) == 1:
        return WizardState(step="audience", survey=surveys[0])
    return WizardState(step="survey")


def choices(state: WizardState, surveys: list[str]) -> tuple[str, ...]:
    """The codes the current step offers as buttons (none for the typed steps)."""
    return {
        "survey": tuple(surveys),
        "audience": AUDIENCE_CHOICES,
        "when": WHEN_CHOICES,
        "reminders": REMINDER_CHOICES,
        "confirm": ("start",),
    }.get(state.step, ())


def choose(state: WizardState, code: str, surveys: list[str]) -> WizardState:
    """Apply a pressed button; WizardError('campaign_old_button') for a button of another step."""
    if code not in choices(state, surveys):
        raise WizardError("campaign_old_button")
    if state.step == "survey":
        return replace(state, step="audience", survey=code)
    if state.step == "audience":
        if code == "tag":
            return replace(state, step="tag")
        if code == "ids":
            return replace(state, step="ids")
        audience = {"kind": "all"} if code == "all" else {"kind": "served", "days": int(code[6:])}
        return replace(state, step="when", audience=audience)
    if state.step == "when":
        return replace(state, step="reminders", when=code)
    if state.step == "reminders":
        return replace(state, step="confirm", reminders=code)
    raise WizardError("campaign_old_button")


def typed(state: WizardState, text: str) -> WizardState:
    """Apply typed text (a tag, or a list of ids); WizardError with the reason otherwise."""
    if state.step == "tag":
        tag = text.strip().lstrip("#")
        try:
            Audience(kind="tag", tag=tag)
        except ValidationError:
            raise WizardError("campaign_bad_tag") from None
        return replace(state, step="when", audience={"kind": "tag", "tag": tag})
    if state.step == "ids":
        try:
            ids = parse_ids(text)
        except ValueError:
            raise WizardError("campaign_bad_ids") from None
        return replace(state, step="when", audience={"kind": "ids", "ids": list(ids)})
    raise WizardError("campaign_use_buttons")


def build(state: WizardState, now: datetime) -> CampaignSpec:
    """The campaign the answers describe, named after its survey and creation time, starting now."""
    assert state.step == "confirm" and state.survey and state.when and state.reminders
    cycle = "once" if state.when == "now" else state.when
    return CampaignSpec(
        name=f"{state.survey[:30]}-{now:%Y%m%d-%H%M%S}".replace("_", "-"),
        survey=state.survey,
        audience=Audience.model_validate(state.audience),
        schedule=Schedule(start=now, cycle=cycle),
        reminders=REMINDER_PRESETS[state.reminders],
    )
