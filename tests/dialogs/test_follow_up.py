"""The closed-loop rules: which rating opens a case, what reasons mean, re-rating once, working days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dialogs.follow_up import (
    comment_text,
    label_category,
    low_rating,
    picked_reasons,
    reasons_category,
    rerate_refusal,
    weakest_dimension,
)
from dialogs.survey import Survey
from dialogs.survey_flow import Answer
from dialogs.survey_loader import default_survey_path, load_survey_file
from dialogs.working_days import WorkingCalendar, parse_dates

SURVEY = load_survey_file(default_survey_path())


def answers(**changes: Answer) -> dict[str, Answer]:
    good: dict[str, Answer] = {
        q.key: (9 if q.role == "nps" else 4) for q in SURVEY.questions if q.role not in ("reasons", "comment")
    }
    return {**good, **changes}


@pytest.mark.parametrize(
    ("overall", "threshold", "opens"),
    [(2, 2, 2), (1, 2, 1), (3, 2, None), (3, 3, 3), (1, 0, None), (None, 2, None)],
)
def test_the_overall_rating_at_or_below_the_threshold_opens_a_case(
    overall: int | None, threshold: int, opens: int | None
) -> None:
    assert low_rating(SURVEY, answers(overall=overall), threshold) == opens


def test_a_low_item_alone_opens_no_case_when_the_survey_asks_overall_satisfaction() -> None:
    assert low_rating(SURVEY, answers(func_needs=1, recommend=0), 2) is None


def test_a_survey_without_an_overall_question_is_judged_by_its_lowest_item() -> None:
    items_only = Survey.model_validate(
        {
            **SURVEY.model_dump(),
            "questions": [q.model_dump() for q in SURVEY.questions if q.role == "item"],
        }
    )
    assert low_rating(items_only, answers(comfort_process=2, resp_speed=1), 2) == 1
    assert low_rating(items_only, answers(), 2) is None


def test_picked_reasons_carry_their_categories_and_the_comment_its_text() -> None:
    given = answers(overall=1, reasons=(8, 1, 2), comment="窗口人员态度很差")
    assert picked_reasons(SURVEY, given) == [(1, "personnel"), (2, "personnel"), (8, "resources")]
    assert comment_text(SURVEY, given) == "窗口人员态度很差"
    assert picked_reasons(SURVEY, answers(reasons=None)) == [] and comment_text(SURVEY, answers()) == ""


def test_reasons_in_one_category_label_the_comment_several_categories_do_not() -> None:
    assert label_category(["personnel", "personnel"]) == "personnel"
    assert label_category(["personnel", "resources"]) is None
    assert label_category([]) is None


def test_the_case_category_is_the_one_picked_most_ties_in_the_categories_order() -> None:
    assert reasons_category(["resources", "personnel", "resources"]) == "resources"
    assert reasons_category(["resources", "process"]) == "process"
    assert reasons_category([]) is None


def test_the_weakest_dimension_is_the_one_of_the_lowest_item() -> None:
    assert weakest_dimension(SURVEY, answers(resp_waiting=1, comfort_attitude=2)) == "responsiveness"
    assert weakest_dimension(SURVEY, answers(safety_privacy=2, resp_waiting=2)) == "safety"
    assert weakest_dimension(SURVEY, {}) is None


@pytest.mark.parametrize(
    ("kind", "status", "rerating", "value", "refusal"),
    [
        ("follow_up", "closed", None, 4, None),
        ("follow_up", "resolved", None, 5, None),
        ("follow_up", "closed", 4, 5, "case_already_rerated"),
        ("follow_up", "in_progress", None, 4, "case_rerate_not_yet"),
        ("complaint", "closed", None, 4, "old_button_finished"),
        ("follow_up", "closed", None, 6, "old_button_finished"),
    ],
)
def test_a_case_is_re_rated_once_after_it_is_resolved_or_closed(
    kind: str, status: str, rerating: int | None, value: int, refusal: str | None
) -> None:
    assert rerate_refusal(kind, status, rerating, value) == refusal


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days() -> None:
    calendar = WorkingCalendar(
        "UTC", holidays=parse_dates("2026-12-07"), workdays=parse_dates(["2026-12-12"])
    )
    friday = datetime(2026, 12, 4, 9, tzinfo=UTC)
    assert calendar.due(friday, 1) == datetime(2026, 12, 9, tzinfo=UTC)  # Monday 7th off: Tuesday
    assert calendar.due(friday, 5) == datetime(2026, 12, 13, tzinfo=UTC)  # Tue–Fri, then Saturday 12th
    assert calendar.last_day(calendar.due(friday, 1)) == date(2026, 12, 8)


def test_a_deadline_across_a_dst_change_ends_at_local_midnight() -> None:
    new_york = WorkingCalendar("America/New_York")
    friday = datetime(2026, 10, 30, 20, tzinfo=UTC)  # Friday 16:00 EDT; clocks go back on Sunday
    due = new_york.due(friday, 1)
    assert due == datetime(2026, 11, 3, 5, tzinfo=UTC)  # Tuesday 00:00 EST
    assert new_york.last_day(due) == date(2026, 11, 2)


def test_bad_dates_and_naive_times_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="'2026-13-01' is not a date"):
        parse_dates("2026-12-01, 2026-13-01")
    with pytest.raises(ValueError, match="timezone-aware"):
        WorkingCalendar().due(datetime(2026, 12, 4), 1)
    with pytest.raises(ValueError, match="working_days"):
        WorkingCalendar().due(datetime(2026, 12, 4, tzinfo=UTC), 0)
