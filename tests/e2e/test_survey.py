"""A customer answers the survey in Telegram (real aiogram over HTTP to the emulator, real PostgreSQL)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path, load_survey_file
from emulator.emulator import BotAPIEmulator
from emulator.params import Params
from storage.database import session_factory
from storage.models import AnswerRow, ProcessedUpdate, QuestionRow
from storage.unit_of_work import UnitOfWork
from tests.support.botapp import RunningBot, running_bot, running_webhook_bot
from tests.support.survey_steps import (
    THANKS_ZH,
    answer,
    current_question,
    option_button,
    responses_of,
    start_survey,
    stored_answers,
    wait_for_question,
)

SURVEY = load_survey_file(default_survey_path())
SCORED = [q for q in SURVEY.questions if q.role not in ("reasons", "comment")]
MODES = pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
CANNOT_EDIT = "Bad Request: message can't be edited"


class ReplyNotingEmulator(BotAPIEmulator):
    """The emulator, noting the Bot API methods the bot put in its webhook responses."""

    def __init__(self) -> None:
        super().__init__()
        self.webhook_replies: list[str] = []

    async def _run_webhook_reply(self, method: str, params: Params) -> None:
        self.webhook_replies.append(method)
        await super()._run_webhook_reply(method, params)


def running_in_mode(
    db: AsyncEngine, emulator: BotAPIEmulator, webhook: bool
) -> AbstractAsyncContextManager[object]:
    """The bot serving a webhook, or long polling."""
    return running_webhook_bot(db, emulator) if webhook else running_bot(db, emulator)


def planned_scores() -> dict[str, int]:
    """A varied, all-above-2 set of answers (so the comment question stays hidden)."""
    return {q.key: (9 if q.role == "nps" else 3 + i % 3) for i, q in enumerate(SCORED)}


async def test_customer_completes_the_survey_by_pressing_buttons(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1001, first_name="小王")
    await customer.send("/start")
    assert "您好，小王" in customer.last_text
    assert "📝 参加满意度调查" in customer.buttons
    await customer.press("📝 参加满意度调查")
    await wait_for_question(customer, "第 1/16 题 · 功能性")
    first = current_question(customer)
    assert "本次服务是否满足了您的需求？" in first
    assert customer.buttons == ["1 · 非常不满意", "2 · 不满意", "3 · 一般", "4 · 满意", "5 · 非常满意"]
    plan = planned_scores()
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, f"第 {number}/16 题")
        assert question.text.zh in current_question(customer)
        if number > 1:
            assert "« 上一题" in customer.buttons
        await answer(customer, plan[question.key])
    summary = customer.messages[-1].shown_text
    assert THANKS_ZH in summary
    assert "本次服务是否满足了您的需求？ — 3 · 一般" in summary
    assert await stored_answers(db, 1001) == {k: float(v) for k, v in plan.items()}
    assert await responses_of(db, 1001) == ["completed"]


async def test_a_press_turns_the_card_into_the_next_question_under_the_recorded_choice(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(1002)
    card = await start_survey(customer)
    messages_before = len(customer.messages)
    await answer(customer, 4)
    assert customer.keyboard_message is card and len(customer.messages) == messages_before
    recorded, question = card.shown_text.split("\n\n", 1)
    assert recorded == "✅ 已记录「本次服务是否满足了您的需求？」：4 · 满意"
    assert question.startswith("第 2/16 题 · 功能性") and SCORED[1].text.zh in question
    assert customer.buttons[-1] == "« 上一题"


async def test_the_last_press_turns_the_card_into_the_thanks_with_every_answer(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(1018)
    card = await start_survey(customer)
    for question in SCORED:
        await answer(customer, 9 if question.role == "nps" else 4)
    assert customer.last_message is card and card.buttons == []
    recorded, thanks = card.shown_text.split("\n\n", 1)
    assert recorded == f"✅ 已记录「{SCORED[-1].text.zh}」：9" and thanks.startswith("🙏 " + THANKS_ZH)
    assert card.shown_text.count(" — ") == len(SCORED)  # the summary lists every answer


async def test_wrong_input_at_every_step_gets_a_kind_reprompt_and_loses_nothing(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1003)
    await start_survey(customer)
    plan = planned_scores()
    wrong_inputs = ["还行吧", "😀👍", "x" * 4000, "/unknown"]
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, "/16 题")
        bad = wrong_inputs[number % len(wrong_inputs)]
        replies = await customer.send(bad)
        assert any("请点按下面的按钮作答" in m.shown_text for m in replies), customer.transcript()
        replies = await customer.send_sticker() if number % 2 else await customer.send_photo()
        assert "请点按下面的按钮作答" in customer.last_text
        if number == 1:  # a number off the 1–5 scale is told the range
            await customer.send("7")
            assert "这道题请输入 1 到 5 之间的数字" in customer.last_text
        assert question.text.zh in customer.last_text  # the question is shown again
        await answer(customer, plan[question.key])
    assert THANKS_ZH in customer.last_text
    assert await stored_answers(db, 1003) == {k: float(v) for k, v in plan.items()}


async def test_typing_the_number_answers_the_question(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1004)
    await start_survey(customer)
    await customer.send("5")
    await wait_for_question(customer, "第 2/16 题")
    assert (await stored_answers(db, 1004)) == {"func_needs": 5.0}


async def test_customer_leaves_and_resumes_after_the_bot_restarts(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(1005)
    plan = planned_scores()
    async with running_bot(db, emulator):
        await start_survey(customer)
        for question in SCORED[:6]:
            await answer(customer, plan[question.key])
        await wait_for_question(customer, "第 7/16 题")
    # the process is gone: six answers are already stored, the response is still open
    assert len(await stored_answers(db, 1005)) == 6
    assert await responses_of(db, 1005) == ["started"]
    async with running_bot(db, emulator):
        await customer.send("/start")
        await customer.wait_for(lambda: "▶️ 继续上次" in customer.buttons, what="resume offer")
        assert "已答 6 题" in customer.last_text
        await customer.press("▶️ 继续上次")
        await wait_for_question(customer, "第 7/16 题")
        for question in SCORED[6:]:
            await answer(customer, plan[question.key])
    assert THANKS_ZH in customer.last_text
    assert await stored_answers(db, 1005) == {k: float(v) for k, v in plan.items()}
    assert await responses_of(db, 1005) == ["completed"]


async def test_start_over_abandons_the_unfinished_response(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1006)
    await start_survey(customer)
    await answer(customer, 2)
    await customer.send("/survey")
    await customer.wait_for(lambda: "🔄 重新开始" in customer.buttons, what="restart offer")
    offer = customer.keyboard_message
    await customer.press("🔄 重新开始")
    await wait_for_question(customer, "第 1/16 题")
    assert await responses_of(db, 1006) == ["abandoned", "started"]
    # pressing the same offer again changes nothing
    await customer.press("🔄 重新开始", message=offer)
    assert customer.answers[-1].answer_text is not None and "不能再修改" in customer.answers[-1].answer_text
    assert await responses_of(db, 1006) == ["abandoned", "started"]


async def test_old_keyboard_and_double_press_are_answered_politely_and_change_nothing(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1007)
    await start_survey(customer)
    first = customer.keyboard_message
    assert first is not None
    first_data = [b.callback_data for b in first.buttons]
    await answer(customer, 4)
    await wait_for_question(customer, "第 2/16 题")
    messages_before = len(customer.messages)
    # press "2" on the first question again, using the callback data it had
    emulator.inject_callback(1007, first.message_id, first_data[1])
    await customer.wait_for(
        lambda: any(a.answer_text and "已经记录过了" in a.answer_text for a in customer.answers),
        what="polite answer",
    )
    assert len(customer.messages) == messages_before
    assert await stored_answers(db, 1007) == {"func_needs": 4.0}


async def test_back_revisits_the_previous_question_and_the_new_answer_replaces_the_old(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1008)
    await start_survey(customer)
    await answer(customer, 2)
    # the low score made the comment question appear, but the count is of the questions everyone gets
    await wait_for_question(customer, "第 2/16 题")
    await customer.press("« 上一题")
    await wait_for_question(customer, "第 1/16 题")
    await answer(customer, 5)
    await wait_for_question(customer, "第 2/16 题")
    assert await stored_answers(db, 1008) == {"func_needs": 5.0}


async def test_low_ratings_bring_the_optional_comment_which_keeps_long_text(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1009)
    await start_survey(customer)
    plan = planned_scores()
    plan["comfort_attitude"] = 1
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, f"第 {number}/")
        await answer(customer, plan[question.key])
    await wait_for_question(customer, "补充问题")  # the reasons for the low rating, skipped here
    await customer.press("跳过 »")
    await wait_for_question(customer, "补充问题")  # the comment
    assert "跳过 »" in customer.buttons
    comment = "排队" + "很久" * 1999
    await customer.send(comment)
    await customer.wait_for(lambda: THANKS_ZH in customer.last_text, what="thanks")
    stored = await stored_answers(db, 1009)
    assert stored["comment"] == comment and len(comment) == 4000


async def test_english_customer_gets_english_and_can_switch_language(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(1010, language_code="en", first_name="Ann")
    await customer.send("/start")
    assert "Hello, Ann" in customer.last_text
    await customer.send("/survey")
    await wait_for_question(customer, "Question 1/16 · Functionality")
    assert option_button(customer, 5) == "5 · Very satisfied"
    await customer.send("/language")
    await customer.press("中文")
    await customer.wait_for(lambda: "已切换为中文" in customer.last_text, what="language switched")
    await customer.send("/help")
    assert "/survey" in customer.last_text and "参加服务质量满意度调查" in customer.last_text


async def test_duplicate_updates_are_processed_once(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1011)
    await start_survey(customer)
    await customer.press(option_button(customer, 3))
    await wait_for_question(customer, "第 2/16 题")
    press_update = max(emulator.updates)
    sent_before = len(emulator.calls("sendMessage"))
    emulator.redeliver(press_update)
    text_update = emulator.inject_text(1011, "4").update_id
    await wait_for_question(customer, "第 3/16 题")
    assert text_update is not None
    emulator.redeliver(text_update)
    await customer.send("/help")  # a later update is handled, so the redeliveries were seen before it
    assert len(emulator.calls("sendMessage")) == sent_before + 2  # question 3 and the help text
    assert await stored_answers(db, 1011) == {"func_needs": 3.0, "func_practical": 4.0}
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 2
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) >= 4


async def test_cancel_leaves_and_survey_offers_to_resume(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(1012)
    await start_survey(customer)
    await answer(customer, 4)
    await customer.send("/cancel")
    assert "已退出" in customer.last_text
    await customer.send("随便说点什么")
    assert "没有理解" in customer.last_text
    await customer.send("/survey")
    assert "已答 1 题" in customer.last_text


async def test_deep_link_opens_an_operators_survey(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    branch = SURVEY.model_copy(
        update={"key": "branch", "title": SURVEY.title.model_copy(update={"zh": "网点服务调查"})}
    )
    async with session_factory(db)() as session, session.begin():
        await UnitOfWork(session).surveys.store(branch)
    customer = emulator.customer(1013)
    await customer.send("/start survey_branch")
    await customer.wait_for(lambda: customer.keyboard_message is not None, what="question 1")
    assert any("网点服务调查" in m.shown_text for m in customer.messages)
    stranger = emulator.customer(1015)
    await stranger.send("/start survey_nope")
    await stranger.wait_for(lambda: "这份问卷暂时无法使用" in stranger.last_text, what="unknown survey")


async def test_a_new_survey_version_mid_response_keeps_the_old_questions(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(1014)
    await start_survey(customer)
    await answer(customer, 4)
    changed = SURVEY.model_copy(update={"intro": SURVEY.intro.model_copy(update={"zh": "新版本"})})
    async with session_factory(db)() as session, session.begin():
        loaded = await UnitOfWork(session).surveys.store(changed)
    assert loaded.version == 2
    await answer(customer, 5)
    async with session_factory(db)() as session:
        versions = await session.scalars(
            select(QuestionRow.survey_version_id).join(AnswerRow, AnswerRow.question_id == QuestionRow.id)
        )
        assert set(versions) == {loaded.version_id - 1}
    # a new attempt uses the new version
    await customer.send("/survey")
    await customer.press("🔄 重新开始")
    await customer.wait_for(
        lambda: any("新版本" in m.shown_text for m in customer.messages), what="new intro"
    )


@MODES
async def test_a_press_is_one_edit_of_the_card_then_acknowledged(db: AsyncEngine, webhook: bool) -> None:
    async with ReplyNotingEmulator() as emulator, running_in_mode(db, emulator, webhook):
        customer = emulator.customer(1016)
        await start_survey(customer)
        card = customer.keyboard_message
        assert card is not None
        sent_before = len(emulator.calls("sendMessage"))
        await customer.press(option_button(customer, 4))
        await wait_for_question(customer, "第 2/16 题")
        await customer.wait_for(lambda: customer.answers[-1].answered, what="the press acknowledged")
        await customer.wait_quiet()
        assert customer.keyboard_message is card and "✅ 已记录" in card.shown_text
        assert len(emulator.calls("sendMessage")) == sent_before  # nothing new in the chat
        [edit] = emulator.calls("editMessageText")
        [press] = customer.answers
        assert (press.answer_text, press.show_alert) == (None, False)  # no toast: the spinner just stops
        # Acknowledged once, after the edit; in webhook mode inside the webhook's HTTP response.
        [ack] = emulator.calls("answerCallbackQuery")
        assert ack.seq > edit.seq
        assert emulator.webhook_replies == (["answerCallbackQuery"] if webhook else [])


@MODES
async def test_a_card_that_cannot_be_edited_is_followed_by_a_new_message(
    db: AsyncEngine, emulator: BotAPIEmulator, webhook: bool
) -> None:
    customer = emulator.customer(1017)
    async with running_in_mode(db, emulator, webhook):
        await start_survey(customer)
        card = customer.keyboard_message
        assert card is not None
        emulator.fail_next("editMessageText", status=400, description=CANNOT_EDIT)
        await customer.press(option_button(customer, 4))
        await wait_for_question(customer, "第 2/16 题")
        newest = customer.keyboard_message
        assert newest is not None and newest.message_id > card.message_id
        assert newest.shown_text.startswith("✅ 已记录「本次服务是否满足了您的需求？」：4 · 满意")
        await customer.wait_for(lambda: customer.answers[-1].answered, what="the press acknowledged")
        await answer(customer, 5)
    assert await stored_answers(db, 1017) == {"func_needs": 4.0, "func_practical": 5.0}


@MODES
async def test_a_reply_that_fails_for_good_after_the_answer_is_stored_loses_no_answer(
    db: AsyncEngine, emulator: BotAPIEmulator, webhook: bool
) -> None:
    customer = emulator.customer(1019)
    async with running_in_mode(db, emulator, webhook):
        await start_survey(customer)
        # The edit fails, and so does the new message sent in its place.
        emulator.fail_next("editMessageText", status=400, description=CANNOT_EDIT)
        emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        emulator.press(1019, option_button(customer, 4))
        await customer.wait_for(
            lambda: any(not c.ok for c in emulator.calls("sendMessage")), what="the failed reply"
        )
        await customer.wait_quiet()
        # The handler failed after its commit: the answer is kept and the survey resumes after it.
        assert await stored_answers(db, 1019) == {"func_needs": 4.0}
        await customer.send("/survey")
        assert "已答 1 题" in customer.last_text
        await customer.press("▶️ 继续上次")
        await wait_for_question(customer, "第 2/16 题")
        await answer(customer, 5)
    assert await stored_answers(db, 1019) == {"func_needs": 4.0, "func_practical": 5.0}
