"""/kpis: each performance indicator against its target and its correlation with the matching
dimension's scores, over the last N days (built by the worker: bot/jobs/worker.kpis_job)."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.deliveries import enqueue_for
from dialogs.i18n import Language, t

DEFAULT_DAYS = 30


async def kpis_command(
    message: Message, command: CommandObject, language: Language, engine: AsyncEngine
) -> None:
    """/kpis [days]."""
    args = (command.args or "").strip()
    if args and not (args.isdigit() and 1 <= int(args) <= 366):
        await message.answer(escape(t(language, "campaign_kpi_usage")))
        return
    days = int(args) if args else DEFAULT_DAYS
    await message.answer(escape(t(language, "admin_job_preparing")))
    await enqueue_for(message, engine, "kpis", {"days": days}, language)


def create_router() -> Router:
    """The KPI report handler (guarded by ADMIN_IDS), then the refusal for everyone else."""
    router = Router(name="kpis_admin")
    router.message.register(kpis_command, Command("kpis"))
    return router
