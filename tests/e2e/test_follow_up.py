"""The closed loop in Telegram (好差评): a low rating opens a follow-up case by itself, the customer is
told when to expect contact, the reasons step, admins work the case, and the customer re-rates once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path, load_survey_file
from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from emulator.state import ChatMessage
from storage.database import session_factory
from storage.models import Complaint, ComplaintLabel, RatingReason, Response, TicketEvent
from tests.support.botapp import ADMIN_ID, RunningBot
from tests.support.survey_steps import THANKS_ZH, answer, start_survey, wait_for_question

SURVEY = load_survey_file(default_survey_path())
SCORED = [q for q in SURVEY.questions if q.role not in ("reasons", "comment")]
DONE = "✔️ 选好了，完成"
COMMENT = "窗口工作人员一直在聊天，问了三遍都没人理"


def next_working_day(today: date) -> date:
    """The first Monday–Friday after `today` (no holidays are configured in these tests)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def rate_overall(customer: Customer, overall: int) -> None:
    """Answer every rated question with 4 (9 for the recommendation) except overall satisfaction."""
    await start_survey(customer)
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, f"第 {number}/")
        if question.role == "overall":
            await answer(customer, overall)
        else:
            await answer(customer, 9 if question.role == "nps" else 4)


async def tick(customer: Customer, reason: str) -> None:
    """Tick a reason on the reasons card and wait for the tick to show."""
    await customer.press(f"▫️ {reason}")
    await customer.wait_for(lambda: f"✅ {reason}" in customer.buttons, what=f"{reason} ticked")


async def skip_to_thanks(customer: Customer) -> None:
    """Skip the remaining optional questions (reasons, comment) until the thank-you."""
    while THANKS_ZH not in customer.last_text:
        await customer.wait_for(lambda: "跳过 »" in customer.buttons, what="an optional question")
        card = customer.keyboard_message
        assert card is not None
        edits = card.edited
        await customer.press("跳过 »")
        await customer.wait_for(lambda card=card, edits=edits: card.edited > edits, what="the next step")


def ticket_card(admin: Customer) -> ChatMessage:
    """The admin's latest message carrying a ticket's action buttons."""
    return [m for m in admin.messages if "💬 回复客户" in [b.text for b in m.buttons]][-1]


async def the_case(engine: AsyncEngine) -> Complaint:
    async with session_factory(engine)() as session:
        return (await session.scalars(select(Complaint))).one()


