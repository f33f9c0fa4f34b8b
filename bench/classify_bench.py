"""Complaint classification benchmark: held-out accuracy, confusion matrix and throughput.

Usage (from the project root)::

    .venv/bin/python bench/classify_bench.py            # measure, print Markdown for BENCHMARKS.md
    .venv/bin/python bench/classify_bench.py --retrain  # rewrite analysis/lexicon/naive_bayes.json first

The naive-Bayes fallback is trained on the train part of tests/data/complaints_labelled.csv only.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the labelled-data helpers live in the tests package

from analysis import complaints, text  # noqa: E402
from tests.analysis_text.labelled import (  # noqa: E402
    evaluate,
    held_out_rows,
    load_labelled,
    train_model,
    train_rows,
)


def _throughput(texts: list[str], function_name: str, repeat: int) -> float:
    function = getattr(complaints, function_name)
    started = time.perf_counter()
    for _ in range(repeat):
        for item in texts:
            function(item)
    return repeat * len(texts) / (time.perf_counter() - started)


def main() -> None:
    """Measure and print the "Complaint classification" figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain", action="store_true", help="rewrite the shipped naive-Bayes model")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the labelled set for throughput")
    args = parser.parse_args()

    # Timed first: anything below would initialise jieba lazily.
    with tempfile.TemporaryDirectory() as cache_dir:
        started = time.perf_counter()
        text.init_jieba(Path(cache_dir))
        init_seconds = time.perf_counter() - started

    rows = load_labelled()
    if args.retrain:
        complaints.MODEL_FILE.write_text(train_model(rows).to_json(), encoding="utf-8")
        complaints.shipped_model.cache_clear()
        print(f"wrote {complaints.MODEL_FILE.relative_to(ROOT)}")

    held_out = held_out_rows(rows)
    result = evaluate(held_out, lambda item: complaints.classify(item).category)
    lexicon_only = evaluate(held_out, _lexicon_only)
    methods = Counter(complaints.classify(row.text).method for row in held_out)
    by_lang = {
        lang: evaluate(
            [r for r in held_out if r.lang == lang], lambda item: complaints.classify(item).category
        )
        for lang in sorted({r.lang for r in held_out})
    }
    texts = [row.text for row in rows]
    complaints.classify(texts[0])  # warm the lexicon caches outside the timing

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    print(f"labelled: {len(rows)} rows, train {len(train_rows(rows))}, held-out {len(held_out)}")
    print(f"init_jieba (cold cache dir): {init_seconds:.2f} s")
    print(
        f"held-out accuracy: {result.accuracy:.3f} ({round(result.accuracy * result.total)}/{result.total})"
    )
    print(f"held-out accuracy, lexicon only (no naive-Bayes fallback): {lexicon_only.accuracy:.3f}")
    for lang, per_lang in by_lang.items():
        print(f"  {lang}: {per_lang.accuracy:.3f} of {per_lang.total}")
    print(f"decided by: {dict(methods)}")
    print(result.table())
    for name in ("classify", "keywords", "is_thin"):
        print(f"{name}: {_throughput(texts, name, args.repeat):,.0f} complaints/s")


def _lexicon_only(item: str) -> str:
    scores, _ = complaints.category_scores(item)
    return complaints.best_category(scores) if any(scores.values()) else "other"


if __name__ == "__main__":
    main()
