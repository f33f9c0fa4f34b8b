"""One unit of work per Telegram update: a session plus the repositories that speak the domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from storage.campaigns import CampaignRepository
from storage.classifier import ClassifierRepository
from storage.complaints import ComplaintRepository
from storage.customer_links import CustomerLinkRepository
from storage.digests import DigestRepository
from storage.follow_ups import FollowUpRepository
from storage.idempotency import IdempotencyRepository
from storage.kpis import KpiRepository
from storage.privacy import PrivacyRepository
from storage.profiles import ProfileRepository
from storage.respondents import RespondentRepository
from storage.responses import ResponseRepository
from storage.surveys import StoredSurvey, SurveyRepository


class UnitOfWork:
    """Repositories sharing one session and transaction; `commit` makes the work durable."""

    def __init__(self, session: AsyncSession, survey_cache: dict[int, StoredSurvey] | None = None) -> None:
        self.session = session
        self.surveys = SurveyRepository(session, survey_cache)
        self.respondents = RespondentRepository(session)
        self.responses = ResponseRepository(session)
        self.complaints = ComplaintRepository(session)
        self.follow_ups = FollowUpRepository(session, self.complaints)
        self.digests = DigestRepository(session)
        self.campaigns = CampaignRepository(session)
        self.profiles = ProfileRepository(session)
        self.privacy = PrivacyRepository(session)
        self.kpis = KpiRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.classifier = ClassifierRepository(session)
        self.customer_links = CustomerLinkRepository(session)
        self.committed = False
        self._before_commit: list[Callable[[], Awaitable[None]]] = []

    def before_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` at every commit, just before it, in the transaction being committed."""
        self._before_commit.append(callback)

    async def commit(self) -> None:
        """Commit everything done so far (after the before-commit callbacks wrote what they keep)."""
        for callback in self._before_commit:
            await callback()
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        """Discard everything not yet committed."""
        await self.session.rollback()
