"""The HTTP API over HTTP and real PostgreSQL: keys, validation, idempotency, KPIs, exports, OpenAPI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.keys import digest
from bot.api.routes import add_api_routes
from bot.config import Settings
from bot.runner import load_default_survey
from dialogs.complaint_io import NewComplaint
from emulator.emulator import DEFAULT_TOKEN
from storage.database import session_factory
from storage.models import (
    ApiIdempotencyKey,
    Campaign,
    CampaignInvitation,
    CustomerProfile,
    KpiReading,
)
from storage.unit_of_work import UnitOfWork

KEY = "operator-key-0123456789"
OTHER_KEY = "another-operator-key-987"
GOOD = {"Authorization": f"Bearer {KEY}"}
WRITES = (CampaignInvitation, Campaign, KpiReading, ApiIdempotencyKey, CustomerProfile)


def api_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"bot_token": DEFAULT_TOKEN, "api_keys": f"{KEY},sha256:{digest(OTHER_KEY)}"}
    return Settings(_env_file=None, **{**values, **overrides})


@asynccontextmanager
async def api(
    engine: AsyncEngine, bot: Bot | None = None, **overrides: Any
) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    add_api_routes(app, engine, api_settings(**overrides), bot)
    async with TestClient(TestServer(app)) as client:
        yield client


async def count(engine: AsyncEngine, model: type[Any]) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def customer(engine: AsyncEngine, telegram_id: int) -> int:
    async with session_factory(engine)() as session, session.begin():
        return (await UnitOfWork(session).respondents.touch(telegram_id, "zh", "客户")).id


async def test_missing_or_wrong_keys_get_401_and_nothing_is_written(db: AsyncEngine) -> None:
    await customer(db, 5101)
    invitation = {"customer": {"telegram_id": 5101}}
    reading = {"kpi": "waiting_time", "value": 7, "measured_at": "2026-03-02T10:00:00+08:00"}
    wrong = [
        {},
        {"Authorization": "Bearer not-the-key-at-all"},
        {"Authorization": KEY},  # no scheme
        {"X-API-Key": KEY[:-1]},
    ]
    async with api(db) as client:
        for headers in wrong:
            for path, body in [("/api/v1/invitations", invitation), ("/api/v1/kpis", reading)]:
                answer = await client.post(path, json=body, headers={**headers, "Idempotency-Key": "k1"})
                assert answer.status == 401, (path, headers)
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
                assert (await answer.json())["error"] == "unauthorized"
            assert (await client.get("/api/v1/responses", headers=headers)).status == 401
        for model in WRITES:
            assert await count(db, model) == 0, model
        # both configured keys work: the plaintext one (hashed at load) and the one given as a hash
        assert (await client.post("/api/v1/kpis", json=reading, headers=GOOD)).status == 201
        assert (
            await client.post("/api/v1/kpis", json=reading, headers={"X-API-Key": OTHER_KEY})
        ).status == 201


async def test_malformed_and_invalid_requests_get_clear_4xx_and_write_nothing(db: AsyncEngine) -> None:
    await customer(db, 5102)
    async with api(db) as client:
        broken = await client.post(
            "/api/v1/invitations", data=b'{"customer": ', headers={**GOOD, "Content-Type": "application/json"}
        )
        assert broken.status == 400 and (await broken.json())["error"] == "malformed_json"
        plain = await client.post("/api/v1/invitations", data=b"telegram_id=5102", headers=GOOD)
        assert plain.status == 415

        both = await client.post(
            "/api/v1/invitations",
            json={"customer": {"telegram_id": 5102, "external_id": "C-1"}, "colour": "red"},
            headers=GOOD,
        )
        assert both.status == 422
        problems = {d["location"]: d["message"] for d in (await both.json())["details"]}
        assert problems["customer"] == "give exactly one of telegram_id and external_id"
        assert problems["colour"] == "Extra inputs are not permitted"

        bad_readings = await client.post(
            "/api/v1/kpis",
            json={"readings": [{"kpi": "waiting_time", "value": "NaN", "measured_at": "yesterday"}]},
            headers=GOOD,
        )
        locations = {d["location"] for d in (await bad_readings.json())["details"]}
        assert bad_readings.status == 422 and locations == {"readings.0.value", "readings.0.measured_at"}

        unknown_kpi = await client.post(
            "/api/v1/kpis",
            json={"kpi": "coffee_quality", "value": 3, "measured_at": "2026-03-02T10:00:00Z"},
            headers=GOOD,
        )
        assert unknown_kpi.status == 422
        assert (
            "unknown KPI coffee_quality; defined: first_response_time"
            in (await unknown_kpi.json())["message"]
        )

        stranger = await client.post(
            "/api/v1/invitations", json={"customer": {"telegram_id": 999}}, headers=GOOD
        )
        assert stranger.status == 404 and (await stranger.json())["error"] == "unknown_customer"
        unknown_campaign = await client.post(
            "/api/v1/invitations", json={"customer": {"telegram_id": 5102}, "campaign": "nope"}, headers=GOOD
        )
        assert unknown_campaign.status == 404
        page = await client.get("/api/v1/responses?limit=5000&colour=red", headers=GOOD)
        assert page.status == 422
        assert {d["location"] for d in (await page.json())["details"]} == {"limit", "colour"}
    for model in WRITES:
        assert await count(db, model) == 0, model


async def test_a_retried_post_is_stored_once_and_a_reused_key_is_refused(db: AsyncEngine) -> None:
    await customer(db, 5103)
    body = {"customer": {"telegram_id": 5103}, "context": {"branch": "人民路营业厅", "service_type": "开户"}}
    headers = {**GOOD, "Idempotency-Key": "svc-event-42"}
    async with api(db) as client:
        first = await client.post("/api/v1/invitations", json=body, headers=headers)
        assert first.status == 202
        accepted = await first.json()
        assert accepted["campaign"] == "post_service" and accepted["status"] == "pending"
        retries = await asyncio.gather(
            *(client.post("/api/v1/invitations", json=body, headers=headers) for _ in range(5))
        )
        for retry in retries:
            assert retry.status == 202 and await retry.json() == accepted
            assert retry.headers["Idempotent-Replayed"] == "true"
        assert await count(db, CampaignInvitation) == 1

        changed = {**body, "context": {"branch": "解放路营业厅"}}
        reused = await client.post("/api/v1/invitations", json=changed, headers=headers)
        assert reused.status == 422 and (await reused.json())["error"] == "idempotency_key_reused"
        # another client may use the same key for its own request
        other = await client.post(
            "/api/v1/invitations",
            json=changed,
            headers={"X-API-Key": OTHER_KEY, "Idempotency-Key": "svc-event-42"},
        )
        assert other.status == 202
        # a failed request keeps no key: fixed and retried with the same key, it goes through
        fixed_key = {**GOOD, "Idempotency-Key": "svc-event-43"}
        assert (
            await client.post("/api/v1/invitations", json={"customer": {"telegram_id": 1}}, headers=fixed_key)
        ).status == 404
        assert (await client.post("/api/v1/invitations", json=body, headers=fixed_key)).status == 202
        # the same new key sent five times at once: one request does the work, the others get its answer
        racing = {**GOOD, "Idempotency-Key": "svc-event-44"}
        answers = await asyncio.gather(
            *(client.post("/api/v1/invitations", json=body, headers=racing) for _ in range(5))
        )
        assert {a.status for a in answers} == {202}
        assert len({(await a.json())["invitation_id"] for a in answers}) == 1
        assert sum("Idempotent-Replayed" in a.headers for a in answers) == 4
    assert await count(db, CampaignInvitation) == 4
    async with session_factory(db)() as session:
        contexts = set(await session.scalars(select(CampaignInvitation.context["branch"].astext)))
    assert contexts == {"人民路营业厅", "解放路营业厅"}


async def test_kpi_batches_are_stored_and_a_resent_reading_replaces_its_value(db: AsyncEngine) -> None:
    readings = [
        {
            "kpi": "waiting_time",
            "value": 12.5,
            "measured_at": "2026-03-02T09:00:00",
            "branch": "人民路",
            "source": "queue-1",
        },
        {
            "kpi": "waiting_time",
            "value": 8,
            "measured_at": "2026-03-02T10:00:00+08:00",
            "branch": "人民路",
            "source": "queue-1",
        },
        {"kpi": "uptime", "value": 99.93, "measured_at": "2026-03-02T00:00:00Z"},
    ]
    async with api(db) as client:
        stored = await client.post("/api/v1/kpis", json={"readings": readings}, headers=GOOD)
        assert stored.status == 201 and await stored.json() == {"inserted": 3, "updated": 0}
        resent = await client.post("/api/v1/kpis", json={**readings[0], "value": 13.0}, headers=GOOD)
        assert await resent.json() == {"inserted": 0, "updated": 1}
        too_many = await client.post("/api/v1/kpis", json={"readings": readings * 400}, headers=GOOD)
        assert too_many.status == 422
    async with session_factory(db)() as session:
        rows = (await session.execute(select(KpiReading.kpi, KpiReading.value, KpiReading.measured_at))).all()
    assert sorted(rows) == [
        ("uptime", 99.93, datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        ("waiting_time", 8.0, datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        ("waiting_time", 13.0, datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),  # naive: 09:00 in Shanghai
    ]


async def test_customers_get_tags_and_time_zones(db: AsyncEngine) -> None:
    await customer(db, 5104)
    body = {
        "customers": [
            {"telegram_id": 5104, "tags": ["vip", "corporate"], "timezone": "Europe/Berlin"},
            {"external_id": "NOT-LINKED", "tags": ["vip"]},
        ]
    }
    async with api(db) as client:
        answer = await client.post("/api/v1/customers", json=body, headers=GOOD)
        assert answer.status == 200
        assert await answer.json() == {"updated": 1, "unknown": [{"external_id": "NOT-LINKED"}]}
        bad = await client.post(
            "/api/v1/customers",
            json={"customers": [{"telegram_id": 5104, "timezone": "Mars/Olympus"}]},
            headers=GOOD,
        )
        assert bad.status == 422 and "unknown time zone" in (await bad.json())["details"][0]["message"]
    async with session_factory(db)() as session:
        profile = (await session.scalars(select(CustomerProfile))).one()
    assert profile.tags == ["corporate", "vip"] and profile.timezone == "Europe/Berlin"


async def seed_responses(engine: AsyncEngine) -> None:
    """Three customers' responses (one with a service context) and a complaint."""
    await load_default_survey(engine)
    async with session_factory(engine)() as session, session.begin():
        uow = UnitOfWork(session)
        stored = await uow.surveys.latest("service_quality")
        assert stored is not None
        for number, telegram_id in enumerate((5201, 5202, 5203)):
            who = await uow.respondents.touch(telegram_id, "zh", f"客户{number}")
            response = await uow.responses.open(who.id, stored.version_id)
            await uow.responses.record_answer(
                response, stored.question_ids["func_needs"], 4 + number % 2, None
            )
            if number < 2:
                await uow.responses.complete(response)
        await session.execute(text('UPDATE responses SET context = \'{"branch": "人民路"}\' WHERE id = 1'))
        await uow.complaints.open_ticket(
            who.id,
            "zh",
            NewComplaint(
                "排队太久", "resources", 0.8, "resources", None, None, "low", True, "+8613800000000"
            ),
        )


