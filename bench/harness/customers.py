"""Simulated customers on the Bot API emulator, and the two ways of running them.

A survey customer answers Tingjian's default survey (/survey, then a button on each of the 16
questions) with planned scores, waits for each reply, and resumes after a reply that never came
(/survey, then "continue"), as a person would. A bare customer sends the same updates to the bare
bot (one message per update, no keyboards). `closed_loop` lets every customer go as fast as the
bot answers (throughput); `paced` injects updates at a fixed rate (latency at a given load).
"""

from __future__ import annotations

import asyncio
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from emulator.emulator import BotAPIEmulator
from emulator.state import ChatMessage

QUESTIONS = 16  # the default survey with no score of 2 or less (its comment question stays hidden)
THANKS = "感谢您完成调查"
PROGRESS = re.compile(r"第 (\d+)/\d+ 题")
RESUME_DATA = "m:resume"


def planned_score(user_id: int, question: int) -> int:
    """The score a customer gives to question number ``question``: 3–5 (checked against the rows)."""
    return 3 + (user_id + question) % 3


@dataclass
class Record:
    """Everything the customers did and saw."""

    latencies: list[float] = field(default_factory=list)  # seconds from an update to its reply
    updates: int = 0
    answers_acknowledged: int = 0  # presses whose next question (or thanks) arrived
    stalls: int = 0  # replies that never came (the customer then resumed)
    surveys_done: int = 0
    lateness: list[float] = field(default_factory=list)  # paced runs: how late each update was sent


class Stalled(Exception):
    """The bot did not answer within the customer's patience."""


class Customer(ABC):
    """One customer in a private chat; ``act()`` does the next step and waits for the reply."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int, record: Record, patience: float) -> None:
        self.emulator, self.user_id, self.record, self.patience = emulator, user_id, record, patience
        emulator.user(user_id, first_name=f"客户{user_id % 10_000}", language_code="zh-hans")
        self.chat = emulator.state.chat(user_id)
        self.completed = 0  # surveys this customer finished (saw the thanks, or the last reply)

    @abstractmethod
    async def act(self) -> None:
        """Send the next update and wait for its reply."""

    def _finished_one(self) -> None:
        self.completed += 1
        self.record.surveys_done += 1

    async def _wait_reply(
        self, after: int, *, keyboard: bool, card: ChatMessage | None = None, expect: str = ""
    ) -> None:
        """Until a bot message newer than ``after`` arrives, or ``card`` is edited (a survey card
        turning to the next question); with ``keyboard``, one that has an inline keyboard; with
        ``expect``, one whose text has it (so a late reply to an earlier update is not taken for it)."""
        chat = self.chat
        edits = card.edited if card is not None else 0

        def shown(message: ChatMessage) -> bool:
            markup = message.raw_reply_markup
            keyed = not keyboard or bool(markup and "inline_keyboard" in markup)
            return keyed and expect in (message.text or "")

        def arrived() -> bool:
            if card is not None and card.edited > edits:
                return shown(card)
            last = chat.messages[-1] if chat.messages else None
            return last is not None and last.from_bot and last.message_id > after and shown(last)

        if not await self.emulator.wait_until(arrived, self.patience, chat_id=chat.id):
            raise Stalled(self.user_id)

    def _timed(self, started: float) -> None:
        self.record.updates += 1
        self.record.latencies.append(time.perf_counter() - started)

    def _newest_id(self) -> int:
        return self.chat.messages[-1].message_id if self.chat.messages else 0


class SurveyCustomer(Customer):
    """Answers Tingjian's survey, again and again."""

    async def act(self) -> None:
        """Start a survey, or answer the question on screen."""
        question = self._open_question()
        try:
            if question is None:
                await self._start()
            else:
                await self._answer(question)
        except Stalled:
            self.record.stalls += 1
            await self._resume()

    def _open_question(self) -> tuple[ChatMessage, int] | None:
        for message in reversed(self.chat.messages[-3:]):
            if not message.from_bot:
                continue
            found = PROGRESS.search(message.text or "")
            if found and message.raw_reply_markup:
                return message, int(found.group(1))
            if THANKS in (message.text or ""):
                return None
        return None

    async def _start(self) -> None:
        mark, started = self._newest_id(), time.perf_counter()
        self.emulator.inject_text(self.user_id, "/survey")
        await self._wait_reply(mark, keyboard=True)
        self._timed(started)

    async def _answer(self, question: tuple[ChatMessage, int]) -> None:
        message, number = question
        score = planned_score(self.user_id, number)
        data = next(
            b.callback_data
            for b in message.buttons
            if b.callback_data and (b.text == str(score) or b.text.startswith(f"{score} · "))
        )
        # A reply is the card turning, or a message newer than any before the press: a stale card
        # (its answer lost, a newer message below it) gets neither, only a toast, and the customer
        # resumes after its patience instead of pressing it again and again.
        mark, started = self._newest_id(), time.perf_counter()
        self.emulator.inject_callback(self.user_id, message.message_id, data)
        last = number == QUESTIONS
        expect = THANKS if last else f"第 {number + 1}/"
        await self._wait_reply(mark, keyboard=not last, card=message, expect=expect)
        self._timed(started)
        self.record.answers_acknowledged += 1
        if last:
            self._finished_one()

    async def _resume(self) -> None:
        """After a lost reply: /survey offers to continue (or asks question 1 anew); take it."""
        mark = self._newest_id()
        self.emulator.inject_text(self.user_id, "/survey")
        try:
            await self._wait_reply(mark, keyboard=True)
            offer = self.chat.messages[-1]
            resume = next((b for b in offer.buttons if (b.callback_data or "").startswith(RESUME_DATA)), None)
            if resume is not None and resume.callback_data is not None:
                self.emulator.inject_callback(self.user_id, offer.message_id, resume.callback_data)
                await self._wait_reply(offer.message_id, keyboard=True)
            # else: no unfinished survey was left (its thanks was lost), and /survey began a new one
        except Stalled:
            self.record.stalls += 1  # the bot is still away; the next act() tries again


