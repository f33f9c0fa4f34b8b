"""Customer links: a deep link binds its operator id to the first Telegram user who opens it, once."""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CustomerLink
from storage.profiles import ProfileRepository

# 16 random bytes as URL-safe base64: 22 characters of A–Z a–z 0–9 _ -, what a /start payload allows.
TOKEN_BYTES = 16


class Redeemed(enum.Enum):
    """What opening a link did."""

    LINKED = "linked"  # the customer is now linked to the operator's id
    ALREADY = "already"  # this customer had opened the link before: nothing changes
    TAKEN = "taken"  # someone else opened it first: refused, nobody moved
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # no such link (mistyped, forged, or from before links were stored)


class CustomerLinkRepository:
    """Issuing links and redeeming them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue(self, external_id: str, valid_for: timedelta) -> CustomerLink:
        """A new link for the operator's customer id, valid for ``valid_for``."""
        now = await self.session.scalar(select(func.now()))
        assert now is not None
        link = CustomerLink(
            token=secrets.token_urlsafe(TOKEN_BYTES), external_id=external_id, expires_at=now + valid_for
        )
        self.session.add(link)
        await self.session.flush()
        return link

    async def redeem(self, token: str, telegram_id: int, respondent_id: int) -> Redeemed:
        """Bind the link to this customer if nobody has; the link is locked while it is decided."""
        link = await self.session.get(CustomerLink, token, with_for_update=True)
        if link is None:
            return Redeemed.UNKNOWN
        if link.bound_telegram_id is not None:
            return Redeemed.ALREADY if link.bound_telegram_id == telegram_id else Redeemed.TAKEN
        now = await self.session.scalar(select(func.now()))
        assert now is not None
        if link.expires_at <= now:
            return Redeemed.EXPIRED
        link.bound_telegram_id, link.bound_at = telegram_id, now
        await ProfileRepository(self.session).link_external_id(respondent_id, link.external_id)
        return Redeemed.LINKED
