"""Retraining the complaint classifier on this deployment's labels: by `tingjian classifier retrain`
or, every CLASSIFIER_RETRAIN_DAYS, as a job the worker runs (once per period across workers).

scikit-learn and the training code are imported inside, so the bot process never pays for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.terms import CATEGORIES, Category
from storage.classifier import ClassifierRepository
from storage.database import session_factory
from storage.jobs import JobQueue
from storage.locks import Lock, try_lock

logger = logging.getLogger(__name__)
JOB_KIND = "retrain"
CHECK_SECONDS = 3600.0


def retrain_key(today: date, every_days: int) -> str:
    """The job key of the retraining period containing `today`: one job per period, whoever queues it."""
    return f"{JOB_KIND}:{every_days}:{today.toordinal() // every_days}"


async def queue_retrain(queue: JobQueue, today: date, every_days: int, language: str) -> bool:
    """Queue this period's retraining unless it is queued already; True when it was queued now."""
    _, new = await queue.enqueue(JOB_KIND, {}, language=language, key=retrain_key(today, every_days))
    return new


async def schedule_retraining(
    queue: JobQueue,
    every_days: int,
    language: str,
    clock: Callable[[], datetime],
    check_seconds: float = CHECK_SECONDS,
) -> None:
    """Queue each period's retraining as the worker runs; the job key keeps it to one per period."""
    while True:
        try:
            if await queue_retrain(queue, clock().date(), every_days, language):
                logger.info("classifier retraining queued (every %s days)", every_days)
        except Exception:
            logger.exception("queueing the classifier retraining failed; trying again later")
        await asyncio.sleep(check_seconds)


async def retrain_deployment(engine: AsyncEngine) -> str:
    """Retrain on the shipped data plus this deployment's labels and switch when better; a report line."""
    from analysis.complaint_data import Example, load_all, train_part
    from analysis.complaint_model import ComplaintModel
    from analysis.complaint_training import MIN_CORRECTIONS, retrain
    from analysis.complaints import active_model, use_model

    async with engine.connect() as lock_connection, try_lock(lock_connection, Lock.CLASSIFIER) as got:
        if not got:
            return "another process is retraining the classifier right now; nothing done"
        async with session_factory(engine)() as session:
            repository = ClassifierRepository(session)
            stored = await repository.active()
            labels = await repository.labels()
        if len(labels) < MIN_CORRECTIONS:
            return (
                f"{len(labels)} categories given by customers and admins so far; "
                f"retraining needs at least {MIN_CORRECTIONS}. Nothing changed."
            )
        corrections = [
            Example(f"label-{label.id}", label.text, _category(label.label), "deployment") for label in labels
        ]
        current = ComplaintModel.from_json(stored.model_json) if stored else active_model()
        result = await asyncio.to_thread(retrain, train_part(load_all()), corrections, current)
        better = result.better
        async with session_factory(engine)() as session:
            await ClassifierRepository(session).save_model(
                version=result.model.version,
                model_json=result.model.to_json(),
                accuracy_before=result.accuracy_before,
                accuracy_after=result.accuracy_after,
                corrections=result.corrections,
                activate=better,
            )
            await session.commit()
    if better:
        use_model(result.model)
    verdict = (
        f"switched to {result.model.version} (running bots pick it up when restarted)"
        if better
        else f"kept {current.version}: the retrained model {result.model.version} is not more accurate"
    )
    return (
        f"accuracy on this deployment's {result.corrections} labels, cross-validated: "
        f"{result.accuracy_before:.1%} before, {result.accuracy_after:.1%} after; {verdict}"
    )


def _category(value: str) -> Category:
    return next(c for c in CATEGORIES if c == value)
