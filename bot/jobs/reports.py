"""Building a period's report for `tingjian report`, /digest and the digests: from the aggregates,
or from raw answers when asked or when the aggregates cannot serve it. Without aiogram, so the
report command does not load the bot's application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.periods import Freq
from analysis.report import Report, ReportSettings, SamplingPlan, SurveyDesign, build_report, report_window
from analysis.report_from_aggregates import NotServed, build_report_from_aggregates
from bot.config import Settings
from dialogs.i18n import Language
from dialogs.survey import Survey
from storage.analytics import load_frames, question_texts
from storage.database import session_factory
from storage.report_inputs import load_report_inputs
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


def report_settings(settings: Settings, language: Language) -> ReportSettings:
    """The analysis settings of a digest in `language`."""
    sla: dict[str, float] = {
        str(severity): hours for severity, hours in settings.sla_resolution_hours.items()
    }
    plan = SamplingPlan(
        margin=settings.sample_margin,
        confidence=settings.sample_confidence,
        population=settings.sample_population,
        response_rate=settings.expected_response_rate,
    )
    return ReportSettings(tz=settings.timezone, lang=language, sla_hours=sla, sampling=plan)


def survey_design(surveys: Iterable[Survey]) -> SurveyDesign:
    """Which questions pair up (SERVQUAL expectations, Kano pairs) across stored survey versions."""
    expectation_of: dict[str, str] = {}
    kano_pairs: dict[str, str] = {}
    for survey in surveys:
        expectation_of.update(survey.pairs("expectation"))
        kano_pairs.update({functional: key for key, functional in survey.pairs("kano_dysf").items()})
    return SurveyDesign(expectation_of=expectation_of, kano_pairs=kano_pairs)


async def load_survey_design(engine: AsyncEngine) -> SurveyDesign:
    """The survey design of every stored survey version."""
    async with session_factory(engine)() as session:
        return survey_design(await UnitOfWork(session).surveys.definitions())


@dataclass(frozen=True)
class PeriodReport:
    """A built report, the complaints it read (for the alerts) and why it came from raw rows, if it did."""

    report: Report
    complaints: pd.DataFrame
    raw_because: str | None  # None: from the aggregates


async def build_period_report(
    engine: AsyncEngine, settings: Settings, freq: Freq, at: pd.Timestamp, language: Language
) -> PeriodReport:
    """The report of the period containing `at`, with its charts (see :func:`period_report`)."""
    cfg = replace(
        report_settings(settings, language),
        design=await load_survey_design(engine),
        question_texts=await question_texts(engine),
    )
    return await period_report(engine, cfg, freq, at)


async def period_report(
    engine: AsyncEngine, cfg: ReportSettings, freq: Freq, at: pd.Timestamp, *, raw: bool = False
) -> PeriodReport:
    """The report from the aggregates; from raw answers when ``raw`` or when the aggregates cannot
    serve every figure of it (then ``raw_because`` says why, and a warning is logged)."""
    because = "asked for" if raw else None
    if not raw:
        try:
            inputs = await load_report_inputs(engine, at, freq, cfg)
            # pandas work is CPU-bound: off the event loop, so the worker keeps claiming jobs.
            report = await asyncio.to_thread(build_report_from_aggregates, inputs, at, freq, cfg)
            return PeriodReport(report, inputs.reads.complaints, None)
        except NotServed as reason:
            because = str(reason)
            logger.warning("the %s report is built from raw answers: %s", freq, because)
    start, end = report_window(at, freq, cfg.trend_periods, cfg.tz)
    frames = await load_frames(engine, start, end)
    report = await asyncio.to_thread(
        lambda: build_report(
            frames.answers,
            frames.responses,
            frames.complaints,
            at,
            freq,
            cfg,
            follow_ups=frames.follow_ups,
            reasons=frames.reasons,
        )
    )
    return PeriodReport(report, frames.complaints, because)
