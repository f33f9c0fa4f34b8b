"""A campaign under Telegram's flood limits: how long N invitations take and how many 429s they draw.

The emulator holds the bot to Telegram's stated limits at their real numbers (emulator/flood.py:
about 30 messages a second across chats, 1 a second and 20 a minute per chat); the campaign
sender runs as in production (its own Bot, CAMPAIGN_RATE_PER_SECOND, the bot-wide pacing of
bot/telegram_pacing.py) against PostgreSQL, on the campaign's own clock. Reported: wall time,
invitations sent, 429s answered, the mean send rate and the busiest second as the emulator saw it.
Usage::

    .venv/bin/python bench/flood_bench.py                       # 10,000 invitations, paced
    .venv/bin/python bench/flood_bench.py --invitations 2000 --unpaced
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the harness lives in the bench package

from sqlalchemy import func, select  # noqa: E402

from bench.harness.database import SERVER_URL, create_database, reset  # noqa: E402
from bench.harness.measure import machine_info, machine_line  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.jobs.campaigns import CampaignSender  # noqa: E402
from dialogs.campaign import Audience, CampaignSpec, Schedule  # noqa: E402
from emulator.emulator import DEFAULT_TOKEN, BotAPIEmulator  # noqa: E402
from storage.database import create_engine, session_factory  # noqa: E402
from storage.models import CampaignInvitation  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.support.database import drop_database  # noqa: E402

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai: outside quiet hours
FIRST_ID = 800_000_001


async def _sent(engine: Any) -> int:
    async with session_factory(engine)() as session:
        count = await session.scalar(
            select(func.count()).select_from(CampaignInvitation).where(CampaignInvitation.status == "sent")
        )
        return int(count or 0)


async def run(invitations: int, paced: bool, server_url: str) -> dict[str, Any]:
    """One campaign of ``invitations`` through the limited emulator; its figures."""
    url = await create_database(server_url)
    engine = create_engine(url)
    try:
        await reset(engine)
        machine = await machine_info(engine)
        async with BotAPIEmulator(log_limit=None) as emulator:
            ids = list(range(FIRST_ID, FIRST_ID + invitations))
            async with session_factory(engine)() as session, session.begin():
                uow = UnitOfWork(session)
                for telegram_id in ids:
                    emulator.user(telegram_id, first_name="客户", language_code="zh-hans")
                    await uow.respondents.touch(telegram_id, "zh", "客户")
                spec = CampaignSpec(name="bench", audience=Audience(kind="all"), schedule=Schedule(start=T0))
                await uow.campaigns.save(spec.resolve(T0, "Asia/Shanghai"))
            settings = Settings(
                _env_file=None,
                bot_token=DEFAULT_TOKEN,
                telegram_api_base=emulator.base_url,
                telegram_pacing=paced,
            )
            emulator.enable_flood_control()
            sender = CampaignSender.with_own_bot(engine, settings, lambda: T0)
            started = time.perf_counter()
            sender.start()
            while (done := await _sent(engine)) < invitations:
                await asyncio.sleep(0.5)
                print(f"\r{done}/{invitations} sent", end="", file=sys.stderr, flush=True)
            seconds = time.perf_counter() - started
            await sender.stop()
            print(file=sys.stderr)
            sends = [c for c in emulator.calls("sendMessage") if c.status == 200]
            per_second = Counter(int(c.at - sends[0].at) for c in sends) if sends else Counter()
            return {
                "invitations": invitations,
                "paced": paced,
                "campaign_rate_per_second": settings.campaign_rate_per_second,
                "bot_sends_per_second": settings.bot_sends_per_second if paced else None,
                "seconds": round(seconds, 1),
                "sent": len(sends),
                "refused_429": emulator.flood_refusals(),
                "mean_rate": round(len(sends) / seconds, 2),
                "busiest_second": max(per_second.values(), default=0),
                "machine": machine,
            }
    finally:
        await engine.dispose()
        await drop_database(server_url, url)


def main() -> None:
    """Parse the options, run once, print a Markdown row and the figures as JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument(
        "--unpaced", action="store_true", help="TELEGRAM_PACING=false (the campaign throttle only)"
    )
    parser.add_argument("--server", default=SERVER_URL, help="PostgreSQL server URL (a database is created)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args()
    figures = asyncio.run(run(options.invitations, not options.unpaced, options.server))
    print(machine_line(figures["machine"]))
    print("| invitations | pacing | time (s) | sent | 429s | mean rate (/s) | busiest second |")
    print(
        f"| {figures['invitations']:,} | {'on' if figures['paced'] else 'off'} | {figures['seconds']} | "
        f"{figures['sent']:,} | {figures['refused_429']} | {figures['mean_rate']} | "
        f"{figures['busiest_second']} |"
    )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
