"""The survey definition model: dimensions, scales and questions, validated with pydantic."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialogs.i18n import LANGUAGES, Language
from dialogs.question_types import DEFAULT_KIND, kinds, type_of

Role = Literal[
    "item",
    "importance",
    "overall",
    "nps",
    "comment",
    "choice",
    "expectation",
    "kano_func",
    "kano_dysf",
    "reasons",
]
# The four shortfall categories (人员素质, 流程规范, 技术水平, 资源配置) a reason after a low rating
# stands for; the complaint categories less "other".
ReasonCategory = Literal["personnel", "process", "technology", "resources"]
# Roles whose question names its partner in `pairs_with`, and the role that partner must have:
# a SERVQUAL expectation pairs with the perception item it sets the bar for; a Kano dysfunctional
# question ("if it did not have …") with its functional one ("if it had …").
PAIRED_ROLES: Mapping[str, str] = {"expectation": "item", "kano_dysf": "kano_func"}
KANO_ROLES = ("kano_func", "kano_dysf")
REASONS_KIND = "multi"  # the reasons after a low rating are several options picked
KANO_SCALE_KEY = "kano"
# The five standard Kano answers. Analysis reads the codes (analysis.kano): 1 like, 2 must-be,
# 3 neutral, 4 live with, 5 dislike — a survey may word them its own way but not renumber them.
KANO_VALUES = (1, 2, 3, 4, 5)
KANO_SCALE: Mapping[str, Any] = {
    "kind": "choice",
    "options": [
        {"value": 1, "label": {"zh": "我很喜欢", "en": "I like it"}},
        {"value": 2, "label": {"zh": "理应如此", "en": "I expect it"}},
        {"value": 3, "label": {"zh": "无所谓", "en": "I am neutral"}},
        {"value": 4, "label": {"zh": "能忍受", "en": "I can live with it"}},
        {"value": 5, "label": {"zh": "我很不喜欢", "en": "I dislike it"}},
    ],
}


class Localized(BaseModel):
    """A text in every supported language."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: Language) -> str:
        """The text in `language`."""
        return self.zh if language == "zh" else self.en


