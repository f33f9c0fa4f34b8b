"""The complaint classifier (jieba, its dictionary, the linear model) loads in a background thread
at start, so the first replies do not wait for it; a complaint that needs it before it is ready
waits for it (`ready()`)."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from concurrent.futures import Future
from pathlib import Path

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: Future[None] | None = None


def _load(cache: Path | None, model_json: str | None, done: Future[None]) -> None:
    try:
        from analysis.complaint_model import ComplaintModel
        from analysis.complaints import active_model, use_model
        from analysis.text import init_jieba

        init_jieba(cache)
        if model_json is not None:
            use_model(ComplaintModel.from_json(model_json))
        active_model()  # reads the shipped model now rather than on the first complaint
        gc.freeze()  # jieba's dictionary lives as long as the process: out of the collector's passes
        done.set_result(None)
    except BaseException as error:  # the waiting complaint sees it
        done.set_exception(error)


def start_loading(cache: Path | None = None, model_json: str | None = None) -> Future[None]:
    """Start loading once (later calls return the same load), in a daemon thread."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = Future()
            threading.Thread(
                target=_load, args=(cache, model_json, _loaded), name="classifier-load", daemon=True
            ).start()
        return _loaded


async def ready() -> None:
    """Wait until the classifier is loaded (starting the load if nobody did)."""
    await asyncio.wrap_future(start_loading())
