"""Customer profiles: the external id an operator knows them by, tags, time zone, opt-out, block, consent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CustomerProfile, Respondent


class ProfileRepository:
    """Operations on customer profiles (a profile row exists once anything about the customer is known)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, respondent_id: int) -> CustomerProfile | None:
        """The customer's profile, if any."""
        return await self.session.get(CustomerProfile, respondent_id)

    async def _set(self, respondent_id: int, **values: Any) -> None:
        statement = insert(CustomerProfile).values(respondent_id=respondent_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CustomerProfile.respondent_id], set_={**values, "updated_at": func.now()}
            )
        )

    async def link_external_id(self, respondent_id: int, external_id: str) -> None:
        """Remember the operator's id for this customer (moved from whoever had it before)."""
        await self.session.execute(
            update(CustomerProfile)
            .where(CustomerProfile.external_id == external_id, CustomerProfile.respondent_id != respondent_id)
            .values(external_id=None)
        )
        await self._set(respondent_id, external_id=external_id)

    async def by_external_id(self, external_id: str) -> Respondent | None:
        """The customer linked to an operator's id."""
        statement = (
            select(Respondent)
            .join(CustomerProfile, CustomerProfile.respondent_id == Respondent.id)
            .where(CustomerProfile.external_id == external_id)
        )
        return (await self.session.scalars(statement)).first()

    async def set_tags(self, respondent_id: int, tags: Sequence[str]) -> None:
        """Replace the customer's segment tags."""
        await self._set(respondent_id, tags=sorted(set(tags)))

    async def set_timezone(self, respondent_id: int, timezone: str) -> None:
        """The customer's IANA time zone (quiet hours are kept in it)."""
        await self._set(respondent_id, timezone=timezone)

    async def set_opted_out(self, respondent_id: int, opted_out: bool) -> None:
        """The customer asked for no more invitations (or, undoing it, for them again)."""
        await self._set(respondent_id, opted_out_at=func.now() if opted_out else None)

    async def set_blocked(self, respondent_id: int, blocked: bool) -> None:
        """The customer blocked the bot (or unblocked it); blocked customers are skipped."""
        await self._set(respondent_id, blocked_at=func.now() if blocked else None)

    async def claim_consent_notice(self, respondent_id: int) -> bool:
        """True exactly once per customer: the first survey explains what is stored and why."""
        statement = (
            insert(CustomerProfile)
            .values(respondent_id=respondent_id, consent_at=func.now())
            .on_conflict_do_update(
                index_elements=[CustomerProfile.respondent_id],
                set_={"consent_at": func.now()},
                where=CustomerProfile.consent_at.is_(None),
            )
            .returning(CustomerProfile.respondent_id)
        )
        return (await self.session.execute(statement)).first() is not None
