"""Survey versions and answers in PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path, load_survey_file
from storage.database import session_factory
from storage.models import AnswerRow, QuestionRow, Response, SurveyVersion
from storage.unit_of_work import UnitOfWork


async def test_loading_the_same_survey_twice_keeps_one_version_and_a_change_adds_one(db: AsyncEngine) -> None:
    survey = load_survey_file(default_survey_path())
    changed = survey.model_copy(update={"title": survey.title.model_copy(update={"en": "Changed"})})
    async with session_factory(db)() as session, session.begin():
        first = await UnitOfWork(session).surveys.store(survey)
        again = await UnitOfWork(session).surveys.store(survey)
        second = await UnitOfWork(session).surveys.store(changed)
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created) == (1, False)
    assert (second.version, second.created) == (2, True)
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyVersion)) == 2
        questions = await session.scalar(
            select(func.count())
            .select_from(QuestionRow)
            .where(QuestionRow.survey_version_id == first.version_id)
        )
        assert questions == len(survey.questions)


async def test_answers_point_at_the_exact_question_version_and_are_replaced_not_duplicated(
    db: AsyncEngine,
) -> None:
    survey = load_survey_file(default_survey_path())
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        loaded = await uow.surveys.store(survey)
        respondent = await uow.respondents.touch(42, "zh", "小王")
        stored = await uow.surveys.by_version(loaded.version_id)
        response_id = await uow.responses.open(respondent.id, loaded.version_id)
        question_id = stored.question_ids["func_needs"]
        await uow.responses.record_answer(response_id, question_id, 2, None)
        await uow.responses.record_answer(response_id, question_id, 4, None)
        await uow.responses.complete(response_id)
    async with session_factory(db)() as session:
        answers = (await session.scalars(select(AnswerRow))).all()
        assert [(a.question_id, a.score) for a in answers] == [(question_id, 4)]
        response = await session.get_one(Response, response_id)
        assert response.status == "completed" and response.completed_at is not None


async def test_touch_creates_once_and_keeps_the_first_language(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        uow = UnitOfWork(session)
        first = await uow.respondents.touch(7, "en", "Ann")
        again = await uow.respondents.touch(7, "zh", "Ann")
    assert first.id == again.id and again.language == "en"
