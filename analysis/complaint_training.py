"""Training the complaint classifier with scikit-learn, and deciding whether a retrained one is better.

Imported only by the commands that build or retrain a model: the bot predicts from the model's
JSON (:mod:`analysis.complaint_model`) and never loads scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from analysis.complaint_data import Example, held_out_part, load_all, load_real, train_part
from analysis.complaint_model import ComplaintModel, features
from dialogs.terms import CATEGORIES

# Inverse regularisation strengths tried by cross-validation; the best is kept.
C_GRID: Final = (1.0, 3.0, 10.0, 30.0)
FOLDS: Final = 5
SEED: Final = 12
MIN_DF: Final = 2
# Weights are rounded so that a rebuild on another run of the same machine gives the same file.
DECIMALS: Final = 5
# A deployment needs this many corrections before a retrained model can be judged at all.
MIN_CORRECTIONS: Final = 20


def _vectorizer() -> TfidfVectorizer:
    # Texts arrive already featurised (features() is the slow part and runs once per text).
    return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=MIN_DF, norm="l2", lowercase=False)


def _identity(items: list[str]) -> list[str]:
    return items


def _labels(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.array([CATEGORIES.index(example.label) for example in examples], dtype=np.int64)


@dataclass(frozen=True)
class _Fitted:
    vectorizer: TfidfVectorizer
    model: LogisticRegression


def _fit(featurised: Sequence[list[str]], labels: np.ndarray[Any, Any], c: float) -> _Fitted:
    vectorizer = _vectorizer()
    matrix = vectorizer.fit_transform(featurised)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(matrix, labels)
    return _Fitted(vectorizer, model)


def _decision(fitted: _Fitted, featurised: Sequence[list[str]]) -> np.ndarray[Any, Any]:
    scores = fitted.model.decision_function(fitted.vectorizer.transform(featurised))
    # Classes absent from a fold's training part get no column: give them -inf-like scores.
    full = np.full((len(featurised), len(CATEGORIES)), -1e9)
    full[:, fitted.model.classes_] = scores
    return full


def _out_of_fold(
    featurised: Sequence[list[str]], labels: np.ndarray[Any, Any], c: float
) -> np.ndarray[Any, Any]:
    """Decision scores of every example from a model that did not see it (stratified k-fold)."""
    folds = StratifiedKFold(n_splits=_folds(labels), shuffle=True, random_state=SEED)
    scores = np.zeros((len(featurised), len(CATEGORIES)))
    for train, test in folds.split(np.zeros(len(labels)), labels):
        fitted = _fit([featurised[i] for i in train], labels[train], c)
        scores[test] = _decision(fitted, [featurised[i] for i in test])
    return scores


def _folds(labels: np.ndarray[Any, Any]) -> int:
    present = np.bincount(labels)
    smallest = int(present[present > 0].min()) if labels.size else 0
    return max(2, min(FOLDS, smallest))


def _temperature(scores: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> float:
    """The temperature that minimises the negative log-likelihood of the out-of-fold scores."""

    def loss(temperature: float) -> float:
        scaled = scores / temperature
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float(-(scaled[np.arange(len(labels)), labels] - log_norm).mean())

    result = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


@dataclass(frozen=True)
class Built:
    """A trained model with the cross-validated figures it was chosen by."""

    model: ComplaintModel
    cv_accuracy: float
    c: float


def build(examples: Sequence[Example], c_grid: Sequence[float] = C_GRID) -> Built:
    """Train on ``examples``: C chosen by cross-validated accuracy, temperature on out-of-fold scores."""
    featurised = [features(example.text) for example in examples]
    labels = _labels(examples)
    best: tuple[float, float, np.ndarray[Any, Any]] | None = None
    for c in c_grid:
        scores = _out_of_fold(featurised, labels, c)
        accuracy = float((scores.argmax(axis=1) == labels).mean())
        if best is None or accuracy > best[0]:
            best = (accuracy, c, scores)
    assert best is not None, "c_grid is empty"
    accuracy, c, scores = best
    fitted = _fit(featurised, labels, c)
    model = _export(fitted, _temperature(scores, labels), {"examples": len(examples), "c": c})
    return Built(model, accuracy, c)


def _export(fitted: _Fitted, temperature: float, meta: dict[str, Any]) -> ComplaintModel:
    vocabulary: dict[str, int] = fitted.vectorizer.vocabulary_
    idf = fitted.vectorizer.idf_
    coef = np.zeros((len(CATEGORIES), len(vocabulary)))
    coef[fitted.model.classes_] = fitted.model.coef_
    intercept = np.full(len(CATEGORIES), -1e3)
    intercept[fitted.model.classes_] = fitted.model.intercept_
    return ComplaintModel(
        idf={f: round(float(idf[i]), DECIMALS) for f, i in vocabulary.items()},
        weights={f: tuple(round(float(w), DECIMALS) for w in coef[:, i]) for f, i in vocabulary.items()},
        intercept=tuple(round(float(b), DECIMALS) for b in intercept),
        temperature=round(temperature, DECIMALS),
        meta=meta,
    )


@dataclass(frozen=True)
class Retrained:
    """A retrained model and the accuracies it is judged by, on the deployment's own corrections."""

    model: ComplaintModel
    accuracy_before: float
    accuracy_after: float
    corrections: int

    @property
    def better(self) -> bool:
        """Whether the retrained model should replace the one in use."""
        return self.accuracy_after > self.accuracy_before


def retrain(shipped: Sequence[Example], corrections: Sequence[Example], current: ComplaintModel) -> Retrained:
    """Train on shipped data plus corrections; compare with ``current`` on the corrections.

    Before: ``current`` on every correction. After: k-fold over the corrections, each fold predicted
    by a model trained on the shipped data and the other folds' corrections — so neither figure comes
    from a correction its model was trained on when ``current`` is the shipped model.
    """
    if len(corrections) < MIN_CORRECTIONS:
        raise ValueError(f"{len(corrections)} corrections; at least {MIN_CORRECTIONS} are needed to judge")
    before = float(np.mean([_top(current, example.text) == example.label for example in corrections]))
    built = build([*shipped, *corrections])
    featurised_shipped = [features(example.text) for example in shipped]
    featurised = [features(example.text) for example in corrections]
    labels = _labels(corrections)
    shipped_labels = _labels(shipped)
    # Stratified only where every corrected category has a member in each fold.
    present = np.bincount(labels)
    stratify = labels if int(present[present > 0].min()) >= FOLDS else np.zeros(len(labels), dtype=np.int64)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    right = 0
    for train, test in folds.split(np.zeros(len(labels)), stratify):
        fitted = _fit(
            [*featurised_shipped, *(featurised[i] for i in train)],
            np.concatenate([shipped_labels, labels[train]]),
            built.c,
        )
        predicted = _decision(fitted, [featurised[i] for i in test]).argmax(axis=1)
        right += int((predicted == labels[test]).sum())
    return Retrained(built.model, before, right / len(corrections), len(corrections))


def _top(model: ComplaintModel, text: str) -> str:
    return model.predict(text).ranked[0]


def build_shipped() -> Built:
    """The shipped model: trained on the train parts; its held-out accuracy on real text goes in its meta."""
    built = build(train_part(load_all()))
    held_out = held_out_part(load_real())
    right = sum(_top(built.model, example.text) == example.label for example in held_out)
    meta = {**built.model.meta, "held_out_accuracy": round(right / len(held_out), 4) if held_out else None}
    return replace(built, model=replace(built.model, meta=meta))
