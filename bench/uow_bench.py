"""The database side of one survey answer, alone: CPU and wall time per update in the bot process.

Runs the bot's own UnitOfWorkMiddleware (chat lock, deduplication, customer, dialog state) around
the survey's own `advance` (answer row + conversation state, committed) for synthetic
callback-query updates from many customers at once, against PostgreSQL — no Telegram, no emulator,
so the figure is what storage costs the bot per answer. Usage::

    .venv/bin/python bench/uow_bench.py                    # 4,000 answers, 50 customers at a time
    .venv/bin/python bench/uow_bench.py --answers 8000 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from aiogram.types import CallbackQuery, Chat, Update, User  # noqa: E402
from aiogram.types import Message as TgMessage  # noqa: E402

from bench.harness.database import SERVER_URL, create_database, reset  # noqa: E402
from bench.harness.measure import machine_info, machine_line  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.middlewares.unit_of_work import UnitOfWorkMiddleware  # noqa: E402
from bot.surveys import active_survey, advance, begin  # noqa: E402
from dialogs.follow_up import FollowUpRules  # noqa: E402
from dialogs.survey_flow import Pick  # noqa: E402
from dialogs.survey_loader import DEFAULT_SURVEY_KEY  # noqa: E402
from storage.database import create_engine  # noqa: E402
from tests.support.database import drop_database  # noqa: E402

BOT_ID = 42


class FakeBot:
    """Only the bot's id is read by the unit of work (no request is made)."""

    id = BOT_ID


def callback_update(update_id: int, telegram_id: int) -> Update:
    """A button press from customer `telegram_id` (the data is not parsed here)."""
    user = User(id=telegram_id, is_bot=False, first_name="客户", language_code="zh")
    chat = Chat(id=telegram_id, type="private")
    message = TgMessage(message_id=1, date=0, chat=chat, text="q")  # type: ignore[arg-type]
    query = CallbackQuery(id=str(update_id), from_user=user, chat_instance="c", message=message, data="x")
    return Update(update_id=update_id, callback_query=query)


async def start(uow: Any, customer: Any, conversation: Any) -> None:
    """The first update of each customer: open a response (the /survey command's storage work)."""
    stored = await uow.surveys.latest(DEFAULT_SURVEY_KEY)
    await begin(uow, customer, stored, conversation)
    await uow.commit()


async def answer(uow: Any, customer: Any, conversation: Any) -> None:
    """One answer: the survey button handler's storage work (answer row and state, committed)."""
    active = await active_survey(uow, conversation)
    assert active is not None
    await advance(uow, customer, active, Pick(4), conversation, FollowUpRules())
    await uow.commit()


async def run(url: str, answers: int, concurrency: int) -> dict[str, Any]:
    """Feed `answers` updates through the middleware, `concurrency` customers at a time."""
    engine = create_engine(url)  # as the bot opens it
    await reset(engine)
    middleware = UnitOfWorkMiddleware(engine, Settings(_env_file=None))  # type: ignore[call-arg]
    counter = iter(range(1, 10**9))
    wall: list[float] = []

    async def feed(telegram_id: int, work: Any) -> None:
        update = callback_update(next(counter), telegram_id)
        data: dict[str, Any] = {"bot": FakeBot(), "event_from_user": update.callback_query.from_user}  # type: ignore[union-attr]
        data["event_chat"] = update.callback_query.message.chat  # type: ignore[union-attr]

        async def handler(_: Any, d: dict[str, Any]) -> None:
            await work(d["uow"], d["customer"], d["conversation"])

        began = time.perf_counter()
        await middleware(handler, update, data)
        wall.append(time.perf_counter() - began)

    async def customer(telegram_id: int, count: int) -> None:
        await feed(telegram_id, start)
        for _ in range(count):
            await feed(telegram_id, answer)

    per_customer = answers // concurrency
    # Warm-up: caches, prepared statements, the pool.
    await asyncio.gather(*(customer(10_000 + n, 3) for n in range(concurrency)))
    wall.clear()
    cpu0, t0 = time.process_time(), time.perf_counter()
    # 15 answers then a fresh response, as customers finishing the 16-question survey would.
    rounds = max(1, per_customer // 15)
    for round_ in range(rounds):
        await asyncio.gather(*(customer(20_000 + n + round_ * concurrency, 15) for n in range(concurrency)))
    cpu, seconds = time.process_time() - cpu0, time.perf_counter() - t0
    machine = await machine_info(engine)
    await engine.dispose()
    updates = len(wall)
    return {
        "updates": updates,
        "updates_per_s": updates / seconds,
        "cpu_ms_per_update": 1000 * cpu / updates,
        "wall_p50_ms": 1000 * statistics.median(wall),
        "wall_p99_ms": 1000 * statistics.quantiles(wall, n=100)[98],
        "machine": machine,
    }


async def main(options: argparse.Namespace) -> int:
    """Create a database, measure, drop it, print one line."""
    url = await create_database(options.server)
    try:
        figures = await run(url, options.answers, options.concurrency)
    finally:
        await drop_database(options.server, url)
    print(machine_line(figures["machine"]))
    print(
        f"{figures['updates']:.0f} updates, {options.concurrency} customers at a time: "
        f"{figures['updates_per_s']:.0f} updates/s, bot CPU {figures['cpu_ms_per_update']:.2f} ms/update, "
        f"wall p50 {figures['wall_p50_ms']:.1f} ms, p99 {figures['wall_p99_ms']:.1f} ms"
    )
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL server (a database is created)")
    parser.add_argument("--answers", type=int, default=4000, help="answers to feed (about)")
    parser.add_argument("--concurrency", type=int, default=50, help="customers at a time")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
