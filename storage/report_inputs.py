"""What a report from the aggregates reads, from one snapshot: the aggregate tables of its window
(:mod:`storage.aggregate_frames`) and the bounded reads of :mod:`storage.report_reads` (counts, and
the rows that are raw by nature: complaints, follow-up cases, reasons, abandoned responses)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis import periods
from analysis.report_from_aggregates import AggregateReportInputs, NotServed
from analysis.report_settings import ReportSettings
from storage.aggregate_frames import load_for_report
from storage.report_reads import load_report_reads


async def load_report_inputs(
    engine: AsyncEngine, now: pd.Timestamp, freq: periods.Freq, cfg: ReportSettings
) -> AggregateReportInputs:
    """The inputs of the report of the period containing ``now``, read in one REPEATABLE READ snapshot.

    Raises :class:`NotServed` when the aggregates were cut in another time zone or with other
    cleaning thresholds than ``cfg`` (``tingjian analytics rebuild`` fixes that).
    """
    async with engine.connect() as connection:
        snapshot = await connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        async with snapshot.begin():
            try:
                tables = await load_for_report(
                    snapshot,
                    now,
                    freq,
                    cfg.tz,
                    cfg.trend_periods,
                    cfg.min_items,
                    cfg.min_seconds_per_item,
                )
            except ValueError as error:
                raise NotServed(str(error)) from error
            reads = await load_report_reads(snapshot, now, freq, cfg.tz, cfg.trend_periods)
    return AggregateReportInputs(tables, reads)
