"""The HTTP API never answers 500 to what a client sends, and every error is JSON in one format.

Each case here was found from outside (out-of-range numbers and dates, NUL characters, deep or huge
JSON, oversized bodies) and answered 500 or text/plain before.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import ClientResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.schemas import IDEMPOTENCY_KEY, NO_CONTROLS
from dialogs.campaign import TAG_PATTERN
from dialogs.kpis import load_kpis
from emulator.emulator import BotAPIEmulator
from storage.database import create_engine
from storage.models import CustomerLink
from tests.distribution.test_api import GOOD, WRITES, api, count, customer

ERROR_KEYS = {"error", "message", "details"}


async def error_of(answer: ClientResponse, status: int) -> dict[str, Any]:
    """The JSON error body of an answer that must have `status`."""
    assert answer.status == status, (answer.status, await answer.text())
    assert answer.content_type == "application/json"
    body: dict[str, Any] = await answer.json()
    assert set(body) == ERROR_KEYS
    return body


async def test_an_unexpected_failure_answers_json_500_and_logs_no_request_data(
    db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    try:
        async with api(unreachable) as client:
            with caplog.at_level(logging.ERROR, logger="bot.api"):
                answer = await client.get("/api/v1/responses?branch=SECRET-BRANCH-7", headers=GOOD)
                body = await error_of(answer, 500)
    finally:
        await unreachable.dispose()
    assert body["error"] == "internal_error"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /api/v1/responses failed with" in logged and "ConnectionRefusedError" in logged
    assert "SECRET-BRANCH-7" not in logged


async def test_aiohttp_refusals_are_json_too(db: AsyncEngine) -> None:
    async with api(db) as client:
        too_large = await client.post(
            "/api/v1/kpis",
            data=b" " * (1024 * 1024 + 1),
            headers={**GOOD, "Content-Type": "application/json"},
        )
        assert (await error_of(too_large, 413))["error"] == "body_too_large"
        unknown = await client.get("/api/v1/nothing-here", headers=GOOD)
        assert (await error_of(unknown, 404))["error"] == "not_found"
        wrong_method = await client.delete("/api/v1/kpis", headers=GOOD)
        assert (await error_of(wrong_method, 405))["error"] == "method_not_allowed"
        assert wrong_method.headers["Allow"] == "POST"


async def post_raw(
    client: Any, path: str, raw: bytes, headers: dict[str, str] | None = None
) -> ClientResponse:
    """POST bytes as application/json."""
    sent = {**GOOD, "Content-Type": "application/json", **(headers or {})}
    answer: ClientResponse = await client.post(f"/api/v1/{path}", data=raw, headers=sent)
    return answer


async def test_numbers_beyond_the_database_columns_and_unparseable_json_are_4xx(db: AsyncEngine) -> None:
    await customer(db, 5301)
    async with api(db) as client:
        for export in ("responses", "complaints"):
            past_int4 = await client.get(f"/api/v1/{export}?cursor={2**31}", headers=GOOD)
            assert (await error_of(past_int4, 422))["details"][0]["location"] == "cursor"
            last = await client.get(f"/api/v1/{export}?cursor={2**31 - 1}", headers=GOOD)
            assert last.status == 200
        past_int8 = await client.post(
            "/api/v1/invitations", json={"customer": {"telegram_id": 2**63}}, headers=GOOD
        )
        assert (await error_of(past_int8, 422))["details"][0]["location"] == "customer.telegram_id"
        tagged = await client.post(
            "/api/v1/customers", json={"customers": [{"telegram_id": 2**63, "tags": ["vip"]}]}, headers=GOOD
        )
        assert (await error_of(tagged, 422))["details"][0]["location"] == "customers.0.telegram_id"
        unknown = await client.post(
            "/api/v1/invitations", json={"customer": {"telegram_id": 2**63 - 1}}, headers=GOOD
        )
        assert (await error_of(unknown, 404))["error"] == "unknown_customer"

        deep = await post_raw(client, "kpis", b"[" * 1000 + b"]" * 1000)
        assert "nested too deeply" in (await error_of(deep, 400))["message"]
        huge = b'{"kpi": "uptime", "measured_at": "2026-03-02T10:00:00Z", "value": ' + b"9" * 5001 + b"}"
        assert "too many digits" in (await error_of(await post_raw(client, "kpis", huge), 400))["message"]
        invited = await post_raw(
            client, "invitations", b'{"customer": {"telegram_id": ' + b"1" * 5001 + b"}}"
        )
        assert (await error_of(invited, 400))["error"] == "malformed_json"
    for model in WRITES:
        assert await count(db, model) == 0, model


async def test_times_are_iso_text_inside_the_calendar(db: AsyncEngine) -> None:
    await customer(db, 5302)
    ends = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00", "0001-01-01", "9999-12-31"]
    numbers: list[Any] = [0.5, 1700000000, "0.5", "1700000000"]
    async with api(db) as client:
        for value in ends + numbers:
            for bound in ("since", "until"):
                answer = await client.get(f"/api/v1/responses?{bound}={quote(str(value))}", headers=GOOD)
                assert (await error_of(answer, 422))["details"][0]["location"] == bound, value
            reading = {"kpi": "uptime", "value": 1, "measured_at": value}
            stored = await client.post("/api/v1/kpis", json=reading, headers=GOOD)
            assert (await error_of(stored, 422))["details"][0]["location"] == "measured_at", value
            for body, location in [
                ({"send_at": value}, "send_at"),
                ({"context": {"service_at": value}}, "context.service_at"),
            ]:
                invited = await client.post(
                    "/api/v1/invitations", json={"customer": {"telegram_id": 5302}, **body}, headers=GOOD
                )
                assert (await error_of(invited, 422))["details"][0]["location"] == location, value
        for inside in ("0001-01-02", "9999-12-30T23:59:59-14:00", "2026-03-02T10:00:00+08:00"):
            answer = await client.get(f"/api/v1/complaints?since={quote(inside)}", headers=GOOD)
            assert answer.status == 200, inside
    for model in WRITES:
        assert await count(db, model) == 0, model


async def test_text_fields_refuse_nul_and_control_characters_and_state_their_lengths(db: AsyncEngine) -> None:
    await customer(db, 5303)
    reading = {"kpi": "uptime", "value": 1, "measured_at": "2026-03-02T10:00:00Z"}
    async with api(db) as client:
        for bad in ("a\x00b", "line\nbreak", "x" * 65):
            for name in ("survey", "campaign", "branch", "staff_id", "service_type"):
                answer = await client.get(f"/api/v1/responses?{name}={quote(bad)}", headers=GOOD)
                assert (await error_of(answer, 422))["details"][0]["location"] == name, (name, bad)
            for name in ("branch", "staff_id", "service_type"):
                invited = await client.post(
                    "/api/v1/invitations",
                    json={"customer": {"telegram_id": 5303}, "context": {name: bad}},
                    headers=GOOD,
                )
                assert (await error_of(invited, 422))["details"][0]["location"] == f"context.{name}"
            for name in ("branch", "source"):
                stored = await client.post("/api/v1/kpis", json={**reading, name: bad}, headers=GOOD)
                assert (await error_of(stored, 422))["details"][0]["location"] == name, (name, bad)
            tagged = await client.post(
                "/api/v1/customers", json={"customers": [{"telegram_id": 5303, "tags": [bad]}]}, headers=GOOD
            )
            assert (await error_of(tagged, 422))["details"][0]["location"].startswith("customers.0.tags")
        for zone_name in ("America", "a" * 300, "Asia/Shang\x00hai"):
            zoned = await client.post(
                "/api/v1/customers",
                json={"customers": [{"telegram_id": 5303, "timezone": zone_name}]},
                headers=GOOD,
            )
            assert (await error_of(zoned, 422))["details"][0]["location"] == "customers.0.timezone"
        fine = await client.get(f"/api/v1/responses?branch={quote('人民路 营业厅')}", headers=GOOD)
        assert fine.status == 200
    for model in WRITES:
        assert await count(db, model) == 0, model


async def test_customer_links_check_and_honour_the_idempotency_key(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    bot = emulator.make_bot()
    try:
        async with api(db, bot) as client:
            body = {"external_id": "C-77"}
            too_long = await client.post(
                "/api/v1/customer-links", json=body, headers={**GOOD, "Idempotency-Key": "k" * 201}
            )
            assert (await error_of(too_long, 400))["error"] == "bad_idempotency_key"
            for bad_key in ("tab\tinside", "ключ-1"):
                refused = await client.post(
                    "/api/v1/customer-links", json=body, headers={**GOOD, "Idempotency-Key": bad_key}
                )
                assert (await error_of(refused, 400))["error"] == "bad_idempotency_key", bad_key
            assert await count(db, CustomerLink) == 0
            keyed = {**GOOD, "Idempotency-Key": "crm-link-C-77"}
            first = await client.post("/api/v1/customer-links", json=body, headers=keyed)
            again = await client.post("/api/v1/customer-links", json=body, headers=keyed)
            assert first.status == again.status == 201
            assert await again.json() == await first.json()
            assert again.headers["Idempotent-Replayed"] == "true"
            assert await count(db, CustomerLink) == 1
            fresh = await client.post("/api/v1/customer-links", json=body, headers=GOOD)
            assert (await fresh.json())["start_parameter"] != (await first.json())["start_parameter"]
    finally:
        await bot.session.close()


async def test_the_openapi_document_states_the_limits(db: AsyncEngine, tmp_path: Path) -> None:
    kpi_file = tmp_path / "kpis.yaml"
    kpi_file.write_text(
        "door_temperature:\n  name: {zh: 门温, en: Door temperature}\n  unit: °C\n  target: 4\n"
        "  better: lower\n  dimension: responsiveness\n",
        encoding="utf-8",
    )
    async with api(db) as client:
        document = await (await client.get("/api/v1/openapi.json")).json()
    async with api(db, kpi_file=kpi_file) as client:
        own_kpis = await (await client.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]

    one_of = schemas["CustomerRef"]["oneOf"]
    assert [choice["required"] for choice in one_of] == [["telegram_id"], ["external_id"]]
    assert "oneOf" in schemas["CustomerAttributes"]
    assert schemas["KpiReadingIn"]["properties"]["kpi"]["enum"] == sorted(load_kpis())
    assert own_kpis["components"]["schemas"]["KpiReadingIn"]["properties"]["kpi"]["enum"] == [
        "door_temperature"
    ]
    attributes = schemas["CustomerAttributes"]["properties"]
    assert "Asia/Shanghai" in attributes["timezone"]["anyOf"][0]["enum"]
    assert attributes["tags"]["anyOf"][0]["items"]["pattern"] == TAG_PATTERN
    telegram_id = schemas["CustomerRef"]["properties"]["telegram_id"]["anyOf"][0]
    assert telegram_id["maximum"] == 2**63 - 1 and telegram_id["exclusiveMinimum"] == 0

    for path in ("/responses", "/complaints"):
        parameters = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["cursor"]["maximum"] == 2**31 - 1 and parameters["limit"]["maximum"] == 500
        for name, schema in parameters.items():
            assert {"type": "null"} not in schema.get("anyOf", []), name  # a query string has no null
            if schema.get("type") == "string" and "enum" not in schema:
                assert schema["maxLength"] <= 64, name
    context = schemas["ServiceContext"]["properties"]
    for name in ("branch", "staff_id", "service_type"):
        assert context[name]["anyOf"][0]["maxLength"] == 64
        assert context[name]["anyOf"][0]["pattern"] == NO_CONTROLS
    key = document["components"]["parameters"]["IdempotencyKey"]["schema"]
    assert (key["minLength"], key["maxLength"]) == (1, 200) and key["pattern"] == IDEMPOTENCY_KEY
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "500" in answers, (path, method)
            if method == "post":
                assert {"400", "413", "415", "422"} <= set(answers), path
            for status, answer in answers.items():
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorBody"
                    }


async def raw_request(port: int, head: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client library would send a non-UTF-8 header); the status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


async def test_a_key_header_that_is_not_utf8_is_a_wrong_key(db: AsyncEngine) -> None:
    async with api(db) as client:
        assert client.port is not None
        for header in (
            b"Authorization: Bearer \xff\xfe-key-0123456789",
            b"X-API-Key: \xff\xfe-0123456789abcdef",
        ):
            status, body = await raw_request(
                client.port,
                b"GET /api/v1/responses HTTP/1.1\r\nHost: tingjian\r\n"
                + header
                + b"\r\nConnection: close\r\n\r\n",
            )
            assert status == 401, (header, body)
            assert json.loads(body)["error"] == "unauthorized"
