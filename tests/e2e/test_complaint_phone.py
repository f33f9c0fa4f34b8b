"""The phone step of a complaint as the customer sees it: the share button, mistakes, leaving the step."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from tests.support.botapp import RunningBot

SHARE = "📱 分享我的手机号"
DESCRIPTION = "营业厅的自助机坏了，打印不出凭条，系统一直报错。"


def has_words(text: str) -> bool:
    """True when a text holds at least one letter or digit, not only emoji and punctuation."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def share_buttons(customer: Customer) -> list[str]:
    keyboard = customer.chat.reply_keyboard
    return [button.text for row in keyboard.rows for button in row] if keyboard else []


async def reach_phone_step(customer: Customer) -> None:
    await customer.send("/complain")
    await customer.send(DESCRIPTION)
    await customer.press("✅ 说完了")
    for label in ("👍 对，就是这个", "👍 对，就是这个", "轻微：有点不方便", "📞 需要联系我"):
        await customer.wait_for(lambda label=label: label in customer.buttons, what=label)
        await customer.press(label)
    await customer.wait_for(lambda: "请发送您的手机号码" in customer.last_text, what="phone prompt")


def assert_no_emoji_only_bubbles(customer: Customer) -> None:
    bare = [m.shown_text for m in customer.messages if m.shown_text and not has_words(m.shown_text)]
    assert bare == [], customer.transcript(20)


async def test_the_share_button_stays_through_a_mistyped_number_and_goes_with_the_step(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4021)
    await reach_phone_step(customer)
    # One 📱 on the button, and the message that brings it says where it is.
    assert share_buttons(customer) == [SHARE]
    hint = customer.messages[-2].shown_text
    assert hint == "点屏幕下方的「📱 分享我的手机号」即可一键分享号码。"
    assert "下方按钮" not in customer.last_text and "不留号码" in customer.buttons

    await customer.send("138 1234")
    assert "号码好像不太对" in customer.last_text
    assert share_buttons(customer) == [SHARE]  # still there to press

    await customer.press(SHARE)
    await customer.wait_for(lambda: "请核对您的投诉内容" in customer.last_text, what="summary")
    assert "已记下您的号码 +86 138****4021，只用于处理本次投诉。" in [m.shown_text for m in customer.messages]
    assert customer.chat.reply_keyboard is None
    assert_no_emoji_only_bubbles(customer)


@pytest.mark.parametrize(
    ("label", "outcome", "next_prompt"),
    [
        ("不留号码", "好的，不留号码，我们会在这里回复您。", "请核对您的投诉内容"),
        ("« 上一步", "好的，先不留号码。", "需要我们的工作人员联系您吗"),
    ],
)
async def test_leaving_the_phone_step_by_a_button_says_what_became_of_the_number(
    tingjian: RunningBot, emulator: BotAPIEmulator, label: str, outcome: str, next_prompt: str
) -> None:
    customer = emulator.customer(4022)
    await reach_phone_step(customer)
    await customer.press(label)
    await customer.wait_for(lambda: next_prompt in customer.last_text, what=next_prompt)
    assert customer.messages[-2].shown_text == outcome
    assert customer.chat.reply_keyboard is None
    assert_no_emoji_only_bubbles(customer)


def markups_sent_after(emulator: BotAPIEmulator, chat_id: int, seq: int) -> list[dict[str, Any]]:
    """The reply_markup of every message sent to a chat after call `seq`, in order ({} when none)."""
    found = []
    for call in list(emulator.state.calls):
        if call.seq <= seq or call.method != "sendMessage" or int(call.params.get("chat_id", 0)) != chat_id:
            continue
        markup = call.params.get("reply_markup") or {}
        found.append(json.loads(markup) if isinstance(markup, str) else markup)
    return found


@pytest.mark.parametrize(
    ("command", "then"),
    [("/cancel", "已退出"), ("/survey", "服务质量"), ("/start", "您好")],
)
async def test_leaving_the_phone_step_by_a_command_takes_the_share_button_away(
    tingjian: RunningBot, emulator: BotAPIEmulator, command: str, then: str
) -> None:
    customer = emulator.customer(4023)
    await reach_phone_step(customer)
    assert share_buttons(customer) == [SHARE]
    before = emulator.state.calls[-1].seq
    shown = len(customer.messages)
    await customer.send(command)
    await customer.wait_for(lambda: len(customer.messages) > shown + 1, what=f"the reply to {command}")
    first = customer.messages[shown]
    assert first.shown_text == "好的，先不留号码。"
    assert markups_sent_after(emulator, customer.user_id, before)[0] == {"remove_keyboard": True}
    assert customer.chat.reply_keyboard is None
    await customer.wait_for(lambda: then in customer.last_text, what=then)
    assert_no_emoji_only_bubbles(customer)