class Option(BaseModel):
    """One answer a button offers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    value: int
    label: Localized | None = None
    category: ReasonCategory | None = None  # what a reason option stands for (role: reasons)


class Scale(BaseModel):
    """A reusable answer scale: labelled options or a numeric range (min–max).

    `kind` names the question type (dialogs/question_types/) of the questions that use the scale
    without a `kind:` of their own; that type says which scales it takes (`scale_problem`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: str
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    hint: Localized | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        answered_from_scale = sorted(k for k in kinds() if type_of(k).needs_scale)
        if kind not in answered_from_scale:
            raise ValueError(f"unknown scale kind {kind!r}; one of: {', '.join(answered_from_scale)}")
        return kind

    @model_validator(mode="after")
    def _check_shape(self) -> Scale:
        if self.is_range:
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError(f"a '{self.kind}' needs integer min < max")
            if self.max - self.min > 10:
                raise ValueError(f"a '{self.kind}' may span at most 11 values (it becomes buttons)")
            if self.options:
                raise ValueError(f"a '{self.kind}' with min and max lists no options")
        problem = type_of(self.kind).scale_problem(self)
        if problem:
            raise ValueError(problem)
        if not self.is_range and len(self.options) < 2:
            raise ValueError(f"a '{self.kind}' scale needs at least two options")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        return self

    @property
    def is_range(self) -> bool:
        """Whether the scale is a range of numbers (min, max) rather than a list of options."""
        return self.min is not None or self.max is not None

    def all_options(self) -> tuple[Option, ...]:
        """Every option, expanding a numeric range into unlabelled options."""
        if self.min is not None and self.max is not None:
            return tuple(Option(value=v) for v in range(self.min, self.max + 1))
        return self.options


class ShowIf(BaseModel):
    """Skip logic: ask the question only when some earlier score is low enough."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    any_score_at_most: int
    roles: tuple[Role, ...] = ("item",)


class Dimension(BaseModel):
    """A quality dimension (功能性, 安全性, …) that rating items belong to."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: Localized


class Question(BaseModel):
    """One question; `scale` names an entry of the survey's scales unless its kind takes none (text).

    `kind` names a registered question type (dialogs/question_types/); none: its scale's kind.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    text: Localized
    role: Role
    dimension: str | None = None
    scale: str | None = None
    kind: str | None = None
    required: bool = True
    show_if: ShowIf | None = None
    pairs_with: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str | None) -> str | None:
        if kind is not None and kind not in kinds():
            raise ValueError(f"unknown kind {kind!r}; one of: {', '.join(sorted(kinds()))}")
        return kind


class Survey(BaseModel):
    """A whole questionnaire as stored in one survey version."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: Localized
    intro: Localized
    scales: dict[str, Scale] = Field(default_factory=dict)
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _kano_defaults(cls, data: Any) -> Any:
        return with_kano_scale(data)

    @model_validator(mode="after")
    def _check_references(self) -> Survey:
        problems = reference_problems(
            [q.model_dump() for q in self.questions],
            {d.key for d in self.dimensions},
            {key: {o.value for o in scale.all_options()} for key, scale in self.scales.items()},
        )
        problems += self._type_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _type_problems(self) -> list[str]:
        """A question with a kind of its own on a scale its type does not take; a reasons question
        that is not a multi-pick one whose every option names the shortfall category it stands for."""
        problems = []
        for index, question in enumerate(self.questions):
            where = f"questions[{index}]"
            scale = self.scales.get(question.scale) if question.scale else None
            problem = type_of(question.kind).scale_problem(scale) if scale and question.kind else None
            if problem:
                problems.append(f"{where}.scale: {problem}")
            if question.role == "reasons":
                # The role's rule, not the type's: follow_up.py reads the reasons as options picked.
                if self.kind_of(question) != REASONS_KIND:
                    problems.append(f"{where}.kind: a 'reasons' question is kind: {REASONS_KIND}")
                elif scale is not None and any(o.category is None for o in scale.options):
                    problems.append(f"{where}.scale: every reason option needs a category")
        return problems

    def pairs(self, role: Literal["expectation", "kano_dysf"]) -> dict[str, str]:
        """{question key: the key it pairs with} for the questions of ``role``."""
        return {q.key: q.pairs_with for q in self.questions if q.role == role and q.pairs_with}

    def question(self, key: str) -> Question:
        """The question with this key (KeyError if absent)."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def scale_of(self, question: Question) -> Scale | None:
        """The answer scale of a button question; None for a text question."""
        return None if question.scale is None else self.scales[question.scale]

    def kind_of(self, question: Question) -> str:
        """The question's type: its own `kind:`, else its scale's."""
        scale = self.scale_of(question)
        return question.kind or (scale.kind if scale else DEFAULT_KIND)

    def dimension_name(self, key: str, language: Language) -> str:
        """A dimension's display name."""
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension.name.get(language)
        return key

    def checksum(self) -> str:
        """A stable fingerprint of the definition: equal surveys share it, any change alters it."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def with_kano_scale(data: Any) -> Any:
    """Survey data where Kano questions without a scale use the standard five answers (scale 'kano').

    The scale is written into the definition itself, so a stored version reads back the same.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("questions"), (list, tuple)):
        return data
    questions = list(data["questions"])
    kano = [
        i
        for i, q in enumerate(questions)
        if isinstance(q, Mapping)
        and q.get("role") in KANO_ROLES
        and q.get("scale") is None
        and not q.get("kind")
    ]
    if not kano:
        return data
    for i in kano:
        questions[i] = {**questions[i], "scale": KANO_SCALE_KEY}
    scales = data.get("scales")
    scales = dict(scales) if isinstance(scales, Mapping) else {}
    scales.setdefault(KANO_SCALE_KEY, KANO_SCALE)
    return {**data, "questions": questions, "scales": scales}


