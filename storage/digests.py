"""Digest bookkeeping: each (admin, kind, period) is claimed before sending and marked sent after."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AdminSubscription, DigestDelivery

# A claim left in 'sending' this long (the process died mid-send) may be taken over, so a digest
# is never skipped; the price is a possible repeat in that one crash window.
STALE_CLAIM = timedelta(minutes=10)


class DigestRepository:
    """Operations on digest deliveries and admins' subscriptions."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, admin_id: int, kind: str, period: str, now: datetime) -> bool:
        """Take the right to send this digest; False if it was sent, or another process is sending it."""
        inserted = await self.session.execute(
            insert(DigestDelivery)
            .values(admin_id=admin_id, kind=kind, period=period, status="sending", claimed_at=now)
            .on_conflict_do_nothing()
            .returning(DigestDelivery.admin_id)
        )
        if inserted.first() is not None:
            return True
        taken_over = await self.session.execute(
            update(DigestDelivery)
            .where(
                DigestDelivery.admin_id == admin_id,
                DigestDelivery.kind == kind,
                DigestDelivery.period == period,
                DigestDelivery.status == "sending",
                DigestDelivery.claimed_at < now - STALE_CLAIM,
            )
            .values(claimed_at=now)
            .returning(DigestDelivery.admin_id)
        )
        return taken_over.first() is not None

    async def mark_sent(self, admin_id: int, kind: str, period: str) -> None:
        """Record that the digest reached the admin."""
        await self.session.execute(
            update(DigestDelivery)
            .where(
                DigestDelivery.admin_id == admin_id,
                DigestDelivery.kind == kind,
                DigestDelivery.period == period,
            )
            .values(status="sent", sent_at=func.now())
        )

    async def release(self, admin_id: int, kind: str, period: str) -> None:
        """Give a claim back after a failed send, so the next run tries again."""
        await self.session.execute(
            delete(DigestDelivery).where(
                DigestDelivery.admin_id == admin_id,
                DigestDelivery.kind == kind,
                DigestDelivery.period == period,
                DigestDelivery.status == "sending",
            )
        )

    async def sent(self, kind_prefix: str | None = None) -> list[DigestDelivery]:
        """Deliveries marked sent (optionally of kinds starting with a prefix), oldest first."""
        statement = select(DigestDelivery).where(DigestDelivery.status == "sent")
        if kind_prefix:
            statement = statement.where(DigestDelivery.kind.startswith(kind_prefix))
        return list(await self.session.scalars(statement.order_by(DigestDelivery.sent_at)))

    async def frequency(self, admin_id: int) -> str | None:
        """The admin's own frequency, or None for the configured default."""
        return await self.session.scalar(
            select(AdminSubscription.frequency).where(AdminSubscription.admin_id == admin_id)
        )

    async def set_frequency(self, admin_id: int, frequency: str) -> None:
        """Change the admin's frequency (daily, weekly, monthly or off)."""
        await self.session.execute(
            insert(AdminSubscription)
            .values(admin_id=admin_id, frequency=frequency)
            .on_conflict_do_update(
                index_elements=[AdminSubscription.admin_id],
                set_={"frequency": frequency, "updated_at": func.now()},
            )
        )
