"""Complaint text analysis: shortfall category, quality dimension, thinness and hot-spot keywords.

The categories are the seed deck's service shortfall types (人员素质 personnel, 流程规范 process,
技术水平 technology, 资源配置 resources) plus ``other``. :func:`classify` asks the trained model
(:mod:`analysis.complaint_model`, built from real customers' labelled complaints); the weighted
lexicon (``analysis/lexicon/categories_*.tsv``) is one of its features, not the decider.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Final, Literal, TypeVar, get_args

from analysis import text as tx
from analysis.complaint_model import (
    EVIDENCE_SIZE,
    SECONDARY_MIN_PROBABILITY,
    ComplaintModel,
    shipped_model,
)
from dialogs.terms import CATEGORIES, Category, Dimension

__all__ = ["CATEGORIES", "Category", "Classification", "active_model", "classify", "use_model"]


CueKind = Literal["where", "when", "what"]
Method = Literal["model", "none"]

DIMENSIONS: Final[tuple[Dimension, ...]] = get_args(Dimension)
DEFAULT_DIMENSION: Final[Mapping[Category, Dimension | None]] = MappingProxyType(
    {
        "personnel": "comfort",
        "process": "responsiveness",
        "technology": "functionality",
        "resources": "responsiveness",
        "other": None,
    }
)

# Below this many content units (Chinese characters + Latin words) a complaint is always thin.
THIN_MIN_UNITS: Final = 5
# Longest term, in tokens, that the matcher assembles from adjacent tokens.
MAX_TERM_TOKENS: Final = 3

_TIME_PATTERN: Final = re.compile(
    r"\d+\s*(?:点|[:：]\d|号|日|月|分钟|小时|天|周|年|am\b|pm\b|min|hour|day|week)"
    r"|[一二三四五六七八九十两半几]+个?(?:点|小时|分钟|天|周|星期|月)"
    r"|(?:星期|礼拜|周)[一二三四五六日天末]",
    re.IGNORECASE,
)
_CONTENT_UNIT: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[a-z]+", re.IGNORECASE)


@dataclass(frozen=True)
class Classification:
    """Shortfall category of a complaint, a second likely cause, and how sure the model is (0–1).

    ``scores`` are the model's calibrated probabilities per category; ``evidence`` the words that
    pushed the category up (shown to admins on the ticket); ``model_version`` the model that decided.
    """

    category: Category
    confidence: float
    scores: Mapping[Category, float] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    evidence: tuple[str, ...] = ()
    method: Method = "none"
    secondary: Category | None = None
    model_version: str = ""

    @property
    def runner_up(self) -> Category:
        """The second likeliest category (what to offer beside ``category`` when unsure)."""
        ranked = sorted(CATEGORIES, key=lambda c: (-self.scores.get(c, 0.0), CATEGORIES.index(c)))
        return next(c for c in ranked if c != self.category)


@dataclass(frozen=True)
class _WeightedTerm:
    category: Category
    weight: float


_Choice = TypeVar("_Choice", bound=str)


def _check_choice(value: str, choices: tuple[_Choice, ...], source: str) -> _Choice:
    if value not in choices:
        raise ValueError(f"{source}: unknown value {value!r}, expected one of {choices}")
    return value


# The model every classify() call uses unless given another: the shipped one until a deployment
# installs its own retrained model with use_model().
_active: list[ComplaintModel] = []


def use_model(model: ComplaintModel | None) -> None:
    """Make ``model`` the one :func:`classify` uses in this process (None: back to the shipped one)."""
    _active[:] = [model] if model is not None else []


def active_model() -> ComplaintModel:
    """The model :func:`classify` uses now."""
    return _active[0] if _active else shipped_model()


def classify(text: str, model: ComplaintModel | None = None) -> Classification:
    """Category, secondary cause, calibrated confidence and evidence; ``other`` at 0 when nothing is known."""
    model = model or active_model()
    prediction = model.predict(text)
    if not prediction.known_features:
        empty = MappingProxyType(dict.fromkeys(CATEGORIES, 0.0))
        return Classification("other", 0.0, empty, (), "none", None, model.version)
    first, second = prediction.ranked[:2]
    probabilities = prediction.probabilities
    secondary = (
        second
        if first != "other" and second != "other" and probabilities[second] >= SECONDARY_MIN_PROBABILITY
        else None
    )
    scores = MappingProxyType({c: round(p, 4) for c, p in probabilities.items()})
    evidence = _merge_evidence(prediction.evidence, prediction.lexicon_terms.get(first, ()))
    return Classification(
        first, round(probabilities[first], 4), scores, evidence, "model", secondary, model.version
    )


def _merge_evidence(model_words: Sequence[str], lexicon_terms: Sequence[str]) -> tuple[str, ...]:
    merged: list[str] = []
    for word in [*model_words, *lexicon_terms]:
        if not any(word in other or other in word for other in merged):
            merged.append(word)
    return tuple(merged[:EVIDENCE_SIZE])


@cache
def _category_lexicon() -> Mapping[str, tuple[_WeightedTerm, ...]]:
    lexicon: dict[str, list[_WeightedTerm]] = {}
    for name in ("categories_zh.tsv", "categories_en.tsv"):
        for term, category, weight in tx.read_table(name):
            entry = _WeightedTerm(_check_choice(category, CATEGORIES, name), float(weight))
            lexicon.setdefault(tx.normalise(term), []).append(entry)
    return MappingProxyType({term: tuple(entries) for term, entries in lexicon.items()})


@cache
def _dimension_lexicon() -> Mapping[str, Dimension]:
    return MappingProxyType(
        {
            tx.normalise(term): _check_choice(dimension, DIMENSIONS, "dimensions.tsv")
            for term, dimension in tx.read_table("dimensions.tsv")
        }
    )


@cache
def _context_cues() -> Mapping[str, CueKind]:
    return MappingProxyType(
        {
            tx.normalise(term): _check_choice(kind, get_args(CueKind), "context_cues.tsv")
            for term, kind in tx.read_table("context_cues.tsv")
        }
    )


def _join(left: str, right: str) -> str:
    # Chinese words join without a space, Latin words with one ("on hold").
    if tx.has_han(left[-1]) and tx.has_han(right[0]):
        return left + right
    return f"{left} {right}"


def _candidates(clauses: Sequence[Sequence[str]]) -> Iterator[str]:
    """Strings a lexicon term may equal: tokens, runs of adjacent tokens, parts of long Chinese tokens."""
    for tokens in clauses:
        for start, token in enumerate(tokens):
            joined = token
            yield joined
            for follower in tokens[start + 1 : start + MAX_TERM_TOKENS]:
                joined = _join(joined, follower)
                yield joined
            if len(token) > 2 and tx.has_han(token):
                # jieba may have merged a lexicon term into a longer word ("态度很差").
                for size in range(2, len(token)):
                    for offset in range(len(token) - size + 1):
                        yield token[offset : offset + size]


def matched_terms(text: str, vocabulary: Mapping[str, object]) -> list[str]:
    """Distinct terms of ``vocabulary`` found in ``text``, in order of appearance."""
    return _unique(c for c in _candidates(tx.clauses(text)) if c in vocabulary)


def lexicon_matches(clauses: Sequence[Sequence[str]]) -> list[tuple[str, Category, int]]:
    """(term, category, weight units) of every lexicon term found in ``clauses`` (the ``lex:`` features)."""
    lexicon = _category_lexicon()
    return [
        (term, entry.category, round(entry.weight))
        for term in _unique(c for c in _candidates(clauses) if c in lexicon)
        for entry in lexicon[term]
    ]


def suggest_dimension(text: str, category: str) -> Dimension | None:
    """Quality dimension of a complaint: keyword cues first (safety wins), else the category's default."""
    default = DEFAULT_DIMENSION[_check_choice(category, CATEGORIES, "category")]
    lexicon = _dimension_lexicon()
    counts = Counter(lexicon[term] for term in matched_terms(text, lexicon))
    if counts["safety"]:
        return "safety"
    if not counts:
        return default
    top = max(counts.values())
    tied = [dimension for dimension in DIMENSIONS if counts[dimension] == top]
    return default if default in tied else tied[0]