def reference_problems(
    questions: Sequence[Mapping[str, Any]],
    dimension_keys: set[str],
    scale_values: Mapping[str, set[int] | None] | set[str],
) -> list[str]:
    """Every broken reference between questions, dimensions and scales, as "questions[i].field: …".

    ``scale_values``: each scale's answer values (None, or only the scale keys, where they are not
    known: the checks on values are then skipped). Works on plain mappings too, so a file whose
    fields have errors still gets these reported in the same run.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        where = f"questions[{index}]"
        key, dimension, scale = question.get("key"), question.get("dimension"), question.get("scale")
        if key in seen:
            problems.append(f"{where}.key: duplicate question key '{key}'")
        seen.add(str(key))
        if dimension is not None and dimension not in dimension_keys:
            problems.append(f"{where}.dimension: unknown dimension '{dimension}'")
        if question.get("role") in ("item", "importance", "expectation") and dimension is None:
            problems.append(f"{where}.role: role '{question.get('role')}' needs a dimension")
        if not _needs_scale(question.get("kind")):
            if scale is not None:
                problems.append(f"{where}.scale: a {question.get('kind')} question takes no scale")
        elif scale is None:
            problems.append(f"{where}.scale: needs a scale (or kind: text)")
        elif scale not in scale_values:
            problems.append(f"{where}.scale: unknown scale '{scale}'")
        if question.get("show_if") is not None and index == 0:
            problems.append(f"{where}.show_if: the first question cannot be conditional")
    problems += _pair_problems(questions, scale_values if isinstance(scale_values, Mapping) else None)
    return problems


def _needs_scale(kind: object) -> bool:
    """Whether a question of this kind names a scale (an unknown kind is reported by the model)."""
    return not isinstance(kind, str) or kind not in kinds() or type_of(kind).needs_scale


def _pair_problems(
    questions: Sequence[Mapping[str, Any]], scale_values: Mapping[str, set[int] | None] | None
) -> list[str]:
    """SERVQUAL and Kano pairs: each pairs with an existing question of the right role, once."""
    problems: list[str] = []
    position = {str(q.get("key")): i for i, q in reversed(list(enumerate(questions)))}
    partnered: dict[str, int] = {}

    def values(question: Mapping[str, Any]) -> set[int] | None:
        scale = question.get("scale")
        return None if scale_values is None or not isinstance(scale, str) else scale_values.get(scale)

    for index, question in enumerate(questions):
        where = f"questions[{index}]"
        role, partner = question.get("role"), question.get("pairs_with")
        if role in KANO_ROLES and not _needs_scale(question.get("kind")):
            problems.append(
                f"{where}.kind: a Kano question is answered with the five Kano answers, "
                f"not {question.get('kind')}"
            )
        elif role in KANO_ROLES and values(question) not in (None, set(KANO_VALUES)):
            problems.append(
                f"{where}.scale: a Kano question needs the five Kano answers coded 1–5 "
                "(leave out 'scale' to use the standard ones)"
            )
        wanted = PAIRED_ROLES.get(str(role), "")
        if partner is None:
            if wanted:
                problems.append(f"{where}.pairs_with: a '{role}' question names its '{wanted}' question here")
            continue
        if not wanted:
            problems.append(f"{where}.pairs_with: only expectation and kano_dysf questions pair with another")
            continue
        if partner not in position:
            problems.append(f"{where}.pairs_with: no question '{partner}'")
            continue
        other = questions[position[partner]]
        if other.get("role") != wanted:
            problems.append(f"{where}.pairs_with: '{partner}' has role '{other.get('role')}', not '{wanted}'")
            continue
        if partner in partnered:
            problems.append(
                f"{where}.pairs_with: '{partner}' is already paired (questions[{partnered[partner]}])"
            )
            continue
        partnered[str(partner)] = index
        if role == "expectation":
            if question.get("dimension") is not None and question.get("dimension") != other.get("dimension"):
                problems.append(
                    f"{where}.dimension: must be the dimension of '{partner}' ({other.get('dimension')})"
                )
            if (
                values(question) is not None
                and values(other) is not None
                and values(question) != values(other)
            ):
                problems.append(
                    f"{where}.scale: must offer the same values as the scale of '{partner}', "
                    "or perception minus expectation means nothing"
                )
    for index, question in enumerate(questions):
        if question.get("role") == "kano_func" and str(question.get("key")) not in partnered:
            problems.append(
                f"questions[{index}].role: no kano_dysf question pairs with '{question.get('key')}'"
            )
    return problems


assert set(LANGUAGES) == set(Localized.model_fields), "every language needs a Localized field"
