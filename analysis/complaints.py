"""Complaint text analysis: shortfall category, quality dimension, thinness and hot-spot keywords.

The categories are the seed deck's service shortfall types (人员素质 personnel, 流程规范 process,
技术水平 technology, 资源配置 resources) plus ``other``. Classification is a transparent
weighted-keyword lexicon (``analysis/lexicon/categories_*.tsv``): every matched term adds its
weight to its category, and :attr:`Classification.evidence` lists the terms that decided. Only
when no lexicon term matches does a small naive-Bayes model (``naive_bayes.json``, trained on the
train part of ``tests/data/complaints_labelled.csv``) guess, with a discounted confidence.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import pairwise
from types import MappingProxyType
from typing import Final, Literal, TypeVar, get_args

from analysis import text as tx

Category = Literal["personnel", "process", "technology", "resources", "other"]
Dimension = Literal["functionality", "safety", "comfort", "responsiveness"]
CueKind = Literal["where", "when", "what"]
Method = Literal["lexicon", "naive_bayes", "none"]

CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
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

# Added to the denominator of the confidence so that a single weak cue is not "certain".
CONFIDENCE_PRIOR: Final = 1.0
MODEL_FILE: Final = tx.LEXICON_DIR / "naive_bayes.json"
# The naive-Bayes guess is used only from this posterior up (chosen on a fresh batch, see
# BENCHMARKS.md), and its confidence is scaled down: word statistics from a few hundred
# examples are weaker evidence than a lexicon match.
NB_MIN_POSTERIOR: Final = 0.4
NB_CONFIDENCE_FACTOR: Final = 0.5
NB_ALPHA: Final = 0.5
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
    """Shortfall category of a complaint and how sure we are (0–1).

    ``scores`` are lexicon weights per category (``method="lexicon"``) or naive-Bayes posteriors
    (``method="naive_bayes"``); ``evidence`` lists the lexicon terms that support the category.
    """

    category: Category
    confidence: float
    scores: Mapping[Category, float] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    evidence: tuple[str, ...] = ()
    method: Method = "none"


@dataclass(frozen=True)
class _WeightedTerm:
    category: Category
    weight: float


_Choice = TypeVar("_Choice", bound=str)


def _check_choice(value: str, choices: tuple[_Choice, ...], source: str) -> _Choice:
    if value not in choices:
        raise ValueError(f"{source}: unknown value {value!r}, expected one of {choices}")
    return value


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


def category_scores(text: str) -> tuple[dict[Category, float], list[str]]:
    """Sum of lexicon weights per category, and the matched terms."""
    lexicon = _category_lexicon()
    scores: dict[Category, float] = dict.fromkeys(CATEGORIES, 0.0)
    terms = matched_terms(text, lexicon)
    for term in terms:
        for entry in lexicon[term]:
            scores[entry.category] += entry.weight
    return scores, terms


def best_category(scores: Mapping[Category, float]) -> Category:
    """The highest-scoring category; ties go to the earlier one in CATEGORIES (never to dict order)."""
    return max(CATEGORIES, key=lambda category: (scores[category], -CATEGORIES.index(category)))


def classify(text: str) -> Classification:
    """Shortfall category: lexicon first, naive Bayes if no term matches, else ``other`` at confidence 0."""
    scores, terms = category_scores(text)
    total = sum(scores.values())
    if total > 0:
        best = best_category(scores)
        lexicon = _category_lexicon()
        evidence = tuple(t for t in terms if any(e.category == best for e in lexicon[t]))
        confidence = scores[best] / (total + CONFIDENCE_PRIOR)
        return Classification(best, round(confidence, 4), MappingProxyType(scores), evidence, "lexicon")
    model = shipped_model()
    posterior = model.posterior(text) if model else {}
    if posterior and max(posterior.values()) >= NB_MIN_POSTERIOR:
        best = best_category(posterior)
        confidence = round(posterior[best] * NB_CONFIDENCE_FACTOR, 4)
        return Classification(best, confidence, MappingProxyType(posterior), (), "naive_bayes")
    return Classification("other", 0.0, MappingProxyType(scores), (), "none")


def features(text: str) -> list[str]:
    """Naive-Bayes features: content tokens (stopwords dropped) and adjacent token pairs per clause."""
    result: list[str] = []
    for clause in tx.clauses(text):
        tokens = [token for token in clause if token not in tx.stopwords()]
        result.extend(tokens)
        result.extend(f"{left}_{right}" for left, right in pairwise(tokens))
    return result


# Hand-written rather than scikit-learn: that would be a large dependency for ~30 lines, and
# plain counts in a JSON file keep the model inspectable like the lexicon.
@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes with additive smoothing over :func:`features`."""

    alpha: float
    class_counts: Mapping[Category, int]
    feature_counts: Mapping[Category, Mapping[str, int]]

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        return frozenset(f for counts in self.feature_counts.values() for f in counts)

    @cached_property
    def _log_prior(self) -> dict[Category, float]:
        total = sum(self.class_counts.values())
        return {
            c: math.log((self.class_counts.get(c, 0) + 1) / (total + len(CATEGORIES))) for c in CATEGORIES
        }

    @cached_property
    def _log_denominator(self) -> dict[Category, float]:
        size = len(self._vocabulary)
        return {
            c: math.log(sum(self.feature_counts.get(c, {}).values()) + self.alpha * size) for c in CATEGORIES
        }

    def posterior(self, text: str) -> dict[Category, float]:
        """P(category | text); empty when the text has no feature the model has seen."""
        known = [f for f in features(text) if f in self._vocabulary]
        if not known:
            return {}
        log_joint = {
            c: self._log_prior[c]
            + sum(math.log(self.feature_counts.get(c, {}).get(f, 0) + self.alpha) for f in known)
            - len(known) * self._log_denominator[c]
            for c in CATEGORIES
        }
        top = max(log_joint.values())
        weights = {c: math.exp(value - top) for c, value in log_joint.items()}
        norm = sum(weights.values())
        return {c: weight / norm for c, weight in weights.items()}

    def to_json(self) -> str:
        """The model as JSON (sorted keys, so retraining on the same data gives the same file)."""
        data = {
            "alpha": self.alpha,
            "class_counts": dict(self.class_counts),
            "feature_counts": {c: dict(counts) for c, counts in self.feature_counts.items()},
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> NaiveBayes:
        """Inverse of :meth:`to_json`."""
        data = json.loads(raw)
        counts = {
            _check_choice(c, CATEGORIES, "model"): {str(f): int(n) for f, n in fc.items()}
            for c, fc in data["feature_counts"].items()
        }
        classes = {_check_choice(c, CATEGORIES, "model"): int(n) for c, n in data["class_counts"].items()}
        return cls(float(data["alpha"]), classes, counts)


def train_naive_bayes(examples: Iterable[tuple[str, str]], alpha: float = NB_ALPHA) -> NaiveBayes:
    """Count features per category over ``(text, category)`` examples."""
    class_counts: Counter[Category] = Counter()
    feature_counts: dict[Category, Counter[str]] = {c: Counter() for c in CATEGORIES}
    for text, label in examples:
        category = _check_choice(label, CATEGORIES, "label")
        class_counts[category] += 1
        feature_counts[category].update(features(text))
    return NaiveBayes(
        alpha, dict(class_counts), {c: dict(sorted(fc.items())) for c, fc in feature_counts.items()}
    )


@cache
def shipped_model() -> NaiveBayes | None:
    """The naive-Bayes model shipped in the lexicon folder, or None if the file is absent."""
    if not MODEL_FILE.exists():
        return None
    return NaiveBayes.from_json(MODEL_FILE.read_text(encoding="utf-8"))


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
    for tokens in tx.clauses(text):
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
        if (tx.has_han(tag) or tag in latin_words) and not any(tag in phrase for phrase in phrases)
    ]
    quota = math.ceil(top_k / 2)
    merged = _unique([*phrases[:quota], *tags, *phrases[quota:]])
    return merged[:top_k]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
