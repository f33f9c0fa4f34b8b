"""The trained complaint classifier: features, the linear model as data, and prediction.

A multinomial logistic regression over TF-IDF-weighted features — jieba words, Chinese character
1–3-grams and the categories of matched lexicon terms — with its probabilities calibrated by one
temperature fitted on out-of-fold scores. Training uses scikit-learn (:mod:`analysis.complaint_training`);
prediction here needs only the model's JSON, so the bot loads it in milliseconds without importing
scikit-learn, and the file can be read and diffed like the lexicon.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import zhconv

from analysis import text as tx
from analysis.categories import CATEGORIES, Category

SHIPPED_MODEL_FILE: Final = Path(__file__).with_name("data") / "complaints" / "model.json"
FORMAT: Final = 1
# A second cause is named only when the model gives it at least this probability.
SECONDARY_MIN_PROBABILITY: Final = 0.25
EVIDENCE_SIZE: Final = 5
MAX_NGRAM: Final = 3
# Long pastes are cut before featurising: the first screens say what the complaint is about,
# and this bounds the work one message can cost.
MAX_FEATURE_CHARS: Final = 2000

_HAN_RUN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
WORD: Final = "w:"
CHARS: Final = "c:"
LEXICON: Final = "lex:"


def features(text: str) -> list[str]:
    """Features of a complaint: ``w:`` words (no stopwords), ``c:`` Han 1–3-grams, ``lex:`` lexicon cues."""
    # Traditional characters are folded to simplified ones: the labelled data is simplified.
    text = zhconv.convert(tx.normalise(text[:MAX_FEATURE_CHARS]), "zh-cn")
    clauses = tx.clauses(text)
    stopwords = tx.stopwords()
    result = [WORD + token for clause in clauses for token in clause if token not in stopwords]
    for run in _HAN_RUN.findall(text):
        for size in range(1, MAX_NGRAM + 1):
            result.extend(CHARS + run[i : i + size] for i in range(len(run) - size + 1))
    result.extend(LEXICON + category for category in _lexicon_categories(clauses))
    return result


def _lexicon_categories(clauses: list[list[str]]) -> list[str]:
    # Imported here: analysis.complaints imports this module for classify().
    from analysis.complaints import lexicon_categories

    return lexicon_categories(clauses)


def readable(feature: str) -> str:
    """A feature as an admin reads it on a ticket: the word or characters, or the lexicon cue."""
    return feature.split(":", 1)[1]


@dataclass(frozen=True)
class Prediction:
    """Calibrated probabilities per category, and the features that pushed the top one up."""

    probabilities: Mapping[Category, float]
    evidence: tuple[str, ...]
    known_features: int

    @property
    def ranked(self) -> list[Category]:
        """Categories from most to least likely (ties in CATEGORIES order)."""
        return sorted(CATEGORIES, key=lambda c: (-self.probabilities[c], CATEGORIES.index(c)))


@dataclass(frozen=True)
class ComplaintModel:
    """A linear model over :func:`features` as plain data: idf and one weight per category per feature."""

    idf: Mapping[str, float]
    weights: Mapping[str, tuple[float, ...]]
    intercept: tuple[float, ...]
    temperature: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def version(self) -> str:
        """Content hash of the model: two builds with the same weights have the same version."""
        return hashlib.sha256(self._payload().encode("utf-8")).hexdigest()[:12]

    def predict(self, text: str) -> Prediction:
        """Probabilities for ``text``; uniform-free: no known feature gives the intercept's prior."""
        counts = Counter(f for f in features(text) if f in self.idf)
        values = {f: (1.0 + math.log(n)) * self.idf[f] for f, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        logits = list(self.intercept)
        contributions: list[list[tuple[float, str]]] = [[] for _ in CATEGORIES]
        for feature, value in values.items():
            x = value / norm
            for k, weight in enumerate(self.weights[feature]):
                logits[k] += weight * x
                contributions[k].append((weight * x, feature))
        probabilities = _softmax([z / self.temperature for z in logits])
        top = max(range(len(CATEGORIES)), key=lambda k: (probabilities[k], -k))
        return Prediction(
            MappingProxyType(dict(zip(CATEGORIES, probabilities, strict=True))),
            _evidence(contributions[top]),
            len(counts),
        )

    def to_json(self) -> str:
        """The model as JSON with sorted keys and rounded weights, so a rebuild gives the same file."""
        return self._payload(with_version=True)

    def _payload(self, with_version: bool = False) -> str:
        data: dict[str, Any] = {
            "format": FORMAT,
            "categories": list(CATEGORIES),
            "temperature": self.temperature,
            "intercept": list(self.intercept),
            "meta": dict(self.meta),
            "features": {f: [self.idf[f], *self.weights[f]] for f in sorted(self.idf)},
        }
        if with_version:
            data["version"] = hashlib.sha256(self._payload().encode("utf-8")).hexdigest()[:12]
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> ComplaintModel:
        """Inverse of :meth:`to_json`; refuses a file written for other categories or another format."""
        data = json.loads(raw)
        if data.get("format") != FORMAT or tuple(data.get("categories", ())) != CATEGORIES:
            raise ValueError("complaint model file is of another format or category set; rebuild it")
        rows = data["features"]
        return cls(
            idf={f: float(row[0]) for f, row in rows.items()},
            weights={f: tuple(float(w) for w in row[1:]) for f, row in rows.items()},
            intercept=tuple(float(b) for b in data["intercept"]),
            temperature=float(data["temperature"]),
            meta=dict(data.get("meta", {})),
        )


def _softmax(values: Sequence[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _evidence(contributions: list[tuple[float, str]]) -> tuple[str, ...]:
    """The words that pushed the category up most: each word's own weight plus its characters' n-grams.

    Character n-grams that straddle two words mean nothing to a reader, so they count only
    through the words that contain them.
    """
    by_feature = dict((feature, weight) for weight, feature in contributions)
    grams = {readable(f): w for f, w in by_feature.items() if f.startswith(CHARS)}
    scored = []
    for feature, weight in by_feature.items():
        if not feature.startswith(WORD):
            continue
        word = readable(feature)
        inside = {word[i : i + n] for n in range(1, MAX_NGRAM + 1) for i in range(len(word) - n + 1)}
        scored.append((weight + sum(grams.get(g, 0.0) for g in inside), word))
    chosen: list[str] = []
    for weight, word in sorted(scored, key=lambda item: (-item[0], item[1])):
        if weight <= 0 or len(chosen) == EVIDENCE_SIZE:
            break
        if len(word) > 1 or not tx.has_han(word):
            chosen.append(word)
    return tuple(chosen)


@cache
def shipped_model() -> ComplaintModel:
    """The model shipped with Tingjian, built from the labelled data in ``analysis/data/complaints``."""
    return ComplaintModel.from_json(SHIPPED_MODEL_FILE.read_text(encoding="utf-8"))
