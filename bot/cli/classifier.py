"""`tingjian classifier`: rebuild the shipped complaint model and measure it.

scikit-learn and the training code are imported inside the commands, so nothing else pays for them.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bot.config import Settings


def add_classifier_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `classifier dictionary|build|evaluate|retrain` on the `tingjian` command's subparsers."""
    group = commands.add_parser("classifier", help="the complaint classifier: build, measure")
    sub = group.add_subparsers(title="classifier commands")

    dictionary = sub.add_parser(
        "dictionary",
        help="rebuild the compact jieba dictionary complaints are cut with (run before `build`)",
    )
    dictionary.set_defaults(handler=_dictionary)

    build = sub.add_parser(
        "build", help="rebuild the shipped model from analysis/data/complaints (train parts only)"
    )
    build.add_argument("--output", type=Path, help="default: the shipped model file")
    build.set_defaults(handler=_build)

    evaluate = sub.add_parser("evaluate", help="accuracy, macro-F1 and confusion on the held-out parts")
    evaluate.set_defaults(handler=_evaluate)

    retrain = sub.add_parser(
        "retrain",
        help="train on the shipped data plus this deployment's labels; switch only when more accurate",
    )
    retrain.set_defaults(handler=_retrain)


def _dictionary(settings: Settings, args: argparse.Namespace) -> int:
    from analysis.compact_dictionary import build_compact_dictionary
    from analysis.text import COMPACT_DICT

    content = build_compact_dictionary()
    COMPACT_DICT.write_text(content, encoding="utf-8")
    print(f"{content.count(chr(10)) - 1} words written to {COMPACT_DICT}")
    return 0


def _build(settings: Settings, args: argparse.Namespace) -> int:
    from analysis.complaint_model import SHIPPED_MODEL_FILE
    from analysis.complaint_training import build_shipped

    built = build_shipped()
    output: Path = args.output or SHIPPED_MODEL_FILE
    output.write_text(built.model.to_json(), encoding="utf-8")
    print(
        f"model {built.model.version}: {built.model.meta['examples']} examples, C={built.c}, "
        f"cross-validated accuracy {built.cv_accuracy:.3f}; written to {output}"
    )
    return 0


def _retrain(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_retrain_async(settings))


async def _retrain_async(settings: Settings) -> int:
    from bot.database import database_url
    from bot.jobs.retrain import retrain_deployment
    from storage.database import create_engine

    url, _ = database_url(settings)
    engine = create_engine(url, pool_size=2)
    try:
        outcome = await retrain_deployment(engine)
    finally:
        await engine.dispose()
    print(outcome)
    return 0


def _evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from analysis.complaint_data import held_out_part, load_handwritten, load_real
    from analysis.complaint_evaluation import evaluate
    from analysis.complaints import active_model, classify

    model = active_model()
    print(f"model {model.version} (held-out parts: never used to build it)")
    for name, examples in (("real customers", load_real()), ("hand-written", load_handwritten())):
        held = held_out_part(examples)
        clear = [e for e in held if e.clear]
        for label, rows in ((name, held), (f"{name}, one clear cause", clear)):
            if rows:
                result = evaluate(rows, lambda text: classify(text).category)
                print(f"{label}: {result.summary()}")
                if rows is held:
                    print(f"confusion (rows true, columns predicted):\n{result.table()}")
    return 0
