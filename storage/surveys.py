"""Survey definitions in the database: storing versions and reading them back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.survey import Survey
from storage.aggregate_pairs import store_pairs
from storage.locks import Lock, lock_for_transaction
from storage.models import DimensionRow, QuestionRow, SurveyRow, SurveyVersion


@dataclass(frozen=True)
class StoredSurvey:
    """A survey version as the app uses it: the parsed definition and its question ids."""

    version_id: int
    version: int
    survey: Survey
    question_ids: dict[str, int]


@dataclass(frozen=True)
class LoadResult:
    """What `store_survey` did."""

    key: str
    version: int
    version_id: int
    created: bool


class SurveyRepository:
    """Operations on surveys and their versions."""

    def __init__(self, session: AsyncSession, cache: dict[int, StoredSurvey] | None = None) -> None:
        self.session = session
        # Versions are immutable, so a process may keep them; the owner decides the cache's lifetime.
        self.cache = cache if cache is not None else {}

    async def store(self, survey: Survey, source: str | None = None) -> LoadResult:
        """Store `survey` as a new version unless the latest version is identical."""
        await self.session.execute(insert(SurveyRow).values(key=survey.key).on_conflict_do_nothing())
        survey_id = (
            await self.session.scalars(select(SurveyRow.id).where(SurveyRow.key == survey.key))
        ).one()
        # Serialise concurrent loads of the same survey so version numbers stay unique and gapless.
        await lock_for_transaction(self.session, Lock.SURVEY_VERSION, survey_id)
        checksum = survey.checksum()
        latest = (
            await self.session.scalars(
                select(SurveyVersion)
                .where(SurveyVersion.survey_id == survey_id)
                .order_by(SurveyVersion.version.desc())
                .limit(1)
            )
        ).first()
        if latest is not None and latest.checksum == checksum:
            return LoadResult(survey.key, latest.version, latest.id, created=False)
        version = SurveyVersion(
            survey_id=survey_id,
            version=(latest.version + 1) if latest else 1,
            checksum=checksum,
            definition=survey.model_dump(mode="json"),
            source=source,
        )
        self.session.add(version)
        await self.session.flush()
        self.session.add_all(
            DimensionRow(
                survey_version_id=version.id, key=d.key, name_zh=d.name.zh, name_en=d.name.en, position=i
            )
            for i, d in enumerate(survey.dimensions)
        )
        self.session.add_all(
            QuestionRow(
                survey_version_id=version.id,
                key=q.key,
                position=i,
                kind=survey.kind_of(q),
                role=q.role,
                dimension_key=q.dimension,
                text_zh=q.text.zh,
                text_en=q.text.en,
                required=q.required,
            )
            for i, q in enumerate(survey.questions)
        )
        await self.session.flush()
        await store_pairs(self.session, version.id)
        return LoadResult(survey.key, version.version, version.id, created=True)

    async def definitions(self) -> list[Survey]:
        """Every stored version's definition, oldest first (reports read which questions pair up)."""
        rows = await self.session.scalars(select(SurveyVersion.definition).order_by(SurveyVersion.id))
        return [Survey.model_validate(definition) for definition in rows]

    async def latest(self, key: str) -> StoredSurvey | None:
        """The newest version of the survey `key`, or None if it was never loaded."""
        version_id = (
            await self.session.scalars(
                select(SurveyVersion.id)
                .join(SurveyRow, SurveyRow.id == SurveyVersion.survey_id)
                .where(SurveyRow.key == key)
                .order_by(SurveyVersion.version.desc())
                .limit(1)
            )
        ).first()
        return None if version_id is None else await self.by_version(version_id)

    async def by_version(self, version_id: int) -> StoredSurvey:
        """A specific version, from the cache when it was read before."""
        if version_id in self.cache:
            return self.cache[version_id]
        row = await self.session.get_one(SurveyVersion, version_id)
        rows = await self.session.execute(
            select(QuestionRow.key, QuestionRow.id).where(QuestionRow.survey_version_id == version_id)
        )
        ids = {key: question_id for key, question_id in rows}
        stored = StoredSurvey(version_id, row.version, Survey.model_validate(row.definition), ids)
        self.cache[version_id] = stored
        return stored
