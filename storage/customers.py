"""The customer an update comes from, as plain data: what handlers and bot services are given.

It lives in storage/ because storage reads the row it is built from (storage.updates.open_update,
RespondentRepository.customer), and bot/ already imports storage/; dialogs/ would be the wrong home,
as its engine is channel-free and a Telegram id is not. Being frozen plain data (not the ORM row), it
cannot be changed and silently not saved: a change goes through a repository, by `id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from dialogs.i18n import Language, language_of


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer (a `respondents` row) as the bot sees them while handling one update."""

    id: int  # respondents.id: what every repository takes
    telegram_id: int  # the private chat the bot writes to
    language: Language  # the stored choice, as a supported language
    first_name: str | None


def customer_from_row(row: Row[Any]) -> Customer:
    """A Customer from a row holding the respondents table's columns."""
    return Customer(row.id, row.telegram_id, language_of(row.language), row.first_name)
