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

import numpy as np
import zhconv

from analysis import text as tx
from dialogs.terms import CATEGORIES, Category

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
    return _featurize(text)[0]


def model_text(text: str) -> str:
    """The text as the model reads it: its start only, normalised, in simplified characters."""
    # Traditional characters are folded to simplified ones: the labelled data is simplified.
    return str(zhconv.convert(tx.normalise(text[:MAX_FEATURE_CHARS]), "zh-cn"))


def _featurize(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The features, and the lexicon terms found per category (evidence a reader recognises)."""
    text = model_text(text)
    # Without jieba's HMM for unknown words: a sixth faster, and no less accurate in cross-validation.
    clauses = tx.clauses(text, hmm=False)
    stopwords = tx.stopwords()
    result = [WORD + token for clause in clauses for token in clause if token not in stopwords]
    for run in _HAN_RUN.findall(text):
        for size in range(1, MAX_NGRAM + 1):
            result.extend(CHARS + run[i : i + size] for i in range(len(run) - size + 1))
    terms: dict[str, list[str]] = {}
    for term, category, units in _lexicon_matches(clauses):
        result.extend([LEXICON + category] * units)
        terms.setdefault(category, []).append(term)
    return result, terms


def _lexicon_matches(clauses: list[list[str]]) -> Sequence[tuple[str, str, int]]:
    # Imported here: analysis.complaints imports this module for classify().
    from analysis.complaints import lexicon_matches

    return lexicon_matches(clauses)


def readable(feature: str) -> str:
    """A feature as an admin reads it on a ticket: the word or characters, or the lexicon cue."""
    return feature.split(":", 1)[1]


@dataclass(frozen=True)
class Prediction:
    """Calibrated probabilities per category, and the features that pushed the top one up."""

    probabilities: Mapping[Category, float]
    evidence: tuple[str, ...]
    known_features: int
    lexicon_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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

    @cached_property
    def _matrix(self) -> tuple[dict[str, int], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Feature index, idf vector and weight matrix (features × categories) for fast prediction."""
        names = sorted(self.idf)
        index = {name: i for i, name in enumerate(names)}
        idf = np.array([self.idf[name] for name in names], dtype=np.float64)
        weights = np.array([self.weights[name] for name in names], dtype=np.float64)
        weights = weights.reshape(-1, len(CATEGORIES))
        return index, idf, weights

    def predict(self, text: str) -> Prediction:
        """Probabilities for ``text``; with no known feature they are the intercept's prior."""
        index, idf, weights = self._matrix
        found, terms = _featurize(text)
        counts = Counter(f for f in found if f in index)
        names = list(counts)
        rows = np.fromiter((index[f] for f in names), dtype=np.int64, count=len(names))
        x = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(names)))) * idf[rows]
        norm = float(np.sqrt(x @ x)) or 1.0
        x = x / norm
        logits = np.asarray(self.intercept) + x @ weights[rows]
        probabilities = _softmax([float(z) / self.temperature for z in logits])
        top = max(range(len(CATEGORIES)), key=lambda k: (probabilities[k], -k))
        contributions = list(zip((x * weights[rows, top]).tolist(), names, strict=True))
        return Prediction(
            MappingProxyType(dict(zip(CATEGORIES, probabilities, strict=True))),
            _evidence(contributions),
            len(names),
            MappingProxyType({category: tuple(found_terms) for category, found_terms in terms.items()}),
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
    grams: dict[str, float] = {}
    words: list[tuple[str, float]] = []
    for weight, feature in contributions:
        if feature.startswith(CHARS):
            grams[feature[len(CHARS) :]] = weight
        elif feature.startswith(WORD):
            words.append((feature[len(WORD) :], weight))
    scored = []
    for word, weight in words:
        inside = {word[i : i + n] for n in range(1, MAX_NGRAM + 1) for i in range(len(word) - n + 1)}
        total = weight + sum(grams.get(g, 0.0) for g in inside)
        if total > 0:
            scored.append((total, word))
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
