"""Admins in chat: /campaign sets a campaign up with buttons, /campaigns shows response rates and pauses it,
/kpis sets KPIs against targets; customers cannot use any of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.campaigns import CampaignSender
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.kpis import NewReading
from storage.unit_of_work import UnitOfWork
from tests.distribution.helpers import INVITE_ZH, add_customers, received
from tests.support.botapp import ADMIN_ID, bot_settings, running_bot

VIPS = [810_001, 810_002, 810_003]
OTHERS = [810_004, 810_005]
NO_QUIET = {"campaign_quiet_hours": "00:00-00:00"}  # the test may run at any hour


async def test_admin_sets_up_a_tagged_campaign_in_chat_and_follows_its_rate(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    await add_customers(db, emulator, VIPS + OTHERS)
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        for telegram_id in VIPS:
            respondent = await uow.respondents.by_telegram_id(telegram_id)
            assert respondent is not None
            await uow.profiles.set_tags(respondent.id, ["vip"])
    async with running_bot(db, emulator, **NO_QUIET):
        admin = emulator.customer(ADMIN_ID, first_name="管理员")
        await admin.send("/campaign")
        assert "邀请哪些客户" in admin.last_text and "按客户标签…" in admin.buttons
        await admin.press("按客户标签…")
        await admin.wait_for(lambda: "请输入客户标签" in admin.last_text)
        await admin.send("vip!")
        assert "标签只能包含" in admin.last_text
        await admin.send("#vip")
        assert "什么时候发送" in admin.last_text
        await admin.press("现在发送一次")
        await admin.wait_for(lambda: "未完成的客户要提醒吗" in admin.last_text)
        assert "21:00-09:00" not in admin.last_text and "00:00-00:00" in admin.last_text
        await admin.press("2 天后提醒 1 次")
        await admin.wait_for(lambda: "请确认调查活动" in admin.last_text)
        confirm = admin.last_text
        assert "标签「vip」的客户（目前 3 人）" in confirm and "48 小时后提醒，最多 1 次" in confirm
        await admin.press("🚀 开始发送")
        await admin.wait_for(lambda: "已创建" in admin.last_text)
        assert "（3 人）" in admin.last_text

        sender = CampaignSender.with_own_bot(db, bot_settings(emulator, **NO_QUIET))
        try:
            assert (await sender.tick()).sent == 3
        finally:
            await sender.stop()
        assert [received(emulator, u, INVITE_ZH) for u in VIPS + OTHERS] == [1, 1, 1, 0, 0]

        await admin.send("/campaigns")
        overview = admin.last_text
        assert "调查活动（共 1 个）" in overview and "标签「vip」的客户 · 单次" in overview
        assert "邀请 3 · 打开 0 · 开始 0 · 完成 0（回收率 0%）" in overview
        pause = next(label for label in admin.buttons if label.startswith("⏸ 暂停"))
        await admin.press(pause)
        await admin.wait_for(lambda: "已暂停" in admin.last_text)
        assert any(label.startswith("▶️ 继续") for label in admin.buttons)

        customer = emulator.customer(OTHERS[0])
        for command in ("/campaign", "/campaigns", "/kpis"):
            await customer.send(command)
            assert "仅限管理员" in customer.last_text


async def test_kpis_report_sets_readings_against_targets(db: AsyncEngine, emulator: BotAPIEmulator) -> None:
    now = datetime.now(UTC)
    async with session_factory(db)() as session, session.begin():
        await UnitOfWork(session).kpis.store(
            [
                NewReading("waiting_time", value, now - timedelta(hours=hours))
                for hours, value in ((1, 6), (2, 14))
            ]
            + [NewReading("uptime", 99.9, now - timedelta(hours=3))]
        )
    async with running_bot(db, emulator):
        admin = emulator.customer(ADMIN_ID)
        await admin.send("/kpis 7")
        assert admin.last_text == "正在准备，好了会发给您…"  # the worker builds it; the chat is told first
        await admin.wait_for(lambda: "绩效指标" in admin.last_text, what="the KPI report")
        report = admin.last_text
        assert "绩效指标（最近 7 天）" in report
        assert "排队等候时间：平均 10min（目标 ≤ 10min）✅ · 达标 50% · 2 个读数" in report
        assert "系统可用率：平均 99.9%（目标 ≥ 99.5%）✅ · 达标 100%" in report
        assert "与「响应性」评分的相关：数据不足" in report
        await admin.send("/kpis lots")
        assert "用法：/kpis" in admin.last_text
