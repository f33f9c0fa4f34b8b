"""Bad input at volume: random texts, callback data and update shapes through the real dispatcher.

Hypothesis plays short sessions of a few customers (in a worker thread; each update is fed to the
dispatcher on the test's event loop, and the bot's replies go over HTTP to the emulator). Every
update must be handled without an exception escaping the dispatcher, and every message or button
press a customer sends in a private chat must get a visible reply or a callback answer.
Derandomised and bounded, so CI sees the same few hundred updates on every run.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot, build_dispatcher
from bot.runner import load_default_survey
from emulator.customer import Customer, transcript
from emulator.emulator import BotAPIEmulator
from emulator.serialize import message_json, user_json
from emulator.state import VISIBLE_EVENTS, CallbackQueryRecord
from tests.support.botapp import bot_settings

CUSTOMERS = (4301, 4302, 4303)
GROUP_ID = -4300
COMMANDS = (
    "/start",
    "/survey",
    "/complain",
    "/cancel",
    "/help",
    "/language",
    "/mytickets",
    "/tickets",
    "/ticket 7",
    "/digest",
    "/export",
    "/subscribe",
    "/start survey_service_quality",
    "/start survey_nope",
    "/nonsense",
)
CALLBACK_PREFIXES = ("sv", "m", "lang", "c", "t", "tp", "ct", "sub")
FIELD_WORDS = (
    "a",
    "b",
    "s",
    "survey",
    "resume",
    "restart",
    "complain",
    "tickets",
    "zh",
    "en",
    "",
    "1.5",
    "nan",
)
EXAMPLES = 200  # sessions of up to 8 actions each: about a thousand updates


@dataclass(frozen=True)
class Action:
    """One thing a customer does: ``kind`` with its ``value`` (text, button index, callback data)."""

    kind: str
    user_id: int
    value: Any = None


Target = CallbackQueryRecord | bool  # what must be answered: a button press, or (True) a message
texts = st.text(min_size=1, max_size=300)
callback_field = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from(FIELD_WORDS), st.text(max_size=8))
structured_data = st.builds(
    lambda prefix, fields: ":".join([prefix, *map(str, fields)]),
    st.sampled_from(CALLBACK_PREFIXES),
    st.lists(callback_field, max_size=5),
)
callback_data = st.one_of(structured_data, st.text(min_size=1, max_size=40)).filter(
    lambda data: 1 <= len(data.encode()) <= 64  # Telegram's limit: longer data never reaches a bot
)
users = st.sampled_from(CUSTOMERS)
SHAPES = ("location", "dice", "edited", "from_bot", "group", "channel", "inline_callback", "block")
actions = st.one_of(
    st.builds(Action, st.just("text"), users, texts),
    st.builds(Action, st.just("text"), users, st.sampled_from(COMMANDS)),
    st.builds(Action, st.just("text"), users, st.builds("{} {}".format, st.sampled_from(COMMANDS), texts)),
    st.builds(Action, st.just("press"), users, st.integers(0, 30)),
    st.builds(Action, st.just("callback"), users, callback_data),
    st.builds(Action, st.just("media"), users, st.sampled_from(["photo", "sticker", "voice", "document"])),
    st.builds(Action, st.just("contact"), users),
    st.builds(Action, st.sampled_from(SHAPES), users, callback_data),
    st.builds(Action, st.just("rename"), users, st.text(min_size=1, max_size=64)),
)
sessions = st.lists(actions, min_size=1, max_size=8)


class Session:
    """Turns actions into updates through the emulator (so it knows every chat, message and query),
    feeds each to the dispatcher and checks that the customer was answered."""

    def __init__(self, emulator: BotAPIEmulator, dispatcher: Dispatcher, bot: Bot) -> None:
        self.emulator, self.dispatcher, self.bot = emulator, dispatcher, bot
        self.fed = 0
        emulator.add_group(GROUP_ID, "Fuzz group")
        for user_id in CUSTOMERS:
            emulator.user(user_id, first_name=f"Fuzz{user_id}", language_code="zh-hans")

    async def play(self, action: Action) -> None:
        """Feed one action's update(s); AssertionError if a customer was left without a reply."""
        chat = self.emulator.state.chat(action.user_id)
        mark = chat.last_seq
        for update_id, target in self._inject(action):
            assert update_id is not None  # the emulator numbers every update it dispatches
            # Through the session's JSON loader, as polled and webhook updates arrive.
            raw = self.bot.session.json_loads(json.dumps(self.emulator.updates[update_id]))
            reply = await self.dispatcher.feed_raw_update(self.bot, raw)
            if isinstance(reply, TelegramMethod):  # a webhook response's method: Telegram carries it out
                await self.dispatcher.silent_call_request(self.bot, reply)
            self.fed += 1
            replied = any(e.kind in VISIBLE_EVENTS for e in chat.events_after(mark))
            if isinstance(target, CallbackQueryRecord):
                replied = replied or target.answered
            assert replied or not target, f"no reply to {action!r}\n{transcript(chat)}"
        self.emulator.queue.drain()  # nobody polls: the queue only collects what was fed directly

    def _inject(self, action: Action) -> list[tuple[int | None, Target]]:
        """Create the update(s) in the emulator: (update_id, what must be answered) in order."""
        emu, user = self.emulator, action.user_id
        if action.kind == "text":
            return [(emu.inject_text(user, action.value).update_id, True)]
        if action.kind == "media":
            return [(emu.inject_media(user, action.value).update_id, True)]
        if action.kind == "contact":
            return [(emu.inject_contact(user).update_id, True)]
        if action.kind == "press":
            return self._press(user, action.value)
        if action.kind == "rename":  # Telegram names are free text too; the next update carries it
            emu.user(user, first_name=action.value)
            return []
        if action.kind == "callback":
            bot_messages = emu.bot_messages(user)
            if not bot_messages:
                return []
            record = emu.inject_callback(user, bot_messages[-1].message_id, action.value)
            return [(record.update_id, record)]
        if action.kind == "block":
            emu.block_user(user)
            emu.unblock_user(user)  # both my_chat_member updates are queued; the bot sees them in order
            return [(int(update["update_id"]), False) for update in emu.queue.drain()]
        if action.kind == "group":
            return [(emu.inject_text(user, action.value, chat_id=GROUP_ID).update_id, False)]
        if action.kind == "inline_callback":
            return self._inline_callback(user, action.value)
        return [(emu.inject_update(self._odd_update(action)), action.kind in {"location", "dice"})]

    def _press(self, user: int, index: int) -> list[tuple[int | None, Target]]:
        labels = Customer(self.emulator, user).buttons
        if not labels:
            return []
        try:
            pressed = self.emulator.press(user, labels[index % len(labels)])
        except LookupError:  # a URL button: it sends nothing to the bot
            return []
        return [(pressed.update_id, pressed if isinstance(pressed, CallbackQueryRecord) else True)]

    def _inline_callback(self, user: int, data: str) -> list[tuple[int | None, Target]]:
        """A press on a message the bot sent inline (no ``message`` in the query)."""
        record = CallbackQueryRecord(
            id=f"inline{self.fed}", chat_id=user, user_id=user, message_id=0, data=data
        )
        self.emulator.state.callback_queries[record.id] = record
        query = {
            "id": record.id,
            "from": user_json(self.emulator.state.users[user]),
            "chat_instance": str(user),
            "inline_message_id": f"AAAA{self.fed}",
            "data": data,
        }
        return [(self.emulator.inject_update({"callback_query": query}), record)]

    def _odd_update(self, action: Action) -> dict[str, Any]:
        emu, user = self.emulator, action.user_id
        if action.kind == "from_bot":
            robot = {"id": user + 10**9, "is_bot": True, "first_name": "Robot"}
            chat = {"id": user + 10**9, "type": "private", "first_name": "Robot"}
            return {
                "message": {"message_id": 1, "date": 0, "chat": chat, "from": robot, "text": action.value}
            }
        if action.kind == "channel":
            channel = {"id": -1001234, "type": "channel", "title": "News"}
            post = {"message_id": 1, "date": 0, "chat": channel, "sender_chat": channel, "text": action.value}
            return {"channel_post": post}
        message = message_json(emu.state, emu.state.user_message(user, text=None))
        if action.kind == "location":
            return {"message": {**message, "location": {"latitude": 31.23, "longitude": 121.47}}}
        if action.kind == "dice":
            return {"message": {**message, "dice": {"emoji": "🎲", "value": 4}}}
        edited = {**message, "text": action.value, "edit_date": int(time.time())}
        return {"edited_message": edited}


async def test_random_input_never_escapes_the_dispatcher_and_every_customer_gets_a_reply(
    db: AsyncEngine, emulator: BotAPIEmulator
) -> None:
    await load_default_survey(db)
    bot = build_bot(bot_settings(emulator))
    session = Session(emulator, build_dispatcher(bot_settings(emulator), db), bot)
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(sessions)
    @example(  # PostgreSQL stores no U+0000: a complaint or a name carrying one must still be answered
        [
            Action("rename", CUSTOMERS[0], "小\x00王"),
            Action("text", CUSTOMERS[0], "/complain"),
            Action("text", CUSTOMERS[0], "服务员态度\x00很差，等了一个小时也没有人理我们"),
            Action("press", CUSTOMERS[0], 0),
            Action("text", CUSTOMERS[0], "\x00"),
        ]
    )
    def play_session(played: list[Action]) -> None:
        for action in played:
            asyncio.run_coroutine_threadsafe(session.play(action), loop).result(timeout=60)

    try:
        await asyncio.to_thread(play_session)
    finally:
        await bot.session.close()
    assert session.fed >= 400  # the run really went through hundreds of updates
