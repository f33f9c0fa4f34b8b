"""Admins find their commands in /help and in their own command menu; customers never see them."""

from __future__ import annotations

import json

from bot.app import build_bot, set_commands
from emulator.emulator import BotAPIEmulator
from tests.support.botapp import ADMIN_ID, RunningBot, bot_settings


async def test_help_lists_admin_commands_for_admins_only(
    tingjian: RunningBot, emulator: BotAPIEmulator
) -> None:
    customer = emulator.customer(4301)
    await customer.send("/help")
    assert "/survey" in customer.last_text and "/tickets" not in customer.last_text
    admin = emulator.customer(ADMIN_ID)
    await admin.send("/help")
    assert "/survey" in admin.last_text
    assert (
        "管理员还可以" in admin.last_text
        and "/tickets" in admin.last_text
        and "/classifier" in admin.last_text
    )


async def test_the_admin_menu_is_published_to_admins_chats_only(emulator: BotAPIEmulator) -> None:
    bot = build_bot(bot_settings(emulator))
    try:
        await set_commands(bot, {ADMIN_ID})
    finally:
        await bot.session.close()
    menus = {
        (json.loads(scope)["type"], language): commands
        for (scope, language), commands in emulator.state.commands.items()
    }
    everyone = [c["command"] for c in menus[("default", "")]]
    assert "survey" in everyone and "tickets" not in everyone
    scoped = {
        json.loads(scope).get("chat_id"): [c["command"] for c in commands]
        for (scope, language), commands in emulator.state.commands.items()
        if json.loads(scope)["type"] == "chat" and language == ""
    }
    assert set(scoped) == {ADMIN_ID}
    assert "tickets" in scoped[ADMIN_ID] and "classifier" in scoped[ADMIN_ID] and "survey" in scoped[ADMIN_ID]
