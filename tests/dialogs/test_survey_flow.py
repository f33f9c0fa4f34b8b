"""The survey state machine, without Telegram and without a database."""

from __future__ import annotations

import pytest

from dialogs.survey import Survey
from dialogs.survey_flow import (
    OUT_OF_RANGE,
    Back,
    CompleteResponse,
    Done,
    Pick,
    SaveAnswer,
    Skip,
    Step,
    SurveyInput,
    SurveyState,
    Typed,
    Unsupported,
    handle,
    start,
    summary,
    visible_questions,
)
from dialogs.survey_loader import default_survey_path, load_survey_file


@pytest.fixture(scope="module")
def survey() -> Survey:
    return load_survey_file(default_survey_path())


def run(survey: Survey, inputs: list[SurveyInput]) -> Step:
    step = start(survey, response_id=7)
    for event in inputs:
        step = handle(survey, step.state, event)
    return step


LOW_ONLY = ("reasons", "comment")  # the questions shown only after a low rating


def all_fours(survey: Survey) -> list[SurveyInput]:
    return [Pick(9 if q.role == "nps" else 4) for q in survey.questions if q.role not in LOW_ONLY]


def test_default_survey_has_four_dimensions_importance_overall_nps_and_conditional_comment(
    survey: Survey,
) -> None:
    assert [d.key for d in survey.dimensions] == ["functionality", "safety", "comfort", "responsiveness"]
    roles = [q.role for q in survey.questions]
    for dimension in survey.dimensions:
        items = [q for q in survey.questions if q.role == "item" and q.dimension == dimension.key]
        assert 2 <= len(items) <= 3
        assert (
            sum(1 for q in survey.questions if q.role == "importance" and q.dimension == dimension.key) == 1
        )
    assert roles.count("overall") == 1 and roles.count("nps") == 1
    comment = survey.question("comment")
    assert comment.show_if is not None and not comment.required


def test_first_prompt_shows_progress_and_five_labelled_options(survey: Survey) -> None:
    step = start(survey, response_id=1)
    assert step.prompt is not None
    assert (step.prompt.number, step.prompt.total) == (1, 16)  # reasons and comment wait for a low score
    assert [o.value for o in step.prompt.options] == [1, 2, 3, 4, 5]
    assert step.prompt.options[0].label is not None and step.prompt.options[0].label.zh == "非常不满意"
    assert not step.prompt.can_back and not step.prompt.can_skip


def test_answering_everything_with_good_scores_completes_without_the_comment(survey: Survey) -> None:
    step = run(survey, all_fours(survey))
    assert step.state.finished and step.prompt is None
    assert CompleteResponse() in step.effects
    assert "comment" not in step.state.path
    assert len(step.state.path) == 16
    assert step.state.answers["recommend"] == 9


def test_each_answer_is_an_effect_to_persist_when_given(survey: Survey) -> None:
    step = run(survey, [Pick(3)])
    assert step.effects == (SaveAnswer("func_needs", score=3, text=None),)
    assert step.state.position == "func_practical"


def test_low_score_makes_the_comment_appear_without_moving_the_count(survey: Survey) -> None:
    step = run(survey, [Pick(2)])
    assert step.prompt is not None and (step.prompt.number, step.prompt.total) == (2, 16)
    inputs = all_fours(survey)
    inputs[0] = Pick(1)
    step = run(survey, [*inputs, Skip()])  # no reasons picked
    assert step.state.position == "comment" and step.prompt is not None and step.prompt.can_skip
    assert (step.prompt.number, step.prompt.total) == (None, 16)
    done = handle(survey, step.state, Typed("  排队太久了  "))
    assert done.state.finished
    assert SaveAnswer("comment", score=None, text="排队太久了") in done.effects


def test_comment_can_be_skipped(survey: Survey) -> None:
    inputs = all_fours(survey)
    inputs[2] = Pick(2)
    step = handle(survey, run(survey, [*inputs, Skip()]).state, Skip())
    assert step.state.finished
    assert step.effects[0] == SaveAnswer("comment", None, None)


