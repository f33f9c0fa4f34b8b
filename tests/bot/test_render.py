"""Survey and menu keyboards: rows as the customer sees them, callback data the handlers read back."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import render
from bot.callbacks import SurveyCb
from dialogs.survey import Survey
from dialogs.survey_flow import Back, Pick, Prompt, Skip, SurveyState, Typed, handle, prompt_for, start
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


def _skip_logic_survey() -> Survey:
    """Two conditional questions: one in the middle after a low item, one at the end."""
    rating = {"kind": "rating", "options": [{"value": v} for v in range(1, 6)]}

    def ask(key: str, role: str, **more: object) -> dict[str, object]:
        return {"key": key, "text": {"zh": f"{key}？", "en": f"{key}?"}, "role": role, **more}

    low_item = {"any_score_at_most": 2, "roles": ["item"]}
    return Survey.model_validate(
        {
            "key": "branching",
            "title": {"zh": "分支", "en": "Branching"},
            "intro": {"zh": "说明", "en": "Intro"},
            "scales": {"rating": rating},
            "dimensions": [{"key": "comfort", "name": {"zh": "舒适性", "en": "Comfort"}}],
            "questions": [
                ask("q1", "item", dimension="comfort", scale="rating"),
                ask("q2", "item", dimension="comfort", scale="rating"),
                ask("why", "comment", kind="text", required=False, show_if=low_item),
                ask("q3", "item", dimension="comfort", scale="rating"),
                ask("q4", "overall", scale="rating"),
                ask("last", "comment", kind="text", required=False, show_if=low_item),
            ],
        }
    )


def test_the_counter_never_moves_when_a_conditional_question_appears_or_goes() -> None:
    survey = _skip_logic_survey()
    step = start(survey, RESPONSE)
    headers = []
    for event in (Pick(4), Pick(1), Typed("太慢"), Back(), Back(), Pick(5), Pick(4), Pick(4)):
        assert step.prompt is not None
        headers.append(render.question_text(survey, step.prompt, "zh").split("\n")[0])
        step = handle(survey, step.state, event)
    assert step.state.finished
    assert headers == [
        "<b>第 1/4 题 · 舒适性</b>",
        "<b>第 2/4 题 · 舒适性</b>",
        "<b>补充问题</b>",  # the low score brings the follow-up: no number, the total stays 4
        "<b>第 3/4 题 · 舒适性</b>",
        "<b>补充问题</b>",
        "<b>第 2/4 题 · 舒适性</b>",  # changed to 5: the follow-up goes, the numbers stay
        "<b>第 3/4 题 · 舒适性</b>",
        "<b>第 4/4 题</b>",
    ]


def test_the_default_survey_counts_sixteen_whatever_the_scores() -> None:
    low, high = prompt_after([1, 1, 1]), prompt_after([5, 5, 5])
    assert (low.number, low.total) == (high.number, high.total) == (4, 16)
    # after low scores the reasons question (then the comment) follows, shown without a number
    follow_up = prompt_after([1] * 15 + [9])
    assert follow_up.question.key == "reasons"
    assert render.question_text(SURVEY, follow_up, "en").startswith("<b>Follow-up question</b>")
