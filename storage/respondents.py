"""Customers (respondents) and their conversation state."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.customers import Customer, customer_from_row
from storage.models import Conversation, Respondent

_respondents = cast(Table, Respondent.__table__)  # Core statements: no ORM bulk-insert machinery
_touch = insert(_respondents).values(
    telegram_id=bindparam("telegram_id"), language=bindparam("language"), first_name=bindparam("first_name")
)
# Runs for every update (inside storage.updates.OPEN_UPDATE); built once, see SAVE_CONVERSATION.
TOUCH_RESPONDENT = _touch.on_conflict_do_update(
    index_elements=[_respondents.c.telegram_id],
    set_={"last_seen": func.now(), "first_name": _touch.excluded.first_name},
).returning(*_respondents.c)
_RESPONDENT_COLUMNS = tuple(column.key for column in _respondents.c)

_conversations = cast(Table, Conversation.__table__)  # Core statements: no ORM bulk-insert machinery
_conversation = insert(_conversations).values(
    respondent_id=bindparam("respondent_id"), flow=bindparam("flow"), state=bindparam("state")
)
# Built once (it runs for every answer): bound parameters let SQLAlchemy reuse its compiled form.
SAVE_CONVERSATION = _conversation.on_conflict_do_update(
    index_elements=[_conversations.c.respondent_id],
    set_={
        "flow": _conversation.excluded.flow,
        "state": _conversation.excluded.state,
        "updated_at": func.now(),
    },
)


class RespondentRepository:
    """Operations on respondents and the conversation each one is in."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, telegram_id: int, language: str, first_name: str | None) -> Respondent:
        """Create the respondent on first contact (with `language`), else refresh last_seen."""
        parameters = {"telegram_id": telegram_id, "language": language, "first_name": first_name}
        return respondent_from_row((await self.session.execute(TOUCH_RESPONDENT, parameters)).one())

    async def by_telegram_id(self, telegram_id: int) -> Respondent | None:
        """The respondent with this Telegram id, if known."""
        return (
            await self.session.scalars(select(Respondent).where(Respondent.telegram_id == telegram_id))
        ).first()

    async def customer(self, respondent_id: int) -> Customer:
        """The customer with this id, as plain data (to message them about their ticket)."""
        row = (
            await self.session.execute(select(_respondents).where(_respondents.c.id == respondent_id))
        ).one()
        return customer_from_row(row)

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
        await self.session.execute(
            SAVE_CONVERSATION, {"respondent_id": respondent_id, "flow": flow, "state": state}
        )


def respondent_from_row(row: Row[Any]) -> Respondent:
    """A Respondent from a row holding the respondents table's columns (not attached to a session)."""
    return Respondent(**{key: getattr(row, key) for key in _RESPONDENT_COLUMNS})
