"""/kpis: each performance indicator against its target and its correlation with the matching
dimension's scores, over the last N days."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from html import escape

import pandas as pd
from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from analysis.kpis import KpiTarget, kpi_table
from bot.config import Settings
from dialogs.i18n import Language, t
from dialogs.kpis import load_kpis
from dialogs.terms import DIMENSIONS
from storage.unit_of_work import UnitOfWork

DEFAULT_DAYS = 30


async def kpis_command(
    message: Message, command: CommandObject, uow: UnitOfWork, language: Language, settings: Settings
) -> None:
    """/kpis [days]."""
    args = (command.args or "").strip()
    if args and not (args.isdigit() and 1 <= int(args) <= 366):
        await message.answer(escape(t(language, "campaign_kpi_usage")))
        return
    days = int(args) if args else DEFAULT_DAYS
    until = datetime.now(UTC)
    since = until - timedelta(days=days)
    readings = await uow.kpis.readings(since, until)
    dimension_days = await uow.kpis.dimension_days(since, until, settings.timezone)
    await uow.commit()
    catalog = load_kpis(settings.kpi_file)
    targets = {key: KpiTarget(d.target, d.better, d.dimension) for key, d in catalog.items()}
    frame = pd.DataFrame(readings, columns=["kpi", "value", "measured_at", "branch"])
    frame["measured_at"] = pd.to_datetime(frame["measured_at"], utc=True)
    days_frame = pd.DataFrame(dimension_days, columns=["day", "dimension", "mean", "n"]).astype({"day": str})
    table = kpi_table(frame, targets, days_frame, settings.timezone)
    if table.empty:
        await message.answer(escape(t(language, "campaign_kpi_empty", days=days)))
        return
    lines = [t(language, "campaign_kpi_title", days=days)]
    for row in table.to_dict("records"):
        definition = catalog[str(row["kpi"])]
        lines.append(
            t(
                language,
                "campaign_kpi_line",
                name=definition.name.get(language),
                mean=f"{row['mean']:.4g}",
                unit=definition.unit,
                better=t(language, f"campaign_kpi_{row['better']}"),
                target=f"{row['target']:g}",
                mark="✅" if row["meets"] else "⚠️",
                met=f"{row['met_share']:.0%}",
                n=row["n"],
            )
        )
        if row["dimension"] in DIMENSIONS:
            lines.append(_correlation_line(row["dimension"], row["r"], row["p_value"], row["days"], language))
    await message.answer(escape("\n".join(lines)))


def _correlation_line(dimension: str, r: float, p: float, days: int, language: Language) -> str:
    name = t(language, f"complaint_dimension_{dimension}")
    if math.isnan(r):
        return t(language, "campaign_kpi_no_correlation", dimension=name, days=days)
    return t(language, "campaign_kpi_correlation", dimension=name, r=f"{r:+.2f}", days=days, p=f"{p:.3f}")


def create_router() -> Router:
    """The KPI report handler (guarded by ADMIN_IDS), then the refusal for everyone else."""
    router = Router(name="kpis_admin")
    router.message.register(kpis_command, Command("kpis"))
    return router
