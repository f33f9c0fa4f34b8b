"""Who is in the playground: one fixed admin and customers created on demand from the page."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any, Literal

from emulator import BotAPIEmulator

ADMIN_ID = 900000
FIRST_CUSTOMER_ID = 100001

PageLanguage = Literal["zh", "en"]
Role = Literal["admin", "customer"]
# What a Chinese or English Telegram client reports as the user's language.
TELEGRAM_LANGUAGE: dict[PageLanguage, str] = {"zh": "zh-hans", "en": "en"}
CUSTOMER_NAME: dict[PageLanguage, str] = {"zh": "顾客 {n}", "en": "Customer {n}"}


@dataclass(frozen=True)
class Person:
    """A Telegram user the page can act as."""

    chat_id: int
    name: str
    language: PageLanguage
    role: Role

    def view(self) -> dict[str, Any]:
        """The person as the page's JSON."""
        return asdict(self)


class People:
    """The admin and the customers, each a Telegram user (with a private chat) in the emulator."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self._emulator = emulator
        self._people: dict[int, Person] = {}
        self._customer_numbers = itertools.count(1)

    def add_admin(self, chat_id: int = ADMIN_ID) -> Person:
        """An admin: the playground's own (ADMIN_ID), or one of the configured ADMIN_IDS, who get
        alerts and digests too and would otherwise make the bot's sends fail with 'chat not found'."""
        name = "管理员" if chat_id == ADMIN_ID else f"管理员 {chat_id}"
        return self._add(
            Person(chat_id, name, "zh", "admin"), username="tingjian_admin" if chat_id == ADMIN_ID else None
        )

    def add_customer(self, language: PageLanguage = "zh") -> Person:
        """A new customer: 顾客 N in Chinese, Customer N in English."""
        number = next(self._customer_numbers)
        name = CUSTOMER_NAME[language].format(n=number)
        return self._add(Person(FIRST_CUSTOMER_ID + number - 1, name, language, "customer"))

    def _add(self, person: Person, username: str | None = None) -> Person:
        self._emulator.user(
            person.chat_id,
            first_name=person.name,
            language_code=TELEGRAM_LANGUAGE[person.language],
            username=username,
        )
        self._people[person.chat_id] = person
        return person

    def get(self, chat_id: int) -> Person | None:
        """The person with this chat, if the playground created it."""
        return self._people.get(chat_id)

    def all(self) -> list[Person]:
        """Everyone, in the order they were added (the runner adds the admins first)."""
        return list(self._people.values())