async def test_exports_page_through_responses_and_complaints_and_anonymous_mode_hides_customers(
    db: AsyncEngine,
) -> None:
    await seed_responses(db)
    async with api(db) as client:
        first = await (await client.get("/api/v1/responses?limit=2", headers=GOOD)).json()
        assert [item["id"] for item in first["items"]] == [1, 2] and first["next_cursor"] == 2
        second = await (
            await client.get(f"/api/v1/responses?limit=2&cursor={first['next_cursor']}", headers=GOOD)
        ).json()
        assert [item["id"] for item in second["items"]] == [3] and second["next_cursor"] is None
        item = first["items"][0]
        assert item["customer"] == {"telegram_id": 5201, "external_id": None}
        assert item["context"] == {"branch": "人民路"} and item["survey"] == "service_quality"
        assert item["answers"] == [
            {
                "question": "func_needs",
                "role": "item",
                "dimension": "functionality",
                "score": 4.0,
                "text": None,
            }
        ]
        completed = await (
            await client.get("/api/v1/responses?status=completed&branch=人民路", headers=GOOD)
        ).json()
        assert [i["id"] for i in completed["items"]] == [1]
        future = await (await client.get("/api/v1/responses?since=2999-01-01", headers=GOOD)).json()
        assert future == {"items": [], "next_cursor": None}
        complaints = await (await client.get("/api/v1/complaints?severity=low", headers=GOOD)).json()
        assert complaints["items"][0]["ticket"] == "TJ-000001"
        assert complaints["items"][0]["customer"]["phone"] == "+8613800000000"
        assert complaints["items"][0]["kind"] == "complaint"
        cases = await (await client.get("/api/v1/complaints?kind=follow_up", headers=GOOD)).json()
        assert cases == {"items": [], "next_cursor": None}
    async with api(db, anonymous_answers=True) as client:
        anonymous = await (await client.get("/api/v1/responses", headers=GOOD)).json()
        assert all(item["customer"] is None for item in anonymous["items"])
        assert "5201" not in str(anonymous)
        complaints = await (await client.get("/api/v1/complaints", headers=GOOD)).json()
        assert complaints["items"][0]["customer"] is None and "13800000000" not in str(complaints)


