"""The in-memory model on its own: Telegram's validation rules, update queue, button lookup."""

from __future__ import annotations

import pytest

from emulator.errors import BotAPIError
from emulator.faults import Fault, FaultPlan
from emulator.html_text import parse_html
from emulator.state import EmulatorState, resolve_button
from emulator.updates import UpdateQueue, command_entities, is_allowed

USER = 1001
KEYBOARD = {
    "inline_keyboard": [[{"text": "好", "callback_data": "ok"}, {"text": "Docs", "url": "https://x.y"}]]
}


@pytest.fixture
def state() -> EmulatorState:
    model = EmulatorState(bot_id=42, bot_username="t_bot", bot_name="T")
    model.ensure_user(USER, first_name="小明")
    return model


def test_html_is_kept_raw_and_stripped_with_entities() -> None:
    plain, entities = parse_html('<b>你好</b> &lt;3 <a href="https://e.x">link</a>')
    assert plain == "你好 <3 link"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "url": "https://e.x", "offset": 6, "length": 4},
    ]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unexpected end tag"),
    ],
)
def test_bad_html_is_rejected_like_telegram(markup: str, error: str) -> None:
    with pytest.raises(BotAPIError) as caught:
        parse_html(markup)
    assert caught.value.status == 400
    assert error in caught.value.description


def test_send_records_raw_and_plain_text(state: EmulatorState) -> None:
    message = state.bot_send(USER, text="<i>hi</i>", parse_mode="HTML", reply_markup=KEYBOARD)
    assert (message.text, message.plain_text, message.parse_mode) == ("<i>hi</i>", "hi", "HTML")
    assert [[b.text for b in row] for row in message.reply_markup or []] == [["好", "Docs"]]
    assert message.buttons[0].callback_data == "ok"
    assert message.buttons[1].url == "https://x.y"


def test_message_ids_are_shared_by_user_and_bot_in_a_chat(state: EmulatorState) -> None:
    first = state.user_message(USER, text="hi")
    reply = state.bot_send(USER, text="hello")
    assert (first.message_id, reply.message_id) == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "   "}, "Bad Request: message text is empty"),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]}},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
)
def test_send_validation(state: EmulatorState, kwargs: dict[str, object], description: str) -> None:
    with pytest.raises(BotAPIError) as caught:
        state.bot_send(USER, **kwargs)  # type: ignore[arg-type]
    assert caught.value.description == description


def test_caption_limit(state: EmulatorState) -> None:
    photo = state.store_file(b"png", "photo")
    state.bot_send(USER, media_kind="photo", file=photo, caption="c" * 1024)
    with pytest.raises(BotAPIError, match="message caption is too long"):
        state.bot_send(USER, media_kind="photo", file=photo, caption="c" * 1025)


def test_edit_rules(state: EmulatorState) -> None:
    message = state.bot_send(USER, text="Q1", reply_markup=KEYBOARD)
    with pytest.raises(BotAPIError, match="message is not modified"):
        state.bot_edit(USER, message.message_id, "text", "Q1", reply_markup=KEYBOARD)
    # Same text without markup is a change: Telegram drops the keyboard.
    state.bot_edit(USER, message.message_id, "text", "Q1")
    assert message.reply_markup is None
    assert message.edited == 1
    with pytest.raises(BotAPIError, match="message to edit not found"):
        state.bot_edit(USER, 999, "text", "x")
    state.bot_delete(USER, message.message_id)
    assert message.deleted
    with pytest.raises(BotAPIError, match="message to edit not found"):
        state.bot_edit(USER, message.message_id, "text", "again")


def test_blocked_user_and_unknown_chat(state: EmulatorState) -> None:
    state.set_blocked(USER, True)
    with pytest.raises(BotAPIError) as caught:
        state.bot_send(USER, text="hi")
    assert (caught.value.status, caught.value.description) == (403, "Forbidden: bot was blocked by the user")
    with pytest.raises(BotAPIError, match="chat not found"):
        state.bot_send(2002, text="hi")


def test_callback_query_answers_once(state: EmulatorState) -> None:
    message = state.bot_send(USER, text="Q", reply_markup=KEYBOARD)
    query = state.open_callback_query(USER, USER, message.message_id, "ok")
    state.answer_callback_query(query.id, text="收到", show_alert=True)
    assert (query.answered, query.answer_text, query.show_alert) == (True, "收到", True)
    with pytest.raises(BotAPIError, match="query is too old"):
        state.answer_callback_query(query.id)


def test_reply_keyboard_is_chat_level(state: EmulatorState) -> None:
    state.bot_send(USER, text="share", reply_markup={"keyboard": [[{"text": "📞", "request_contact": True}]]})
    inline = state.bot_send(USER, text="rate", reply_markup=KEYBOARD)
    chat = state.chat(USER)
    assert resolve_button(chat, "ok").message is inline  # by callback data, newest keyboard
    target = resolve_button(chat, "📞")
    assert target.message is None and target.button.request_contact
    with pytest.raises(LookupError, match="visible"):
        resolve_button(chat, "nope")
    state.bot_send(USER, text="bye", reply_markup={"remove_keyboard": True})
    assert chat.reply_keyboard is None


def test_update_queue_confirms_by_offset_and_keeps_duplicates() -> None:
    queue = UpdateQueue(first_update_id=10)
    for _ in range(3):
        queue.push({"update_id": queue.next_id(), "message": {}})
    assert [u["update_id"] for u in queue.peek(2)] == [10, 11]
    queue.confirm(11)  # 10 confirmed
    assert [u["update_id"] for u in queue.peek(100)] == [11, 12]
    queue.push({"update_id": 11, "message": {}})  # Telegram re-sends an old update
    queue.confirm(13)  # the duplicate was never returned, so it stays
    assert [u["update_id"] for u in queue.peek(100)] == [11]
    queue.confirm(12)
    assert len(queue) == 0


def test_allowed_updates_and_command_entities() -> None:
    assert is_allowed({"update_id": 1, "message": {}}, [])
    assert not is_allowed({"update_id": 1, "chat_member": {}}, [])
    assert not is_allowed({"update_id": 1, "callback_query": {}}, ["message"])
    assert command_entities("/start ref_1 /help@t_bot") == [
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "bot_command", "offset": 13, "length": 11},
    ]
    assert command_entities("a/b") == []


def test_fault_plan_matches_method_and_counts_down() -> None:
    plan = FaultPlan()
    plan.add(Fault("sendMessage", 429, 3, 2))
    plan.add(Fault(None, 502, 0, 1))
    assert plan.take("getUpdates") is None  # "any method" never hits the polling loop
    first = plan.take("sendmessage")
    assert first is not None and first.body()["parameters"] == {"retry_after": 3}
    assert plan.take("sendMessage") is not None
    other = plan.take("sendMessage")
    assert other is not None and (other.status, other.description) == (502, "Bad Gateway")
    assert plan.take("sendMessage") is None
