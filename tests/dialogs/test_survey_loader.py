"""Survey files: the default is valid; invalid files are refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.survey import Survey
from dialogs.survey_loader import SurveyFileError, default_survey_path, load_survey_file, parse_survey

VALID = """\
key: mini
title: {zh: 小调查, en: Mini}
intro: {zh: 你好, en: Hello}
scales:
  five:
    kind: rating
    options:
      - {value: 1, label: {zh: 差, en: Bad}}
      - {value: 2, label: {zh: 好, en: Good}}
dimensions:
  - key: comfort
    name: {zh: 舒适性, en: Comfort}
questions:
  - key: q1
    role: item
    dimension: comfort
    scale: five
    text: {zh: 舒服吗, en: "Comfortable?"}
"""


def test_default_survey_loads_and_checksum_is_stable() -> None:
    first = load_survey_file(default_survey_path())
    second = load_survey_file(default_survey_path())
    assert first.checksum() == second.checksum()
    assert first.key == "service_quality"


def test_any_change_changes_the_checksum() -> None:
    assert parse_survey(VALID).checksum() != parse_survey(VALID.replace("舒服吗", "舒服吗？")).checksum()


def test_unknown_scale_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace("scale: five", "scale: seven"), encoding="utf-8")
    with pytest.raises(SurveyFileError) as caught:
        load_survey_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:17: questions.0.scale: ")
    assert "unknown scale 'seven'" in message


def test_wrong_role_names_the_field_and_line() -> None:
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(VALID.replace("role: item", "role: itme"), "x.yaml")
    (problem,) = caught.value.problems
    assert problem.field == "questions.0.role" and problem.line == 15


def test_missing_english_text_is_refused() -> None:
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(VALID.replace('text: {zh: 舒服吗, en: "Comfortable?"}', "text: {zh: 舒服吗}"), "x.yaml")
    assert any(p.field == "questions.0.text.en" for p in caught.value.problems)


def test_broken_yaml_reports_the_line() -> None:
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(VALID.replace("  - key: q1", "  - key: [q1"), "x.yaml")
    assert "invalid YAML" in str(caught.value)
    assert caught.value.problems[0].line is not None


def test_item_without_dimension_is_refused() -> None:
    with pytest.raises(SurveyFileError, match="needs a dimension"):
        parse_survey(VALID.replace("    dimension: comfort\n", ""), "x.yaml")


def test_unreadable_file_is_a_survey_error(tmp_path: Path) -> None:
    with pytest.raises(SurveyFileError, match=r"missing\.yaml"):
        load_survey_file(tmp_path / "missing.yaml")


def test_every_problem_is_reported_in_one_run() -> None:
    four_problems = VALID + (
        "  - key: q2\n    role: itme\n    dimension: comfort\n    scale: five\n    text: {zh: 二, en: Two}\n"
        "  - key: q3\n    role: item\n    dimension: speed\n    scale: five\n    text: {zh: 三, en: Three}\n"
        "  - key: q1\n    role: item\n    dimension: comfort\n    scale: seven\n    text: {zh: 四, en: D}\n"
    )
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(four_problems, "x.yaml")
    found = {(p.field, p.message.split(":")[0].split(" '")[0]) for p in caught.value.problems}
    assert {field for field, _ in found} == {
        "questions.1.role",
        "questions.2.dimension",
        "questions.3.key",
        "questions.3.scale",
    }, caught.value.problems
    assert all(p.line is not None for p in caught.value.problems)


REASONS = """\
  - key: why
    role: reasons
    kind: multi
    scale: five
    required: false
    text: {zh: 为什么, en: "Why?"}
"""


def test_a_reasons_question_needs_a_choice_scale_whose_options_name_their_category() -> None:
    with pytest.raises(SurveyFileError) as error:
        parse_survey(VALID + REASONS, "x.yaml")
    assert "a multi-pick question needs a 'choice' scale" in str(error.value)
    choice = VALID.replace("kind: rating", "kind: choice")
    with pytest.raises(SurveyFileError, match="every reason option needs a category"):
        parse_survey(choice + REASONS, "x.yaml")
    categorised = choice.replace("{value: 1, ", "{value: 1, category: personnel, ").replace(
        "{value: 2, ", "{value: 2, category: resources, "
    )
    survey = parse_survey(categorised + REASONS, "x.yaml")
    assert survey.kind_of(survey.question("why")) == "multi"
    with pytest.raises(SurveyFileError, match="a 'reasons' question is kind: multi"):
        parse_survey(categorised + REASONS.replace("kind: multi", "kind: choice"), "x.yaml")


PAIRED = (
    VALID
    + """\
  - key: e1
    role: expectation
    dimension: comfort
    pairs_with: q1
    scale: five
    text: {zh: 应当舒服, en: "Should be comfortable"}
  - key: k1
    role: kano_func
    text: {zh: 如果有短信通知, en: "With a text message"}
  - key: k1_absent
    role: kano_dysf
    pairs_with: k1
    text: {zh: 如果没有短信通知, en: "Without a text message"}