def test_text_where_a_button_is_expected_reprompts_and_changes_nothing(survey: Survey) -> None:
    first = start(survey, 1)
    for event in (Typed("还行吧"), Typed("🙂"), Typed("x" * 4000), Unsupported("sticker"), Pick(6)):
        step = handle(survey, first.state, event)
        assert step.state == first.state
        assert step.effects == ()
        assert step.notice == "use_the_buttons"
        assert step.prompt == first.prompt


def test_a_typed_digit_counts_as_pressing_that_button(survey: Survey) -> None:
    step = handle(survey, start(survey, 1).state, Typed(" 5 "))
    assert step.effects == (SaveAnswer("func_needs", 5, None),)


@pytest.mark.parametrize("typed", ["7", "0", "10"])
def test_a_typed_number_off_the_scale_is_told_the_range_and_changes_nothing(
    survey: Survey, typed: str
) -> None:
    first = start(survey, 1)
    step = handle(survey, first.state, Typed(typed))
    assert (step.notice, step.state, step.effects) == (OUT_OF_RANGE, first.state, ())


def test_required_question_cannot_be_skipped(survey: Survey) -> None:
    first = start(survey, 1)
    step = handle(survey, first.state, Skip())
    assert step.notice == "cannot_skip" and step.state == first.state


def test_back_returns_to_previous_question_and_a_new_answer_replaces_the_old(survey: Survey) -> None:
    step = run(survey, [Pick(2), Pick(5), Back()])
    assert step.state.position == "func_practical"
    assert step.prompt is not None and step.prompt.number == 2 and step.prompt.can_back
    step = handle(survey, step.state, Pick(3))
    assert step.effects == (SaveAnswer("func_practical", 3, None),)
    assert step.state.path == ("func_needs", "func_practical")


def test_back_on_first_question_is_refused_kindly(survey: Survey) -> None:
    step = handle(survey, start(survey, 1).state, Back())
    assert step.notice == "no_previous_question"


def test_changing_the_low_score_back_removes_the_comment_from_the_path(survey: Survey) -> None:
    inputs = all_fours(survey)
    inputs[0] = Pick(1)
    step = run(survey, inputs)
    assert step.state.position == "reasons"
    # go all the way back to the first question and raise the score
    for _ in range(len(step.state.path)):
        step = handle(survey, step.state, Back())
    assert step.state.position == "func_needs"
    step = handle(survey, step.state, Pick(5))
    visible = [q.key for q in visible_questions(survey, step.state.answers)]
    assert "reasons" not in visible and "comment" not in visible


def test_input_after_finishing_changes_nothing(survey: Survey) -> None:
    done = run(survey, all_fours(survey))
    step = handle(survey, done.state, Pick(3))
    assert step.state == done.state and step.notice == "survey_already_finished"


def test_state_survives_a_json_round_trip(survey: Survey) -> None:
    state = run(survey, [Pick(2), Pick(3)]).state
    assert SurveyState.from_json(state.to_json()) == state


def test_summary_lists_answered_questions_in_order(survey: Survey) -> None:
    state = run(survey, [Pick(2), Pick(3)]).state
    assert [(q.key, a) for q, a in summary(survey, state)] == [("func_needs", 2), ("func_practical", 3)]


def test_recommend_question_offers_zero_to_ten(survey: Survey) -> None:
    inputs = all_fours(survey)[:-1]  # stop before the recommend question
    step = run(survey, inputs)
    assert step.state.position == "recommend"
    assert step.prompt is not None and [o.value for o in step.prompt.options] == list(range(11))


def low_rating_reasons(survey: Survey) -> Step:
    """A survey rated low on the first item, up to the reasons question."""
    inputs = all_fours(survey)
    inputs[0] = Pick(1)
    step = run(survey, inputs)
    assert step.state.position == "reasons"
    return step