class BareCustomer(Customer):
    """Sends the bare bot the same updates a survey customer sends: /survey, then 16 presses on its
    newest message; a reply is a new message (the bare bot) or that message edited (the floor bot)."""

    def __init__(self, emulator: BotAPIEmulator, user_id: int, record: Record, patience: float) -> None:
        super().__init__(emulator, user_id, record, patience)
        self.step = 0

    async def act(self) -> None:
        """Send the next update and wait for the bare bot's one message."""
        mark, started = self._newest_id(), time.perf_counter()
        pressed = None
        if self.step == 0:
            self.emulator.inject_text(self.user_id, "/survey")
        else:
            data = f"sv:a:1:q{self.step}:{planned_score(self.user_id, self.step)}"
            self.emulator.inject_callback(self.user_id, mark, data)
            pressed = self.chat.messages[-1]
        await self._wait_reply(mark, keyboard=False, card=pressed)
        self._timed(started)
        self.step = (self.step + 1) % (QUESTIONS + 1)
        if self.step == 0:
            self._finished_one()


async def closed_loop(customers: Sequence[Customer], surveys: int) -> float:
    """Every customer completes ``surveys`` surveys as fast as the bot answers; the seconds it took."""
    started = time.perf_counter()

    async def run(customer: Customer) -> None:
        while customer.completed < surveys:
            await customer.act()

    await asyncio.gather(*(run(c) for c in customers))
    return time.perf_counter() - started


async def paced(customers: Sequence[Customer], rate: float, duration: float) -> float:
    """Send updates at ``rate`` per second for ``duration`` seconds, each from a customer who has
    had the reply to their previous one; then let the last replies arrive. The seconds it took."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Queue[Customer] = asyncio.Queue()
    for customer in customers:
        ready.put_nowait(customer)
    record = customers[0].record
    pending: set[asyncio.Task[None]] = set()

    async def act(customer: Customer) -> None:
        await customer.act()
        ready.put_nowait(customer)

    begin = loop.time()
    sent = 0
    end = begin + duration
    while (target := begin + sent / rate) < end and loop.time() < end:  # a bot that falls behind stops too
        if (early := target - loop.time()) > 0:
            await asyncio.sleep(early)
        customer = await ready.get()
        record.lateness.append(max(0.0, loop.time() - target))
        task = asyncio.create_task(act(customer))
        pending.add(task)
        task.add_done_callback(pending.discard)
        sent += 1
    if pending:
        await asyncio.gather(*pending)
    return loop.time() - begin
