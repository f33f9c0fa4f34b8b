"""Reading campaign definitions from YAML files, with errors that name the file, line and field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from dialogs.campaign import CampaignSpec

# The survey loader's problem type and YAML line lookup serve campaign files as well.
from dialogs.survey_loader import SurveyFileError, SurveyProblem, _line_of


class CampaignFileError(SurveyFileError):
    """A campaign file that cannot be used; str() lists every problem as file:line: field: message."""


def load_campaign_file(path: Path) -> CampaignSpec:
    """Parse and validate a campaign file; raises CampaignFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CampaignFileError(str(path), [SurveyProblem("(file)", None, str(error))]) from error
    return parse_campaign(text, str(path))


def parse_campaign(text: str, source: str = "<campaign>") -> CampaignSpec:
    """Parse and validate campaign YAML text (times are resolved later, when the campaign is stored)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = SurveyProblem("(yaml)", mark.line + 1 if mark else None, f"invalid YAML: {error}")
        raise CampaignFileError(source, [problem]) from error
    if not isinstance(data, dict):
        raise CampaignFileError(source, [SurveyProblem("(top level)", 1, "expected a mapping of fields")])
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            location = tuple(part for part in detail["loc"] if not str(part).startswith("function-"))
            field = ".".join(str(part) for part in location) or "(campaign)"
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(SurveyProblem(field, _line_of(root, location), message))
        raise CampaignFileError(source, problems) from error