def test_reasons_are_ticked_one_press_at_a_time_and_stored_only_when_done(survey: Survey) -> None:
    step = low_rating_reasons(survey)
    assert step.prompt is not None and step.prompt.keyboard.ticks and step.prompt.can_skip
    assert [o.category for o in step.prompt.options] == [
        "personnel", "personnel", "process", "process", "technology", "technology", "resources", "resources"
    ]  # fmt: skip
    for value in (7, 1, 3):
        step = handle(survey, step.state, Pick(value))
        assert step.effects == () and step.state.position == "reasons"
    step = handle(survey, step.state, Pick(3))  # a second press unticks
    assert step.prompt is not None and step.prompt.picked == (1, 7)
    done = handle(survey, step.state, Done())
    assert done.effects == (SaveAnswer("reasons", None, "1,7", choices=(1, 7)),)
    assert done.state.position == "comment" and done.state.answers["reasons"] == (1, 7)
    assert done.state.picks == ()


def test_done_with_nothing_ticked_skips_the_reasons(survey: Survey) -> None:
    step = handle(survey, low_rating_reasons(survey).state, Done())
    assert step.effects == (SaveAnswer("reasons", None, None),)
    assert step.state.position == "comment"


def test_back_from_the_comment_shows_the_reasons_picked_before(survey: Survey) -> None:
    step = low_rating_reasons(survey)
    for event in (Pick(2), Pick(8), Done(), Back()):
        step = handle(survey, step.state, event)
    assert step.state.position == "reasons" and step.prompt is not None and step.prompt.picked == (2, 8)
    step = handle(survey, step.state, Back())  # and further back, to the recommend question
    assert step.state.position == "recommend" and step.state.picks == ()


def test_typing_on_the_reasons_question_asks_for_the_buttons_and_done_elsewhere_changes_nothing(
    survey: Survey,
) -> None:
    step = low_rating_reasons(survey)
    typed = handle(survey, step.state, Typed("态度差"))
    assert typed.notice == "use_the_buttons" and typed.state == step.state
    first = start(survey, 1)
    done = handle(survey, first.state, Done())
    assert done.notice == "use_the_buttons" and done.state == first.state and done.effects == ()
    off_scale = handle(survey, step.state, Pick(9))
    assert off_scale.notice == "use_the_buttons" and off_scale.state == step.state


def test_picks_survive_a_json_round_trip(survey: Survey) -> None:
    step = low_rating_reasons(survey)
    for event in (Pick(4), Done(), Back(), Pick(5)):
        step = handle(survey, step.state, event)
    assert step.state.picks == (4, 5) and step.state.answers["reasons"] == (4,)
    assert SurveyState.from_json(step.state.to_json()) == step.state


def test_a_kano_pair_is_asked_with_the_five_standard_answers() -> None:
    example = load_survey_file(default_survey_path().with_name("servqual_kano_example.yaml"))
    answers = {"sms_progress": 1, "sms_progress_absent": 4}
    step = start(example, response_id=3)
    while step.prompt is not None and step.prompt.question.role not in ("kano_func", "kano_dysf"):
        step = handle(example, step.state, Pick(4))
    assert step.prompt is not None
    assert [o.label.zh for o in step.prompt.options if o.label] == [
        "我很喜欢", "理应如此", "无所谓", "能忍受", "我很不喜欢"
    ]  # fmt: skip
    assert next(o.label.en for o in step.prompt.options if o.label) == "I like it"
    step = handle(example, step.state, Typed("6"))
    assert step.notice == OUT_OF_RANGE
    for key in ("sms_progress", "sms_progress_absent"):
        assert step.prompt is not None and step.prompt.question.key == key
        step = handle(example, step.state, Pick(answers[key]))
        assert step.effects[0] == SaveAnswer(key, score=answers[key], text=None)
