"""Schemathesis runs the API's live OpenAPI document against the API on real PostgreSQL.

For every operation it generates requests that fit the document (positive) and requests that break
it (negative), about 30 of each, derandomized so a run is repeatable, and checks that no answer is
a server error and that every answer matches what the document says of its status.
"""

from __future__ import annotations

import asyncio

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.emulator import BotAPIEmulator
from tests.distribution.test_api import GOOD, api, customer, seed_responses

EXAMPLES = 30


def fuzz(base: str) -> list[str]:
    """Run every operation of the served document in both modes; the failures found, one text each."""
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                answer = case.call(base_url=f"{base}/api/v1", headers=GOOD, timeout=10)
                case.validate_response(answer, checks=[not_a_server_error, response_schema_conformance])

            try:
                check()
            except Exception as failure:
                failures.append(f"{operation.label} ({mode}): {failure}")
    return failures


async def test_generated_requests_get_no_server_error_and_documented_answers(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    await seed_responses(db)  # exports with items, a complaint, a customer the invitations can find
    await customer(db, 1)
    bot = emulator.make_bot()
    try:
        async with api(db, bot) as client:
            base = str(client.make_url("")).rstrip("/")
            failures = await asyncio.to_thread(fuzz, base)
    finally:
        await bot.session.close()
    assert not failures, "\n\n".join(failures)
