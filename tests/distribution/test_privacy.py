"""Customers' data rights end to end: a customer linked through a deep link gets a post-service survey from
the API, answers it (with a comment), files a complaint, reads /mydata, and /forget leaves no personal
data in any table of the database (checked column by column through information_schema)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.routes import add_api_routes
from bot.jobs.campaigns import CampaignSender
from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import Complaint
from storage.unit_of_work import UnitOfWork
from tests.distribution.helpers import INVITE_ZH
from tests.e2e.test_complaint import PART_1, PART_2, file_complaint
from tests.support.botapp import bot_settings, running_bot
from tests.support.survey_steps import THANKS_ZH, answer, wait_for_question

TELEGRAM_ID = 987_654_321
NAME = "韩梅梅"
EXTERNAL_ID = "CRM-778899"
COMMENT = "柜员小刘态度很差，我家住幸福小区 5 栋"
KEY = "operator-key-0123456789"
SETTINGS = {"api_keys": KEY, "campaign_quiet_hours": "00:00-00:00"}  # the test may run at any hour


async def answer_survey(customer: Customer, first_score: int, comment: str | None = None) -> None:
    """Answer the open survey: `first_score` for the first question, 4 for the rest, the reason
    「服务态度不好」 (which keeps the comment as a classifier label) and the comment."""
    await wait_for_question(customer, "第 1/")
    await answer(customer, first_score)
    while not any(THANKS_ZH in m.shown_text for m in customer.messages):
        await customer.wait_for(lambda: customer.keyboard_message is not None, what="a question")
        if "✔️ 选好了，完成" in customer.buttons:
            await customer.press("▫️ 服务态度不好")
            await customer.wait_for(lambda: "✅ 服务态度不好" in customer.buttons, what="the tick")
            await customer.press("✔️ 选好了，完成")
            await customer.wait_for(lambda: "✔️ 选好了，完成" not in customer.buttons, what="the comment")
        elif comment is not None and "跳过 »" in customer.buttons and len(customer.buttons) <= 2:
            await customer.send(comment)
            await customer.wait_for(lambda: any(THANKS_ZH in m.shown_text for m in customer.messages))
        else:
            await answer(customer, 4)


async def personal_traces(engine: AsyncEngine, needles: list[str]) -> list[tuple[str, str]]:
    """(table.column, needle) for every column of every table whose text form contains a needle."""
    found = []
    async with engine.connect() as connection:
        columns = await connection.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name <> 'alembic_version' ORDER BY 1, 2"
            )
        )
        for table, column in columns:
            for needle in needles:
                hits = await connection.scalar(
                    text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :pattern'),
                    {"pattern": f"%{needle}%"},
                )
                if hits:
                    found.append((f"{table}.{column}", needle))
    return found


async def test_a_linked_customer_answers_a_post_service_survey_reads_mydata_and_forgets(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    settings = bot_settings(emulator, **SETTINGS)
    async with running_bot(db, emulator, **SETTINGS) as tingjian:
        app = web.Application()
        add_api_routes(app, db, settings, tingjian.bot)
        async with TestClient(TestServer(app)) as api:
            headers = {"Authorization": f"Bearer {KEY}"}
            link = await (
                await api.post("/api/v1/customer-links", json={"external_id": EXTERNAL_ID}, headers=headers)
            ).json()
            assert link["url"] == f"https://t.me/tingjian_test_bot?start={link['start_parameter']}"

            customer = emulator.customer(TELEGRAM_ID, first_name=NAME)
            token = link["start_parameter"].removeprefix("link")
            forged = "link" + token[:-1] + ("A" if token[-1] != "A" else "B")
            await customer.send(f"/start {forged}")
            assert "链接无效" in customer.last_text
            await customer.send(f"/start {link['start_parameter']}")
            assert "已关联您的客户账号" in customer.last_text

            service = {"branch": "人民路营业厅", "staff_id": "S-017", "service_type": "开户"}
            invitation = {"customer": {"external_id": EXTERNAL_ID}, "context": service}
            accepted = await api.post("/api/v1/invitations", json=invitation, headers=headers)
            assert accepted.status == 202
            sender = CampaignSender.with_own_bot(db, settings)
            try:
                assert (await sender.tick()).sent == 1
            finally:
                await sender.stop()
            await customer.wait_for(lambda: INVITE_ZH in customer.last_text, what="the invitation")

            await customer.press("📝 开始填写")
            await customer.wait_for(lambda: any("关于您的数据" in m.shown_text for m in customer.messages))
            await answer_survey(customer, 1, COMMENT)
            exported = await (await api.get("/api/v1/responses?branch=人民路营业厅", headers=headers)).json()
            (response,) = exported["items"]
            assert response["status"] == "completed" and response["campaign"] == "post_service"
            assert response["context"] == service
            assert response["customer"] == {"telegram_id": TELEGRAM_ID, "external_id": EXTERNAL_ID}
            assert any(a["text"] == COMMENT for a in response["answers"])

        # the privacy notice comes with the first survey only
        await customer.send("/survey")
        await wait_for_question(customer, "第 1/")
        assert sum("关于您的数据" in m.shown_text for m in customer.messages) == 1
        await customer.send("/cancel")

        ticket = await file_complaint(customer)
        async with session_factory(db)() as session, session.begin():
            uow = UnitOfWork(session)
            complaint = await session.get_one(Complaint, int(ticket.removeprefix("TJ-")))
            await uow.complaints.record(
                complaint, actor_role="admin", actor_id=900001, action="reply", note=f"{NAME}您好，已安排回访"
            )

        await customer.send("/mydata")
        await customer.wait_for(
            lambda: customer.last_message is not None and customer.last_message.document is not None
        )
        assert customer.last_message is not None and customer.last_message.document is not None
        mydata: dict[str, Any] = json.loads(customer.last_message.document)
        assert mydata["customer"]["telegram_id"] == TELEGRAM_ID and mydata["customer"]["first_name"] == NAME
        assert mydata["profile"]["external_id"] == EXTERNAL_ID
        assert [c["ticket"] for c in mydata["complaints"]] == [ticket]
        assert PART_1 in mydata["complaints"][0]["description"] and mydata["complaints"][0]["phone"]
        assert any(a["text"] == COMMENT for r in mydata["responses"] for a in r["answers"])
        assert mydata["invitations"][0]["context"] == service
        assert "回答 2 份 · 投诉 1 条 · 调查邀请 1 条" in customer.last_text

        needles = [
            str(TELEGRAM_ID),
            NAME,
            EXTERNAL_ID,
            COMMENT[:6],
            PART_1[:8],
            PART_2[:8],
            "13812345678",
            "PHOTO-",
        ]
        assert {needle for _, needle in await personal_traces(db, needles)} == set(needles)  # all stored

        await customer.send("/forget")
        assert "确认删除您的个人信息吗" in customer.last_text
        await customer.press("取消")
        await customer.wait_for(lambda: "什么都没有删除" in customer.last_text)
        await customer.send("/forget")
        await customer.press("🗑 确认删除")
        await customer.wait_for(lambda: "已删除您的个人信息" in customer.last_text)

    assert await personal_traces(db, needles) == []
    async with db.connect() as connection:
        scores = await connection.scalar(text("SELECT count(*) FROM answers WHERE score IS NOT NULL"))
        complaints = await connection.execute(text("SELECT category, severity, description FROM complaints"))
        invitations = await connection.scalar(text("SELECT count(*) FROM campaign_invitations"))
    assert scores and scores >= 15  # the anonymous scores stay for the statistics
    assert [tuple(row) for row in complaints] == [("resources", "high", "")]
    assert invitations == 1  # and so do the campaign's counts


async def test_a_link_binds_once_and_expires(db: AsyncEngine, emulator: BotAPIEmulator) -> None:
    settings = bot_settings(emulator, **SETTINGS)
    async with running_bot(db, emulator, **SETTINGS) as tingjian:
        app = web.Application()
        add_api_routes(app, db, settings, tingjian.bot)
        async with TestClient(TestServer(app)) as api:
            headers = {"Authorization": f"Bearer {KEY}"}

            async def new_link() -> dict[str, Any]:
                response = await api.post(
                    "/api/v1/customer-links", json={"external_id": EXTERNAL_ID}, headers=headers
                )
                assert response.status == 201
                return dict(await response.json())

            link = await new_link()
            assert link["expires_at"] > datetime.now(UTC).isoformat()
            owner, stranger = emulator.customer(TELEGRAM_ID), emulator.customer(TELEGRAM_ID + 1)
            await owner.send(f"/start {link['start_parameter']}")
            assert "已关联您的客户账号" in owner.last_text
            await owner.send(f"/start {link['start_parameter']}")  # opening it again changes nothing
            assert "已关联您的客户账号" in owner.last_text
            # The same link forwarded to someone else: a polite refusal, and the customer is not moved.
            await stranger.send(f"/start {link['start_parameter']}")
            assert "已经被别人使用过" in stranger.last_text
            assert await _linked_telegram_id(db) == TELEGRAM_ID

            # A new link for the same customer id re-links, until it expires.
            expiring = await new_link()
            async with db.begin() as connection:
                await connection.execute(
                    text(
                        "UPDATE customer_links SET expires_at = now() - interval '1 second' WHERE token = :t"
                    ),
                    {"t": expiring["start_parameter"].removeprefix("link")},
                )
            await stranger.send(f"/start {expiring['start_parameter']}")
            assert "这个链接已过期" in stranger.last_text
            assert await _linked_telegram_id(db) == TELEGRAM_ID
            fresh = await new_link()
            await stranger.send(f"/start {fresh['start_parameter']}")
            assert "已关联您的客户账号" in stranger.last_text
            assert await _linked_telegram_id(db) == TELEGRAM_ID + 1


async def _linked_telegram_id(db: AsyncEngine) -> int | None:
    async with db.connect() as connection:
        return await connection.scalar(
            text(
                "SELECT r.telegram_id FROM customer_profiles p JOIN respondents r ON r.id = p.respondent_id "
                "WHERE p.external_id = :e"
            ),
            {"e": EXTERNAL_ID},
        )