async def test_the_openapi_document_describes_every_route(db: AsyncEngine) -> None:
    async with api(db) as client:
        answer = await client.get("/api/v1/openapi.json")  # public: it holds no data
        assert answer.status == 200
        document = await answer.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/invitations",
        "/kpis",
        "/customers",
        "/customer-links",
        "/responses",
        "/complaints",
    }
    schemas = document["components"]["schemas"]
    refs = _refs(document)
    assert refs and all(
        ref.removeprefix("#/components/schemas/") in schemas for ref in refs if "schemas" in ref
    )
    invitation = schemas["InvitationRequest"]
    assert invitation["required"] == ["customer"] and invitation["additionalProperties"] is False
    assert "401" in document["paths"]["/kpis"]["post"]["responses"]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


async def test_post_service_invitations_outside_the_sample_are_stored_unsent_and_counted(
    db: AsyncEngine,
) -> None:
    await customer(db, 5111)
    body = {"customer": {"telegram_id": 5111}, "context": {"branch": "人民路营业厅"}}
    async with api(db, post_service_sample=0.0) as client:
        left_out = await client.post("/api/v1/invitations", json=body, headers=GOOD)
        assert left_out.status == 202
        assert {k: v for k, v in (await left_out.json()).items() if k != "invitation_id"} == {
            "campaign": "post_service",
            "status": "unsampled",
            "due_at": None,
        }
    async with api(db, post_service_sample=1.0) as client:
        drawn = await client.post("/api/v1/invitations", json=body, headers=GOOD)
        assert (await drawn.json())["status"] == "pending"
    async with session_factory(db)() as session:
        (rates,) = await UnitOfWork(session).campaigns.rates()
    assert (rates.unsampled, rates.pending, rates.fatigued) == (1, 1, 0)
