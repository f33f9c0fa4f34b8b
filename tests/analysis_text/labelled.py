"""The hand-written labelled complaints and their deterministic train / held-out split."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from analysis.complaints import CATEGORIES, NaiveBayes, train_naive_bayes

LABELLED_FILE: Final = Path(__file__).resolve().parents[1] / "data" / "complaints_labelled.csv"
# Hash buckets 7, 8 and 9 of ten are held out: about 30 %.
FIRST_HELD_OUT_BUCKET: Final = 7


@dataclass(frozen=True)
class Labelled:
    """One labelled complaint: a stable id, its category, language (zh / en / mixed) and text."""

    id: str
    category: str
    lang: str
    text: str

    @property
    def held_out(self) -> bool:
        """Whether this row is in the held-out part (by a hash of its id, so stable across edits)."""
        digest = hashlib.sha256(self.id.encode()).hexdigest()
        return int(digest, 16) % 10 >= FIRST_HELD_OUT_BUCKET


def load_labelled(path: Path = LABELLED_FILE) -> list[Labelled]:
    """All rows of the labelled file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(row["id"], row["category"], row["lang"], row["text"]) for row in csv.DictReader(handle)
        ]


def train_rows(rows: Iterable[Labelled]) -> list[Labelled]:
    """The rows a model may be trained on."""
    return [row for row in rows if not row.held_out]


def held_out_rows(rows: Iterable[Labelled]) -> list[Labelled]:
    """The rows kept for measuring."""
    return [row for row in rows if row.held_out]


def train_model(rows: Iterable[Labelled]) -> NaiveBayes:
    """The naive-Bayes model trained on the train part of ``rows``."""
    return train_naive_bayes((row.text, row.category) for row in train_rows(rows))


@dataclass(frozen=True)
class Evaluation:
    """Accuracy and confusion counts (true category, predicted category) of a classifier."""

    accuracy: float
    total: int
    confusion: Counter[tuple[str, str]]

    def table(self) -> str:
        """The confusion matrix as a Markdown table: rows true, columns predicted."""
        header = "| true \\ predicted | " + " | ".join(CATEGORIES) + " |"
        lines = [header, "|" + " --- |" * (len(CATEGORIES) + 1)]
        for true in CATEGORIES:
            cells = " | ".join(str(self.confusion[(true, predicted)]) for predicted in CATEGORIES)
            lines.append(f"| {true} | {cells} |")
        return "\n".join(lines)


def evaluate(rows: Sequence[Labelled], predict: Callable[[str], str]) -> Evaluation:
    """Run ``predict`` on every row and compare with the labels."""
    confusion: Counter[tuple[str, str]] = Counter((row.category, predict(row.text)) for row in rows)
    correct = sum(n for (true, predicted), n in confusion.items() if true == predicted)
    return Evaluation(correct / len(rows), len(rows), confusion)
