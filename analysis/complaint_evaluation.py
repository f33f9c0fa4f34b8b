"""Measuring a complaint classifier on labelled examples: accuracy with its interval, macro-F1, confusion."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analysis.complaint_data import Example
from dialogs.terms import CATEGORIES

Z95 = 1.959964


@dataclass(frozen=True)
class Evaluation:
    """How a classifier did on ``total`` examples; ``confusion`` counts (true, predicted) pairs."""

    total: int
    correct: int
    confusion: Counter[tuple[str, str]]

    @property
    def accuracy(self) -> float:
        """Share of examples whose category was right."""
        return self.correct / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson score 95 % interval of the accuracy."""
        return wilson_interval(self.correct, self.total)

    @property
    def macro_f1(self) -> float:
        """Unweighted mean of the per-category F1 over the categories present in the labels."""
        scores = []
        for category in CATEGORIES:
            true = sum(n for (t, _), n in self.confusion.items() if t == category)
            if not true:
                continue
            predicted = sum(n for (_, p), n in self.confusion.items() if p == category)
            hit = self.confusion[(category, category)]
            scores.append(2 * hit / (true + predicted) if true + predicted else 0.0)
        return sum(scores) / len(scores) if scores else 0.0

    def table(self) -> str:
        """The confusion matrix as a Markdown table: rows true, columns predicted."""
        lines = [
            "| true \\ predicted | " + " | ".join(CATEGORIES) + " |",
            "|" + " --- |" * (len(CATEGORIES) + 1),
        ]
        for true in CATEGORIES:
            cells = " | ".join(str(self.confusion[(true, predicted)]) for predicted in CATEGORIES)
            lines.append(f"| {true} | {cells} |")
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: accuracy with its interval, macro-F1 and the count."""
        low, high = self.interval
        return (
            f"accuracy {self.accuracy:.3f} (95% {low:.3f}–{high:.3f}), "
            f"macro-F1 {self.macro_f1:.3f}, n={self.total}"
        )


def wilson_interval(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (better than the normal one near 0 and 1)."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def evaluate(examples: Sequence[Example], predict: Callable[[str], str]) -> Evaluation:
    """Run ``predict`` on every example and compare with its label."""
    confusion: Counter[tuple[str, str]] = Counter((e.label, predict(e.text)) for e in examples)
    correct = sum(n for (true, predicted), n in confusion.items() if true == predicted)
    return Evaluation(len(examples), correct, confusion)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two labellings of the same items: agreement beyond chance."""
    if len(first) != len(second) or not first:
        raise ValueError("two labellings of the same, non-empty list of items are needed")
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[c] * right[c] for c in set(left) | set(right)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)