"""
)


def test_expectation_and_kano_pairs_load() -> None:
    survey = parse_survey(PAIRED)
    assert survey.pairs("expectation") == {"e1": "q1"}
    assert survey.pairs("kano_dysf") == {"k1_absent": "k1"}
    kano = survey.scale_of(survey.question("k1"))
    assert kano is not None and [o.value for o in kano.options] == [1, 2, 3, 4, 5]
    # The standard scale is written into the definition, so a stored version reads back the same.
    assert Survey.model_validate(survey.model_dump(mode="json")).checksum() == survey.checksum()


def test_the_example_survey_loads() -> None:
    example = load_survey_file(default_survey_path().with_name("servqual_kano_example.yaml"))
    assert example.pairs("expectation") == {
        "exp_resp_speed": "resp_speed",
        "exp_comfort_attitude": "comfort_attitude",
    }
    assert example.pairs("kano_dysf") == {"sms_progress_absent": "sms_progress"}


@pytest.mark.parametrize(
    ("change", "field", "line", "message"),
    [
        (("    pairs_with: q1\n", ""), "questions.1.pairs_with", 19, "names its 'item' question here"),
        (("pairs_with: q1", "pairs_with: q9"), "questions.1.pairs_with", 22, "no question 'q9'"),
        (
            ("pairs_with: q1", "pairs_with: k1"),
            "questions.1.pairs_with",
            22,
            "'k1' has role 'kano_func', not 'item'",
        ),
        (
            ("pairs_with: k1", "pairs_with: q1"),
            "questions.3.pairs_with",
            30,
            "has role 'item', not 'kano_func'",
        ),
        (("    pairs_with: k1\n", ""), "questions.2.role", 26, "no kano_dysf question pairs with 'k1'"),
        (
            ("    role: item\n", "    role: item\n    pairs_with: e1\n"),
            "questions.0.pairs_with",
            16,
            "only expectation and kano_dysf questions pair",
        ),
        (
            ("    dimension: comfort\n    pairs_with", "    dimension: speed\n    pairs_with"),
            "questions.1.dimension",
            21,
            "unknown dimension 'speed'",
        ),
        (
            ("    role: kano_func\n", "    role: kano_func\n    scale: five\n"),
            "questions.2.scale",
            27,
            "needs the five Kano answers coded 1–5",
        ),
        (
            ("    role: kano_func\n", "    role: kano_func\n    kind: text\n"),
            "questions.2.kind",
            27,
            "not text",
        ),
    ],
)
def test_broken_pairs_are_refused_with_field_and_line(
    change: tuple[str, str], field: str, line: int, message: str
) -> None:
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(PAIRED.replace(*change, 1), "x.yaml")
    assert any(p.field == field and p.line == line and message in p.message for p in caught.value.problems), (
        caught.value.problems
    )


def test_an_expectation_must_share_the_dimension_and_the_scale_of_its_item() -> None:
    survey = PAIRED.replace(
        "dimensions:\n", "dimensions:\n  - key: safety\n    name: {zh: 安全性, en: Safety}\n"
    ).replace("scales:\n", "scales:\n  seven:\n    kind: scale\n    min: 1\n    max: 7\n")
    wrong = survey.replace(
        "    dimension: comfort\n    pairs_with: q1\n    scale: five",
        "    dimension: safety\n    pairs_with: q1\n    scale: seven",
    )
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(wrong, "x.yaml")
    messages = {p.field: p.message for p in caught.value.problems}
    assert "must be the dimension of 'q1' (comfort)" in messages["questions.1.dimension"]
    assert "same values as the scale of 'q1'" in messages["questions.1.scale"]


def test_an_item_paired_twice_is_refused() -> None:
    twice = PAIRED + (
        "  - key: e2\n    role: expectation\n    dimension: comfort\n    pairs_with: q1\n    scale: five\n"
        "    text: {zh: 二, en: Two}\n"
    )
    with pytest.raises(SurveyFileError, match=r"'q1' is already paired \(questions\[1\]\)"):
        parse_survey(twice, "x.yaml")


def test_pair_problems_are_reported_beside_field_errors() -> None:
    both = PAIRED.replace("pairs_with: k1", "pairs_with: q1").replace("role: overall", "role: overal")
    broken = both.replace("    role: item\n", "    role: itme\n", 1)
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(broken, "x.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"questions.0.role", "questions.3.pairs_with"} <= fields, caught.value.problems


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ("    kind: scale\n    min: 1\n", "a 'scale' needs integer min < max"),
        ("    kind: scale\n", "a 'scale' needs integer min < max"),
        ("    kind: rating\n    min: 1\n    max: 5\n", "a 'rating' scale lists its options"),
        (
            "    kind: stars\n    min: 1\n    max: 5\n",
            "unknown scale kind 'stars'; one of: choice, multi, rating, scale",
        ),
        ("    kind: text\n    min: 1\n    max: 5\n", "unknown scale kind 'text'"),
    ],
)
def test_a_scale_is_a_range_or_options_as_its_kind_says(scale: str, message: str) -> None:
    broken = VALID.replace("scales:\n", f"scales:\n  seven:\n{scale}")
    with pytest.raises(SurveyFileError) as caught:
        parse_survey(broken, "x.yaml")
    assert any(p.field.startswith("scales.seven") and message in p.message for p in caught.value.problems), (
        caught.value.problems
    )
