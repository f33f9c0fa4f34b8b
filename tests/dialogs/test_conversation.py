"""The typed conversation state: what older deployments stored loads, and stores back unchanged."""

from __future__ import annotations

from typing import Any

from dialogs.campaign_wizard import WizardState
from dialogs.complaint_state import ComplaintState
from dialogs.conversation import ComplaintPart, Conversation, SurveyPart
from dialogs.survey_flow import SurveyState

# A customer mid-survey as the deployment before the typed state stored them (before multi-pick
# questions too: no "picks"), with a complaint draft offered after an earlier survey.
OLDER_MID_SURVEY: dict[str, Any] = {
    "survey": {
        "version_id": 3,
        "response_id": 41,
        "position": "q3",
        "path": ["q1", "q2"],
        "answers": {"q1": 4, "q2": "很好"},
    },
    "complaint": {"draft_id": 7, "step": "describe", "description": "排队太久"},
    "complaint_source": 40,
}
# What the same deployment stored for an admin mid-reply and mid-campaign set-up.
OLDER_ADMIN: dict[str, Any] = {
    "ticket_action": {"id": 12},
    "campaign_new": {
        "step": "audience",
        "survey": "service_quality",
        "audience": {},
        "when": None,
        "reminders": None,
    },
}


def test_a_survey_stored_by_an_older_version_loads_typed() -> None:
    conversation = Conversation.from_stored("survey", OLDER_MID_SURVEY)
    assert conversation.flow == "survey"
    assert conversation.survey == SurveyPart(
        3, SurveyState(response_id=41, position="q3", path=("q1", "q2"), answers={"q1": 4, "q2": "很好"})
    )
    assert conversation.survey_response_id == 41
    assert conversation.complaint == ComplaintPart(
        ComplaintState(draft_id=7, step="describe", description="排队太久"), source_response_id=40
    )
    assert conversation.unknown == {}


def test_a_loaded_state_stores_back_with_the_same_keys() -> None:
    flow, data = Conversation.from_stored("survey", OLDER_MID_SURVEY).to_stored()
    assert flow == "survey"
    assert set(data) == set(OLDER_MID_SURVEY)
    assert data["survey"] == {**OLDER_MID_SURVEY["survey"], "picks": []}
    assert data["complaint_source"] == 40
    assert data["complaint"]["description"] == "排队太久"
    again = Conversation.from_stored(flow, data)
    assert again.to_stored() == (flow, data)


def test_an_admins_older_state_loads_typed() -> None:
    conversation = Conversation.from_stored("ticket_reply", OLDER_ADMIN)
    assert conversation.ticket_action == 12
    assert conversation.campaign_wizard == WizardState(step="audience", survey="service_quality")
    assert conversation.to_stored() == ("ticket_reply", OLDER_ADMIN)


def test_keys_of_another_version_and_parts_that_no_longer_parse_are_kept_unread() -> None:
    stored = {
        "survey": OLDER_MID_SURVEY["survey"],
        "newer_flow": {"x": 1},
        "complaint": {"draft_id": 1, "step": "gone"},
    }
    conversation = Conversation.from_stored(None, stored)
    assert conversation.complaint is None
    assert conversation.unknown == {"newer_flow": {"x": 1}, "complaint": {"draft_id": 1, "step": "gone"}}
    assert conversation.to_stored()[1]["newer_flow"] == {"x": 1}
    assert conversation.to_stored()[1]["complaint"] == {"draft_id": 1, "step": "gone"}


def test_leaving_keeps_the_survey_to_resume_and_an_empty_conversation_stores_nothing() -> None:
    conversation = Conversation.from_stored("survey", OLDER_MID_SURVEY)
    conversation.leave()
    conversation.complaint = None
    assert conversation.to_stored() == (None, {"survey": {**OLDER_MID_SURVEY["survey"], "picks": []}})
    assert Conversation.from_stored(None, {}).to_stored() == (None, {})
