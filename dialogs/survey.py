"""The survey definition model: dimensions, scales and questions, validated with pydantic."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dialogs.i18n import LANGUAGES, Language

Role = Literal["item", "importance", "overall", "nps", "comment", "choice", "reasons"]
Kind = Literal["rating", "scale", "choice", "text", "multi"]
DIMENSION_KEYS = ("functionality", "safety", "comfort", "responsiveness")
# The four shortfall categories (人员素质, 流程规范, 技术水平, 资源配置) a reason after a low rating
# stands for; the complaint categories less "other".
ReasonCategory = Literal["personnel", "process", "technology", "resources"]


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
    """A reusable answer scale: labelled options (rating/choice) or a numeric range (scale)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["rating", "scale", "choice"]
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    hint: Localized | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Scale:
        if self.kind == "scale":
            if self.min is None or self.max is None or self.min >= self.max:
                raise ValueError("a 'scale' needs integer min < max")
            if self.max - self.min > 10:
                raise ValueError("a 'scale' may span at most 11 values (it becomes buttons)")
        elif len(self.options) < 2:
            raise ValueError(f"a '{self.kind}' scale needs at least two options")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        return self

    def all_options(self) -> tuple[Option, ...]:
        """Every option, expanding a numeric range into unlabelled options."""
        if self.kind == "scale":
            assert self.min is not None and self.max is not None
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
    """One question; `scale` names an entry of the survey's scales unless kind is text."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    text: Localized
    role: Role
    dimension: str | None = None
    scale: str | None = None
    kind: Kind | None = None
    required: bool = True
    show_if: ShowIf | None = None

    @property
    def is_text(self) -> bool:
        """Whether the answer is typed rather than pressed."""
        return self.kind == "text"

    @property
    def is_multi(self) -> bool:
        """Whether several options may be picked (then confirmed with a done button)."""
        return self.kind == "multi"


class Survey(BaseModel):
    """A whole questionnaire as stored in one survey version."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: Localized
    intro: Localized
    scales: dict[str, Scale] = Field(default_factory=dict)
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self) -> Survey:
        problems = reference_problems(
            [q.model_dump() for q in self.questions], {d.key for d in self.dimensions}, set(self.scales)
        )
        problems += self._multi_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _multi_problems(self) -> list[str]:
        """A multi-pick question needs a choice scale; a reasons question is one whose every option
        names the shortfall category it stands for."""
        problems = []
        for index, question in enumerate(self.questions):
            where = f"questions[{index}]"
            scale = self.scales.get(question.scale) if question.scale else None
            if question.is_multi and scale is not None and scale.kind != "choice":
                problems.append(f"{where}.scale: a multi-pick question needs a 'choice' scale")
            if question.role == "reasons":
                if not question.is_multi:
                    problems.append(f"{where}.kind: a 'reasons' question is kind: multi")
                elif scale is not None and any(o.category is None for o in scale.options):
                    problems.append(f"{where}.scale: every reason option needs a category")
        return problems

    def question(self, key: str) -> Question:
        """The question with this key (KeyError if absent)."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def scale_of(self, question: Question) -> Scale | None:
        """The answer scale of a button question; None for a text question."""
        return None if question.scale is None else self.scales[question.scale]

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


def reference_problems(
    questions: Sequence[Mapping[str, Any]], dimension_keys: set[str], scale_keys: set[str]
) -> list[str]:
    """Every broken reference between questions, dimensions and scales, as "questions[i].field: …".

    Works on plain mappings too, so a file whose fields have errors still gets these reported in
    the same run.
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
        if question.get("role") in ("item", "importance") and dimension is None:
            problems.append(f"{where}.role: role '{question.get('role')}' needs a dimension")
        if question.get("kind") == "text":
            if scale is not None:
                problems.append(f"{where}.scale: a text question takes no scale")
        elif scale is None:
            problems.append(f"{where}.scale: needs a scale (or kind: text)")
        elif scale not in scale_keys:
            problems.append(f"{where}.scale: unknown scale '{scale}'")
        if question.get("show_if") is not None and index == 0:
            problems.append(f"{where}.show_if: the first question cannot be conditional")
    return problems


assert set(LANGUAGES) == set(Localized.model_fields), "every language needs a Localized field"
