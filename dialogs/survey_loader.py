"""Reading survey definitions from YAML files, with errors that name the file, line and field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dialogs.survey import Survey, reference_problems, with_kano_scale

DEFAULT_SURVEY_KEY = "service_quality"
# Cross-field checks put their path in the message: "questions[3].scale: unknown scale 'x'".
_MESSAGE_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?: ")


@dataclass(frozen=True)
class SurveyProblem:
    """One thing wrong with a survey file."""

    field: str
    line: int | None
    message: str


class SurveyFileError(ValueError):
    """A survey file that cannot be used; str() lists every problem as file:line: field: message."""

    def __init__(self, path: str, problems: Sequence[SurveyProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = [
            f"{path}:{p.line if p.line is not None else '?'}: {p.field}: {p.message}" for p in self.problems
        ]
        super().__init__("\n".join(lines))


def default_survey_path() -> Path:
    """The packaged default questionnaire."""
    return Path(__file__).parent / "surveys" / f"{DEFAULT_SURVEY_KEY}.yaml"


def load_survey_file(path: Path) -> Survey:
    """Parse and validate a survey file; raises SurveyFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SurveyFileError(str(path), [SurveyProblem("(file)", None, str(error))]) from error
    return parse_survey(text, str(path))


def parse_survey(text: str, source: str = "<survey>") -> Survey:
    """Parse and validate survey YAML text."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SurveyFileError(source, [SurveyProblem("(yaml)", line, f"invalid YAML: {problem}")]) from error
    if not isinstance(data, dict):
        raise SurveyFileError(
            source, [SurveyProblem("(top level)", 1, "expected a mapping of survey fields")]
        )
    try:
        return Survey.model_validate(data)
    except ValidationError as error:
        errors = error.errors()
        # A container error beside errors inside it (e.g. "too short" once items failed) only adds noise.
        specific = [e for e in errors if not any(_is_inside(o["loc"], e["loc"]) for o in errors)]
        problems = [p for e in specific for p in _problems(root, e)]
        if not any(e["type"] == "value_error" and not e["loc"] for e in errors):
            # Field errors stop pydantic before the reference checks: run them on the raw data so
            # that one run shows every problem.
            problems += [_problem(root, {"msg": m}) for m in _raw_reference_problems(data)]
        raise SurveyFileError(source, _unique(problems)) from error


def _problems(root: yaml.Node | None, error: Any) -> list[SurveyProblem]:
    """One problem per line of the error's message (the reference check reports several at once)."""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return [_problem(root, {**error, "msg": line}) for line in message.splitlines() or [message]]


def _raw_reference_problems(data: dict[str, Any]) -> list[str]:
    data = with_kano_scale(data)
    questions = [q for q in data.get("questions") or () if isinstance(q, dict)]
    dimensions = {str(d.get("key")) for d in data.get("dimensions") or () if isinstance(d, dict)}
    scales = data.get("scales")
    values = (
        {str(key): _raw_values(scale) for key, scale in scales.items()} if isinstance(scales, dict) else {}
    )
    return reference_problems(questions, dimensions, values)


def _raw_values(scale: object) -> set[int] | None:
    """A raw scale's answer values, None when the scale itself is malformed (reported elsewhere)."""
    if not isinstance(scale, dict):
        return None
    low, high = scale.get("min"), scale.get("max")
    if low is not None or high is not None:  # a range (survey.Scale.is_range)
        return set(range(low, high + 1)) if isinstance(low, int) and isinstance(high, int) else None
    options = scale.get("options")
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        return None
    found = {o.get("value") for o in options}
    return found if all(isinstance(v, int) for v in found) else None


def _unique(problems: list[SurveyProblem]) -> list[SurveyProblem]:
    return list(dict.fromkeys(problems))


def _is_inside(inner: tuple[str | int, ...], outer: tuple[str | int, ...]) -> bool:
    return len(inner) > len(outer) and inner[: len(outer)] == outer


def _problem(root: yaml.Node | None, error: object) -> SurveyProblem:
    assert isinstance(error, dict)
    location: tuple[str | int, ...] = tuple(error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    match = _MESSAGE_PATH.match(message)
    if not location and match:
        location = (match.group(1), int(match.group(2)), *((match.group(3),) if match.group(3) else ()))
        message = message[match.end() :]
    field = ".".join(str(part) for part in location) or "(survey)"
    return SurveyProblem(field, _line_of(root, location), message)


def _line_of(node: yaml.Node | None, location: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest node on `location` that exists in the YAML tree."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in location:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
