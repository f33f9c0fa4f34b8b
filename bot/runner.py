"""Start-up: database (configured or embedded), schema check, default survey, then polling or webhook."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiogram import Bot
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.routes import add_api_routes
from bot.app import build_bot, build_dispatcher, set_commands
from bot.config import Settings
from bot.database import database_url, open_database
from bot.inflight import DrainingDispatcher
from bot.jobs.campaigns import CampaignSender
from bot.jobs.deliveries import JobDelivery
from bot.jobs.sla_watch import watch_sla
from bot.metrics import Metrics
from bot.worker_child import WorkerChild, child_env
from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.classifier import ClassifierRepository
from storage.database import MAX_CONNECTIONS, session_factory
from storage.surveys import LoadResult, SurveyRepository

logger = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 30  # how long in-flight updates may take to finish when the process stops


async def load_default_survey(engine: AsyncEngine) -> LoadResult:
    """Make sure the shipped questionnaire is stored (a changed file becomes a new version)."""
    survey = load_survey_file(default_survey_path())
    async with session_factory(engine)() as session, session.begin():
        return await SurveyRepository(session).store(survey, source=str(default_survey_path().name))


async def start_classifier_load(settings: Settings, engine: AsyncEngine) -> None:
    """Start loading jieba and the complaint classifier (this deployment's retrained model if it
    switched to one) in a background thread: the first replies do not wait for it."""
    from bot.classifier_loading import start_loading

    async with session_factory(engine)() as session:
        stored = await ClassifierRepository(session).active()
    cache = settings.data_dir / "jieba"
    cache.mkdir(parents=True, exist_ok=True)
    start_loading(cache, stored.model_json if stored is not None else None)


async def use_deployment_classifier(engine: AsyncEngine) -> str:
    """Classify with the model this deployment retrained and switched to, if any; returns its version."""
    from analysis.complaint_model import ComplaintModel
    from analysis.complaints import active_model, use_model

    async with session_factory(engine)() as session:
        stored = await ClassifierRepository(session).active()
    use_model(ComplaintModel.from_json(stored.model_json) if stored is not None else None)
    version = active_model().version
    logger.info("complaint classifier %s (%s)", version, "retrained here" if stored else "shipped")
    return version


@dataclass
class Runtime:
    """Everything a running bot process holds."""

    settings: Settings
    engine: AsyncEngine
    bot: Bot
    dispatcher: DrainingDispatcher
    metrics: Metrics
    campaigns: CampaignSender | None = None
    worker: WorkerChild | None = None


@asynccontextmanager
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Open the database, prepare the survey and text analysis, build the bot; close all on exit."""
    bot = build_bot(settings)
    try:
        engine = await open_database(settings)
        try:
            result = await load_default_survey(engine)
            logger.info("default survey %s v%s ready", result.key, result.version)
            await start_classifier_load(settings, engine)
            # What is loaded by now (aiogram's models, the survey) lives as long as the process: out
            # of the collector's full passes, which otherwise stop the event loop for a quarter of a
            # second every few thousand updates.
            gc.freeze()
            metrics = Metrics()
            dispatcher = build_dispatcher(settings, engine, metrics=metrics)
            # Reports, digests (scheduled ones too), exports and /kpis run in a worker process; this
            # process only queues them and delivers what the worker finished.
            worker = (
                WorkerChild(child_env(settings, database_url(settings)[0]), nice=settings.worker_nice)
                if settings.run_worker
                else None
            )
            if worker is not None:
                worker.start()
            background = [
                asyncio.create_task(watch_sla(bot, engine, settings)),
                asyncio.create_task(JobDelivery(bot, engine).run_forever()),
            ]
            campaigns = CampaignSender.with_own_bot(engine, settings)
            campaigns.start()
            try:
                yield Runtime(settings, engine, bot, dispatcher, metrics, campaigns, worker)
            finally:
                for task in background:
                    task.cancel()
                await campaigns.stop()
                if worker is not None:
                    await worker.stop()
        finally:
            await engine.dispose()
    finally:
        await bot.session.close()


async def run_polling(settings: Settings) -> None:
    """Run the bot with long polling until interrupted; /healthz and /metrics are served beside it."""
    from bot.webhook import add_health_routes

    async with runtime(settings) as rt:
        await set_commands(rt.bot, settings.admin_ids)
        # start_polling never removes a webhook, and Telegram refuses getUpdates while one is set.
        await rt.bot.delete_webhook(drop_pending_updates=False)
        me = await rt.bot.get_me()
        app = web.Application()
        add_health_routes(app, rt.engine, rt.metrics, settings.metrics_token)
        add_api_routes(app, rt.engine, settings, rt.bot, rt.campaigns.wake if rt.campaigns else None)
        runner = await _serve(app, settings)
        logger.info("polling as @%s", me.username)
        try:
            # Take no more updates at once than there are database connections: the rest wait in
            # Telegram, unconfirmed, instead of in memory (where a crash would lose them).
            await rt.dispatcher.start_polling(rt.bot, tasks_concurrency_limit=MAX_CONNECTIONS)
        finally:
            await runner.cleanup()
        # Polling stopped (SIGTERM/SIGINT): updates already taken from Telegram finish before the
        # runtime closes the session and the database under them.
        if not await rt.dispatcher.in_flight.drain(SHUTDOWN_SECONDS):
            logger.warning(
                "%s updates still running after %ss; stopping anyway",
                rt.dispatcher.in_flight.count,
                SHUTDOWN_SECONDS,
            )


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access lines with method, path, status and time only: query strings carry API filter values
    (phone numbers, external ids) and the client's address is personal data too."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """One INFO line per request."""
        self.logger.info("%s %s %s %.1f ms", request.method, request.path, response.status, time * 1000)


async def _serve(app: web.Application, settings: Settings) -> web.AppRunner:
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_SECONDS, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    host, port = runner.addresses[0][:2]  # the port the system chose when WEB_PORT=0
    logger.info("http server on %s:%s (/healthz, /metrics)", host, port)
    return runner


async def run_webhook(settings: Settings) -> None:
    """Serve Telegram's webhook (plus /healthz and /metrics) until SIGTERM/SIGINT."""
    from bot.webhook import build_web_app, set_webhook_once, webhook_path

    webhook_path(settings)  # fail fast on missing webhook settings, before touching the database
    async with runtime(settings) as rt:
        app = build_web_app(settings, rt.dispatcher, rt.bot, rt.engine, rt.metrics)
        add_api_routes(app, rt.engine, settings, rt.bot, rt.campaigns.wake if rt.campaigns else None)
        await set_commands(rt.bot, settings.admin_ids)
        await set_webhook_once(rt.bot, rt.engine, settings)
        runner = await _serve(app, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):  # `docker stop` sends SIGTERM
            loop.add_signal_handler(stop_signal, stop.set)
        try:
            await stop.wait()
            logger.info("stopping: finishing the updates in flight")
        finally:
            # aiohttp stops accepting, lets in-flight updates finish, then the runtime closes.
            await runner.cleanup()
