"""Complaint classification benchmark: held-out accuracy by source, confusion, throughput and load time.

Usage (from the project root)::

    .venv/bin/python bench/classify_bench.py           # measure, print Markdown for BENCHMARKS.md
    .venv/bin/tingjian classifier build                # rebuild the shipped model first, if data changed

The held-out parts are chosen by a hash of each row's id (analysis/complaint_data.py) before any
model is built; the shipped model is trained on the train parts only.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import complaints  # noqa: E402
from analysis.complaint_data import (  # noqa: E402
    Example,
    held_out_part,
    load_handwritten,
    load_real,
    train_part,
)
from analysis.complaint_evaluation import evaluate  # noqa: E402
from dialogs.complaint_flow import ASK_BELOW_CONFIDENCE  # noqa: E402

_LOAD = (
    "import time; t = time.perf_counter(); "
    "from analysis.complaints import classify; classify('排队太久'); "
    "print(time.perf_counter() - t)"
)
_MODEL_LOAD = (
    "import time; t = time.perf_counter(); "
    "from analysis.complaint_model import shipped_model; shipped_model()._matrix; "
    "print(time.perf_counter() - t)"
)


def _throughput(texts: list[str], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        for item in texts:
            complaints.classify(item)
    return repeat * len(texts) / (time.process_time() - started)


def _load_seconds(code: str, runs: int) -> list[float]:
    """Seconds a fresh interpreter takes to run ``code``, which prints its own timing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", code]
    return [
        float(subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout)
        for _ in range(runs)
    ]


def _section(name: str, rows: list[Example]) -> None:
    predict = lambda text: complaints.classify(text).category  # noqa: E731
    result = evaluate(rows, predict)
    print(f"\n### {name}: {result.summary()}\n")
    clear = [row for row in rows if row.clear]
    if len(clear) != len(rows):
        print(f"- one clear cause: {evaluate(clear, predict).summary()}")
        two = [row for row in rows if row.secondary]
        hits = sum(predict(row.text) in (row.label, row.secondary) for row in two)
        print(f"- two causes named ({len(two)}): the prediction is one of them in {hits}/{len(two)}")
    print()
    print(result.table())


def _by_confidence(rows: list[Example]) -> None:
    """What the customer sees: a proposal to confirm at or above ASK_BELOW_CONFIDENCE, else a choice
    between the two likeliest causes (dialogs/complaint_flow.py)."""
    guesses = {row.text: complaints.classify(row.text) for row in rows}
    proposed = [row for row in rows if guesses[row.text].confidence >= ASK_BELOW_CONFIDENCE]
    asked = [row for row in rows if guesses[row.text].confidence < ASK_BELOW_CONFIDENCE]
    result = evaluate(proposed, lambda text: guesses[text].category)
    share = f"{len(proposed)}/{len(rows)}"
    print(f"\n- proposed (confidence ≥ {ASK_BELOW_CONFIDENCE}): {share}, {result.summary()}")
    offered = sum(row.label in (guesses[row.text].category, guesses[row.text].runner_up) for row in asked)
    print(f"- asked to pick one of two: {len(asked)}/{len(rows)}; the right one offered in {offered}")


def main() -> None:
    """Print the "Complaint classification" figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the held-out texts for throughput")
    args = parser.parse_args()
    real, handwritten = load_real(), load_handwritten()
    model = complaints.active_model()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"model {model.version}: {model.meta}")
    for name, rows in (("real", real), ("hand-written", handwritten)):
        print(f"{name}: {len(rows)} rows, train {len(train_part(rows))}, held-out {len(held_out_part(rows))}")
    _section("Real customers (held-out part)", held_out_part(real))
    _by_confidence(held_out_part(real))
    _section("Hand-written service-hall complaints (held-out part)", held_out_part(handwritten))
    texts = [row.text for row in held_out_part(real) + held_out_part(handwritten)]
    complaints.classify(texts[0])
    print(f"\nthroughput, one process (CPU time): {_throughput(texts, args.repeat):,.0f} complaints/s")
    loads = _load_seconds(_MODEL_LOAD, 3)
    print("model load (import + JSON + weight matrix): " + ", ".join(f"{s:.2f} s" for s in loads))
    loads = _load_seconds(_LOAD, 3)
    print(
        "cold start to a first classification (jieba dictionary included): "
        + ", ".join(f"{s:.2f} s" for s in loads)
    )


if __name__ == "__main__":
    main()
