"""A customer's (or admin's) conversation state, typed: which flow is active and each flow's part.

Storage keeps it as one JSON object per customer (`conversations.state`) beside the active flow's
name. The JSON keys are the ones stored before this type existed ("survey", "complaint",
"complaint_source", "ticket_action", "campaign_new"), so a state written by an older deployment loads,
and keys this version does not know are carried through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from dialogs.campaign_wizard import WizardState
from dialogs.complaint_state import ComplaintState
from dialogs.survey_flow import SurveyState

SURVEY: Final = "survey"
COMPLAINT: Final = "complaint"
CAMPAIGN_WIZARD: Final = "campaign_new"
TICKET_REPLY: Final = "ticket_reply"
TICKET_RESOLVE: Final = "ticket_resolve"
_COMPLAINT_SOURCE = "complaint_source"
_TICKET_ACTION = "ticket_action"
T = TypeVar("T")
_KNOWN = frozenset({SURVEY, COMPLAINT, _COMPLAINT_SOURCE, _TICKET_ACTION, CAMPAIGN_WIZARD})


@dataclass(frozen=True)
class SurveyPart:
    """The survey a customer is in (finished or not): its stored version and where they are."""

    version_id: int
    state: SurveyState

    def to_json(self) -> dict[str, Any]:
        """The stored form: the version id beside the state's own keys."""
        return {"version_id": self.version_id, **self.state.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SurveyPart:
        """Back from the stored form."""
        return cls(int(data["version_id"]), SurveyState.from_json(data))


@dataclass(frozen=True)
class ComplaintPart:
    """A complaint draft, and the survey response it follows when it was offered after low ratings."""

    state: ComplaintState
    source_response_id: int | None = None


@dataclass
class Conversation:
    """Everything a conversation remembers between updates; the middleware stores it when it changed.

    `flow` is the flow that takes the customer's next typed message (None when idle); the parts stay
    after their flow is left (a cancelled survey can be resumed; a finished one is what a complaint
    offered after it refers to).
    """

    flow: str | None = None
    survey: SurveyPart | None = None
    complaint: ComplaintPart | None = None
    ticket_action: int | None = None  # the ticket an admin's next message replies to or resolves
    campaign_wizard: WizardState | None = None
    unknown: dict[str, Any] = field(default_factory=dict)  # keys of another version, kept as they are

    @property
    def survey_response_id(self) -> int | None:
        """The response of the survey last taken in this conversation, if any."""
        return None if self.survey is None else self.survey.state.response_id

    def leave(self) -> None:
        """Leave the active flow (its part stays, e.g. to resume a survey later)."""
        self.flow = None

    def to_stored(self) -> tuple[str | None, dict[str, Any]]:
        """The flow name and the JSON object storage keeps."""
        data = dict(self.unknown)
        if self.survey is not None:
            data[SURVEY] = self.survey.to_json()
        if self.complaint is not None:
            data[COMPLAINT] = self.complaint.state.to_json()
            data[_COMPLAINT_SOURCE] = self.complaint.source_response_id
        if self.ticket_action is not None:
            data[_TICKET_ACTION] = {"id": self.ticket_action}
        if self.campaign_wizard is not None:
            data[CAMPAIGN_WIZARD] = self.campaign_wizard.to_json()
        return self.flow, data

    @classmethod
    def from_stored(cls, flow: str | None, data: dict[str, Any]) -> Conversation:
        """Rebuild a conversation from what storage kept (by this version or an older one).

        A part that no longer parses (a step this version dropped) is kept as it was, unread, so the
        customer is not stuck and nothing is lost.
        """
        unknown = {key: value for key, value in data.items() if key not in _KNOWN}
        survey = _part(data, SURVEY, SurveyPart.from_json, unknown)
        draft = _part(data, COMPLAINT, ComplaintState.from_json, unknown)
        source = data.get(_COMPLAINT_SOURCE)
        ticket = data.get(_TICKET_ACTION)
        return cls(
            flow=flow,
            survey=survey,
            complaint=None
            if draft is None
            else ComplaintPart(draft, None if source is None else int(source)),
            ticket_action=int(ticket["id"]) if isinstance(ticket, dict) and "id" in ticket else None,
            campaign_wizard=_part(data, CAMPAIGN_WIZARD, WizardState.from_json, unknown),
            unknown=unknown,
        )


def _part(
    data: dict[str, Any], key: str, parse: Callable[[dict[str, Any]], T], unknown: dict[str, Any]
) -> T | None:
    value = data.get(key)
    if not value:
        return None
    try:
        return parse(value)
    except (KeyError, TypeError, ValueError):
        unknown[key] = value
        return None
