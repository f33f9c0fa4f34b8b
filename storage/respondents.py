"""Customers (respondents) and their conversation state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, Respondent


class RespondentRepository:
    """Operations on respondents and the conversation each one is in."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, telegram_id: int, language: str, first_name: str | None) -> Respondent:
        """Create the respondent on first contact (with `language`), else refresh last_seen."""
        statement = (
            insert(Respondent)
            .values(telegram_id=telegram_id, language=language, first_name=first_name)
            .on_conflict_do_update(
                index_elements=[Respondent.telegram_id],
                set_={"last_seen": func.now(), "first_name": first_name},
            )
            .returning(Respondent)
        )
        return (await self.session.scalars(statement)).one()

    async def by_telegram_id(self, telegram_id: int) -> Respondent | None:
        """The respondent with this Telegram id, if known."""
        return (
            await self.session.scalars(select(Respondent).where(Respondent.telegram_id == telegram_id))
        ).first()

    async def set_language(self, respondent_id: int, language: str) -> None:
        """Remember the customer's chosen language."""
        await self.session.execute(
            update(Respondent).where(Respondent.id == respondent_id).values(language=language)
        )

    async def conversation(self, respondent_id: int) -> tuple[str | None, dict[str, Any]]:
        """The active flow (None when idle) and the stored dialog state."""
        row = await self.session.get(Conversation, respondent_id)
        return (None, {}) if row is None else (row.flow, dict(row.state))

    async def save_conversation(self, respondent_id: int, flow: str | None, state: dict[str, Any]) -> None:
        """Store the dialog state; written in the same transaction as the answers it follows."""
        statement = insert(Conversation).values(respondent_id=respondent_id, flow=flow, state=state)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Conversation.respondent_id],
                set_={"flow": flow, "state": state, "updated_at": func.now()},
            )
        )