async def test_a_low_overall_rating_opens_a_case_and_the_customer_is_told_when_to_expect_contact(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    admin = emulator.customer(ADMIN_ID, first_name="管理员")
    await admin.send("/start")
    customer = emulator.customer(5101, first_name="小李")
    await rate_overall(customer, 2)
    await wait_for_question(customer, "哪些方面让您不满意")
    assert "哪些方面让您不满意？" in customer.last_text
    await tick(customer, "服务态度不好")
    await tick(customer, "业务不熟练、解释不清")
    await customer.press(DONE)
    await wait_for_question(customer, "能具体说说发生了什么")
    await customer.send(COMMENT)
    await customer.wait_for(lambda: THANKS_ZH in customer.last_text, what="the thank-you")

    thanks = customer.last_text
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    revisit = next_working_day(today)
    weekday = "一二三四五"[revisit.weekday()]
    assert "哪些方面让您不满意？可以多选，选好后点「完成」。 — 服务态度不好、业务不熟练、解释不清" in thanks
    assert "我们已为您开立回访单 TJ-000001" in thanks
    assert f"工作人员最迟会在 {revisit.isoformat()}（周{weekday}）当天与您联系" in thanks
    assert "📣 投诉 / 反馈问题" not in customer.buttons  # the case replaces the offer to complain

    await admin.wait_for(lambda: "新的差评回访单 TJ-000001" in admin.last_text, what="the admin alert")
    assert "总体评分 2 分 · 人员素质" in admin.last_text and "原因：人员素质" in admin.last_text
    assert COMMENT in admin.last_text and "✅ 受理" in admin.buttons

    case = await the_case(db)
    async with session_factory(db)() as session:
        response_id = (await session.scalars(select(Response.id))).one()
        reasons = (await session.execute(select(RatingReason.reason, RatingReason.category))).all()
        label = (await session.scalars(select(ComplaintLabel))).one()
    assert (case.kind, case.status, case.rating_before, case.category) == (
        "follow_up",
        "received",
        2,
        "personnel",
    )
    assert case.description == COMMENT and case.source_response_id == response_id
    assert case.revisit_due_at is not None and case.fix_due_at is not None
    assert case.revisit_due_at.astimezone(ZoneInfo("Asia/Shanghai")).date() == revisit + timedelta(days=1)
    assert sorted(reasons) == [(1, "personnel"), (2, "personnel")]
    assert (label.text, label.label, label.source) == (COMMENT, "personnel", "customer_reason")
    assert (label.complaint_id, label.response_id) == (case.id, response_id)

    await customer.send("/mytickets")
    await customer.wait_for(lambda: "TJ-000001 · 已受理" in customer.last_text, what="the case listed")


async def test_the_admin_works_the_case_and_the_customer_re_rates_once(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    admin = emulator.customer(ADMIN_ID, first_name="管理员")
    await admin.send("/start")
    customer = emulator.customer(5102)
    await rate_overall(customer, 1)
    await skip_to_thanks(customer)
    assert "回访单 TJ-000001" in customer.last_text

    await admin.send("/tickets cases")
    await admin.wait_for(lambda: "工单列表（未完结 · 差评回访）" in admin.last_text, what="the list of cases")
    assert "TJ-000001 · 已受理 · 其他 · 一般 · 📌回访" in admin.last_text
    await admin.press("TJ-000001")
    await admin.wait_for(lambda: "📌 差评回访：总体评分 1 分" in ticket_card(admin).shown_text, what="card")
    card = ticket_card(admin)
    assert "客户选择的原因：未选择" in card.shown_text and "回访期限：" in card.shown_text
    await admin.press("✅ 受理", message=card)
    await customer.wait_for(lambda: "TJ-000001 有新进展：处理中" in customer.last_text, what="in progress")

    await admin.press("✔️ 标记已解决", message=ticket_card(admin))
    await admin.wait_for(lambda: "解决说明" in admin.last_text, what="the resolution prompt")
    await admin.send("已约谈窗口负责人，高峰时段增开两个窗口。")
    await customer.wait_for(lambda: "您可以重新评价一次本次服务" in customer.last_text, what="re-rate offer")
    offer = customer.last_message
    assert offer is not None and "已约谈窗口负责人" in offer.shown_text
    assert [b.text for b in offer.buttons] == [
        "1 · 非常不满意", "2 · 不满意", "3 · 一般", "4 · 满意", "5 · 非常满意", "🔁 问题没解决，重新打开"
    ]  # fmt: skip
    five = next(b.callback_data for b in offer.buttons if b.text == "5 · 非常满意")
    assert five is not None

    await customer.press("4 · 满意", message=offer)
    await customer.wait_for(lambda: "谢谢您的重新评价" in customer.last_text, what="re-rating recorded")
    assert "已记录：4 · 满意（原评价 1 分）" in customer.last_text and offer.buttons == []
    await admin.wait_for(lambda: "客户重新评价了回访单 TJ-000001：1 → 4 分" in admin.last_text, what="told")

    # a second re-rating (an old keyboard pressed again) is refused politely and changes nothing
    emulator.inject_callback(5102, offer.message_id, five)
    await customer.wait_for(
        lambda: any(a.answer_text and "只能重新评价一次" in a.answer_text for a in customer.answers),
        what="the polite refusal",
    )
    await admin.press("🗄 关闭", message=ticket_card(admin))
    await customer.wait_for(lambda: "TJ-000001 有新进展：已关闭" in customer.last_text, what="closed")
    assert customer.buttons == []  # already re-rated: no second offer

    case = await the_case(db)
    assert (case.status, case.rerating, case.rating_before) == ("closed", 4, 1)
    assert case.first_response_at is not None and case.revisit_due_at is not None
    assert case.first_response_at <= case.revisit_due_at  # revisited in time
    async with session_factory(db)() as session:
        actions = list(await session.scalars(select(TicketEvent.action).order_by(TicketEvent.id)))
    assert actions == ["open", "acknowledge", "resolve", "rerate", "close"]


async def test_the_reasons_step_ticks_unticks_goes_back_and_skips(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(5103)
    await rate_overall(customer, 2)
    await wait_for_question(customer, "哪些方面让您不满意")
    card = customer.keyboard_message
    await tick(customer, "人手或窗口不够、排队久")
    assert customer.keyboard_message is card  # ticks turn the same card
    await customer.press("✅ 人手或窗口不够、排队久")  # a second press unticks
    await customer.wait_for(lambda: "▫️ 人手或窗口不够、排队久" in customer.buttons, what="unticked")
    await tick(customer, "系统或设备出故障")
    await customer.press("« 上一题")  # ticks not confirmed with Done are not kept
    await wait_for_question(customer, "第 16/16 题")
    await answer(customer, 3)
    await wait_for_question(customer, "哪些方面让您不满意")
    assert not any(label.startswith("✅") for label in customer.buttons)

    await tick(customer, "系统或设备出故障")
    await tick(customer, "人手或窗口不够、排队久")
    await customer.press(DONE)
    await wait_for_question(customer, "能具体说说发生了什么")
    await customer.press("« 上一题")  # back from the comment: the confirmed picks are still ticked
    await wait_for_question(customer, "哪些方面让您不满意")
    assert {"✅ 系统或设备出故障", "✅ 人手或窗口不够、排队久"} <= set(customer.buttons)
    await customer.press(DONE)
    await wait_for_question(customer, "能具体说说发生了什么")
    await customer.send("自助机坏了，只能排人工窗口")
    await customer.wait_for(lambda: THANKS_ZH in customer.last_text, what="the thank-you")

    case = await the_case(db)
    async with session_factory(db)() as session:
        reasons = sorted((await session.execute(select(RatingReason.reason, RatingReason.category))).all())
        labels = (await session.scalars(select(ComplaintLabel))).all()
    assert reasons == [(5, "technology"), (7, "resources")]
    assert case.category == "technology"  # one pick each: the categories' order decides
    assert labels == []  # two categories make no label for the one-category classifier


async def test_skipping_the_reasons_stores_none_and_the_case_still_opens(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(5104)
    await rate_overall(customer, 2)
    await wait_for_question(customer, "哪些方面让您不满意")
    await tick(customer, "规定或收费不合理")
    await customer.press("跳过 »")  # skipping drops the unconfirmed tick
    await wait_for_question(customer, "能具体说说发生了什么")
    await skip_to_thanks(customer)
    assert "选好后点「完成」。 — （已跳过）" in customer.last_text
    assert "回访单 TJ-000001" in customer.last_text
    case = await the_case(db)
    async with session_factory(db)() as session:
        assert (await session.scalars(select(RatingReason))).all() == []
    assert (case.category, case.description) == ("other", "")


async def test_a_good_overall_rating_opens_no_case_and_keeps_the_offer_to_complain(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(5105)
    await start_survey(customer)
    for number, question in enumerate(SCORED, start=1):
        await wait_for_question(customer, f"第 {number}/")
        await answer(customer, 2 if number == 1 else 9 if question.role == "nps" else 4)
    await skip_to_thanks(customer)
    assert "回访单" not in customer.last_text and "📣 投诉 / 反馈问题" in customer.buttons
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Complaint))).all() == []
