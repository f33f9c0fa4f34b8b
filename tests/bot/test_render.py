"""Survey and menu keyboards: rows as the customer sees them, callback data the handlers read back."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import render
from bot.callbacks import SurveyCb
from dialogs.survey_flow import Pick, Prompt, Skip, SurveyState, handle, prompt_for, start
from dialogs.survey_loader import default_survey_path, load_survey_file

SURVEY = load_survey_file(default_survey_path())
RESPONSE = 4711


def rows(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    """Button texts, row by row."""
    assert markup is not None
    return [[button.text for button in row] for row in markup.inline_keyboard]


def prompt_after(scores: list[int]) -> Prompt:
    """The prompt shown after answering the first questions with these scores."""
    state: SurveyState = start(SURVEY, RESPONSE).state
    for score in scores:
        state = handle(SURVEY, state, Pick(score)).state
    prompt = prompt_for(SURVEY, state)
    assert prompt is not None
    return prompt


def test_labelled_options_one_per_row_and_back_on_its_own_row() -> None:
    second = render.question_keyboard(prompt_after([4]), RESPONSE, "zh")
    assert rows(second) == [
        ["1 · 非常不满意"],
        ["2 · 不满意"],
        ["3 · 一般"],
        ["4 · 满意"],
        ["5 · 非常满意"],
        ["« 上一题"],
    ]
    assert second is not None
    data = [SurveyCb.unpack(b.callback_data or "") for row in second.inline_keyboard for b in row]
    assert [(d.action, d.r, d.q, d.v) for d in data[:2]] == [
        ("a", RESPONSE, "func_practical", 1),
        ("a", RESPONSE, "func_practical", 2),
    ]
    assert (data[-1].action, data[-1].q) == ("b", "func_practical")


def test_the_first_question_has_no_back_row() -> None:
    assert rows(render.question_keyboard(prompt_after([]), RESPONSE, "en"))[-1] == ["5 · Very satisfied"]


def test_a_numeric_scale_takes_two_rows_the_longer_first() -> None:
    prompt = prompt_after([4] * 15)
    assert prompt.question.role == "nps"
    assert rows(render.question_keyboard(prompt, RESPONSE, "zh")) == [
        ["0", "1", "2", "3", "4", "5"],
        ["6", "7", "8", "9", "10"],
        ["« 上一题"],
    ]


def test_the_optional_comment_offers_back_and_skip_side_by_side() -> None:
    state = handle(SURVEY, start(SURVEY, RESPONSE).state, Pick(2)).state
    for event in [*[Pick(4)] * 15, Skip()]:  # … the reasons skipped
        state = handle(SURVEY, state, event).state
    prompt = prompt_for(SURVEY, state)
    assert prompt is not None and prompt.question.key == "comment"
    assert rows(render.question_keyboard(prompt, RESPONSE, "zh")) == [["« 上一题", "跳过 »"]]


def test_reasons_are_ticked_in_place_with_done_then_back_and_skip() -> None:
    state = handle(SURVEY, prompt_state([2] + [4] * 15), Pick(7)).state
    prompt = prompt_for(SURVEY, state)
    assert prompt is not None and prompt.question.key == "reasons"
    keyboard = render.question_keyboard(prompt, RESPONSE, "zh")
    assert rows(keyboard) == [
        ["▫️ 服务态度不好"],
        ["▫️ 业务不熟练、解释不清"],
        ["▫️ 手续繁琐、来回跑"],
        ["▫️ 规定或收费不合理"],
        ["▫️ 系统或设备出故障"],
        ["▫️ 网上或自助渠道不好用"],
        ["✅ 人手或窗口不够、排队久"],
        ["▫️ 环境或设施不足"],
        ["✔️ 选好了，完成"],
        ["« 上一题", "跳过 »"],
    ]
    assert keyboard is not None
    done = SurveyCb.unpack(keyboard.inline_keyboard[8][0].callback_data or "")
    assert (done.action, done.q) == ("d", "reasons")
    answer = render.answer_label(SURVEY, prompt.question, (1, 7), "en")
    assert answer == "Unfriendly or impatient staff, Too few staff or counters; a long wait"


def prompt_state(scores: list[int]) -> SurveyState:
    state: SurveyState = start(SURVEY, RESPONSE).state
    for score in scores:
        state = handle(SURVEY, state, Pick(score)).state
    return state


def test_menus() -> None:
    assert len(rows(render.main_menu("zh"))) == 4
    assert all(len(row) == 1 for row in rows(render.main_menu("zh")))
    assert rows(render.resume_keyboard("zh", RESPONSE)) == [["▶️ 继续上次", "🔄 重新开始"]]
    assert rows(render.language_keyboard()) == [["中文", "English"]]
    assert rows(render.complaint_offer("en")) == [[render.t("en", "btn_complain")]]
