"""The /campaign set-up as a state machine, and campaign files with errors by file and line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialogs import campaign_wizard as wizard
from dialogs.campaign_loader import CampaignFileError, load_campaign_file, parse_campaign
from dialogs.campaign_wizard import WizardError, WizardState
from dialogs.kpis import default_kpi_path, load_kpis

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
SURVEYS = ["branch", "service_quality"]


def test_wizard_walks_to_a_campaign_by_buttons_and_typed_ids() -> None:
    state = wizard.start(SURVEYS)
    assert state.step == "survey" and wizard.choices(state, SURVEYS) == tuple(SURVEYS)
    state = wizard.choose(state, "service_quality", SURVEYS)
    state = wizard.choose(state, "ids", SURVEYS)
    with pytest.raises(WizardError) as refused:
        wizard.typed(state, "alice bob")
    assert refused.value.key == "campaign_bad_ids"
    state = wizard.typed(state, "501 502")
    state = wizard.choose(state, "weekly", SURVEYS)
    state = wizard.choose(state, "two", SURVEYS)
    state = WizardState.from_json(state.to_json())  # as kept in the conversation row
    spec = wizard.build(state, NOW)
    assert spec.survey == "service_quality" and spec.audience.ids == (501, 502)
    assert spec.schedule.cycle == "weekly" and spec.schedule.first() == NOW
    assert (spec.reminders.max, spec.reminders.after_hours) == (2, 48)
    assert spec.name == "service-quality-20260302-040000"


def test_wizard_skips_the_survey_step_with_one_survey_and_refuses_stale_buttons() -> None:
    state = wizard.start(["service_quality"])
    assert state.step == "audience"
    served = wizard.choose(state, "served30", SURVEYS)
    assert served.audience == {"kind": "served", "days": 30} and served.step == "when"
    with pytest.raises(WizardError, match="campaign_old_button"):
        wizard.choose(served, "all", SURVEYS)  # an audience button pressed again
    with pytest.raises(WizardError, match="campaign_use_buttons"):
        wizard.typed(served, "weekly")
    tagged = wizard.typed(wizard.choose(state, "tag", SURVEYS), "#vip")
    assert tagged.audience == {"kind": "tag", "tag": "vip"}


def test_campaign_file_errors_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: Spring Pulse\naudience:\n  kind: tag\nschedule:\n  cycle: hourly\n", encoding="utf-8"
    )
    with pytest.raises(CampaignFileError) as refused:
        load_campaign_file(path)
    text = str(refused.value)
    assert f"{path}:1: name:" in text
    assert f"{path}:3: audience: audience 'tag' needs the tag" in text
    assert f"{path}:5: schedule.cycle:" in text and "'weekly'" in text
    with pytest.raises(CampaignFileError, match="invalid YAML"):
        parse_campaign("name: [unclosed", "x.yaml")


def test_a_good_campaign_file() -> None:
    spec = parse_campaign(
        "name: spring\naudience: {kind: served, days: 30}\n"
        "schedule: {start: 2026-03-09T09:00, cycle: monthly}\n"
        "reminders: {after_hours: 24, max: 2, quiet_hours: '22:00-08:00'}\n"
    )
    assert spec.reminders.quiet_hours is not None and str(spec.reminders.quiet_hours) == "22:00-08:00"
    assert spec.resolve(NOW, "Asia/Shanghai").schedule.first() == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


def test_shipped_kpis_have_targets_and_dimensions() -> None:
    catalog = load_kpis(default_kpi_path())
    waiting = catalog["waiting_time"]
    assert waiting.dimension == "responsiveness" and waiting.meets(10) and not waiting.meets(10.5)
    assert catalog["uptime"].meets(99.9) and not catalog["uptime"].meets(98)