def context_kinds(text: str) -> set[CueKind]:
    """Which of where / when / what-service the complaint mentions."""
    cues = _context_cues()
    kinds = {cues[term] for term in matched_terms(text, cues)}
    if _TIME_PATTERN.search(tx.normalise(text)):
        kinds.add("when")
    return kinds


def is_thin(text: str) -> bool:
    """Whether a complaint is too thin to act on: only a few words, or no where/when/what-service cue."""
    units = len(_CONTENT_UNIT.findall(tx.normalise(text)))
    return units < THIN_MIN_UNITS or not context_kinds(text)


@cache
def _complaint_chars() -> frozenset[str]:
    return tx.read_words("complaint_chars.txt")


@cache
def _degree_words() -> frozenset[str]:
    return tx.read_words("degree_words.txt")


def _phrase_at(tokens: Sequence[str], index: int) -> str | None:
    """The complaint phrase ending at ``tokens[index]`` if it ends in a one-character complaint word."""
    token = tokens[index]
    if token[-1] not in _complaint_chars():
        return None
    head = token[:-1]
    if head in _degree_words() or (len(head) > 1 and head not in tx.stopwords()):
        return token  # kept whole by jieba: "太慢", "服务差"
    if head and head not in tx.stopwords():
        return None  # a two-character word of its own: "时差"
    # A lone complaint word, or one that jieba glued to a function word ("还贵").
    before = tokens[index - 1] if index else ""
    if not head and before in _degree_words():
        return before + token
    if len(before) == 1 and before in tx.stopwords() and index > 1:
        before = tokens[index - 2]  # "态度也差" -> "态度差"
    # "环境脏" (subject + word) names the hot spot better than "脏" alone.
    if tx.has_han(before) and before not in tx.stopwords() and before[-1] not in _complaint_chars():
        return before + token[-1]
    return token[-1]


def complaint_phrases(text: str) -> list[str]:
    """Complaint phrases built around one-character complaint words, in order of appearance."""
    phrases = []
    # With jieba's full dictionary, as hot-spot keywords always were (extracted by the worker).
    for tokens in tx.clauses(text, full=True):
        for index in range(len(tokens)):
            phrase = _phrase_at(tokens, index)
            if phrase:
                phrases.append(phrase)
    return _unique(phrases)


def keywords(text: str, top_k: int = 5) -> list[str]:
    """Hot-spot keywords: complaint phrases (one-character words kept) merged with TF-IDF tags."""
    phrases = complaint_phrases(text)
    latin_words = {token for token in tx.tokenize(text) if not tx.has_han(token)}
    tags = [
        tag
        for tag, _ in tx.extract_tags(tx.normalise(text))
        if (tx.is_content_word(tag) if tx.has_han(tag) else tag in latin_words)
        and not any(tag in phrase for phrase in phrases)
    ]
    quota = math.ceil(top_k / 2)
    merged = _unique([*phrases[:quota], *tags, *phrases[quota:]])
    return merged[:top_k]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
