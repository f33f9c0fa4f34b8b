"""A real aiogram Dispatcher + Bot long-polling the emulator over HTTP."""

from __future__ import annotations

import io

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from emulator import BotAPIEmulator, polling

USER = 1001


def rating_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=str(i), callback_data=f"score:{i}") for i in range(1, 6)]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def make_dispatcher(seen_update_ids: list[int], membership_log: list[str] | None = None) -> Dispatcher:
    """Echo for text, a rating keyboard on /rate whose press edits the message, media replies."""
    if membership_log is None:
        membership_log = []
    dp = Dispatcher()

    @dp.message(Command("rate"))
    async def ask_rating(message: Message) -> None:
        await message.answer("<b>请打分</b> 1–5", parse_mode="HTML", reply_markup=rating_keyboard())

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("欢迎")
        await message.answer("第二条")

    @dp.callback_query(F.data.startswith("score:"))
    async def rated(query: CallbackQuery) -> None:
        score = (query.data or "").split(":")[1]
        await query.answer(f"收到 {score}")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"您打了 {score} 分")

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo
        await message.answer(f"photo {message.photo[-1].file_id}")

    @dp.message(Command("phone"))
    async def ask_phone(message: Message) -> None:
        share = KeyboardButton(text="📞 分享手机号", request_contact=True)
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[share], [KeyboardButton(text="跳过")]], one_time_keyboard=True
        )
        await message.answer("请分享手机号", reply_markup=keyboard)

    @dp.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"contact {message.contact.phone_number}", reply_markup=ReplyKeyboardRemove())

    @dp.message(F.document)
    async def document(message: Message) -> None:
        assert message.document is not None
        await message.answer(f"document {message.document.file_name}")

    @dp.message(~F.text)
    async def other(message: Message) -> None:
        await message.answer("sticker" if message.sticker else "voice" if message.voice else "other")

    @dp.my_chat_member()
    async def membership(update: ChatMemberUpdated) -> None:
        membership_log.append(update.new_chat_member.status)

    @dp.message(F.text)
    async def echo(message: Message, event_update: Update) -> None:
        seen_update_ids.append(event_update.update_id)
        await message.answer(f"echo: {message.text}")

    return dp


async def test_text_round_trip(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER, first_name="小明")
    async with polling(emu, make_dispatcher([]), bot):
        replies = await customer.send("你好")
    assert [m.text for m in replies] == ["echo: 你好"]
    assert customer.last_text == "echo: 你好"
    assert [m.text for m in emu.state.chat(USER).user_messages] == ["你好"]


async def test_command_with_several_replies_and_quiet(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send("/start", quiet=0.1)
    assert [m.text for m in customer.messages] == ["欢迎", "第二条"]


async def test_button_press_edits_message_and_answer_is_recorded(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send("/rate")
        assert customer.buttons == ["1", "2", "3", "4", "5"]
        question = customer.last_message
        assert (
            question is not None
            and question.text == "<b>请打分</b> 1–5"
            and question.plain_text == "请打分 1–5"
        )
        await customer.press("4")
    assert question.text == "您打了 4 分"
    assert question.edited == 1
    assert question.reply_markup is None  # edit without markup drops the keyboard, like Telegram
    assert customer.buttons == []
    [answer] = customer.answers
    assert (answer.data, answer.answered, answer.answer_text, answer.show_alert) == (
        "score:4",
        True,
        "收到 4",
        False,
    )


async def test_pressing_a_button_on_an_old_keyboard(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send("/rate")
        old = customer.last_message
        await customer.send("/rate")
        newest = customer.last_message
        assert old is not None and newest is not None and old is not newest
        await customer.press("score:2", message=old)  # callback data works as a label too
    assert old.plain_text == "您打了 2 分"
    assert newest.plain_text == "请打分 1–5"


async def test_pressing_a_missing_button_fails_with_the_conversation(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send("/rate")
        with pytest.raises(AssertionError, match=r"no button '9'(.|\n)*请打分"):
            await customer.press("9")


async def test_media_from_the_customer(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send_sticker()
        assert customer.last_text == "sticker"
        await customer.send_voice()
        assert customer.last_text == "voice"
        await customer.send_document(b"%PDF", filename="发票.pdf")
        assert customer.last_text == "document 发票.pdf"
        await customer.send_contact("+8613800000001")
        assert customer.last_text == "contact +8613800000001"
        await customer.send_photo(b"\x89PNG fake")
    file_id = customer.last_text.removeprefix("photo ")
    assert await _download(bot, file_id) == b"\x89PNG fake"


async def test_reply_keyboard_contact_button(emu: BotAPIEmulator, bot: Bot) -> None:
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher([]), bot):
        await customer.send("/phone")
        assert customer.buttons == ["📞 分享手机号", "跳过"]
        await customer.press("📞 分享手机号")
    assert customer.last_text == f"contact +86138{USER:08d}"
    shared = emu.state.chat(USER).user_messages[-1]
    assert shared.contact is not None and shared.contact["user_id"] == USER
    assert customer.buttons == []  # the bot removed the reply keyboard


async def test_blocking_sends_my_chat_member_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    statuses: list[str] = []
    emu.user(USER)
    async with polling(emu, make_dispatcher([], statuses), bot):
        emu.block_user(USER)
        assert await emu.wait_until(lambda: statuses == ["kicked"])
        emu.unblock_user(USER)
        assert await emu.wait_until(lambda: statuses == ["kicked", "member"])


async def _download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    file = await bot.get_file(file_id)
    assert file.file_path is not None
    await bot.download_file(file.file_path, buffer)
    return buffer.getvalue()


async def test_duplicate_update_is_delivered_with_the_same_id(emu: BotAPIEmulator, bot: Bot) -> None:
    seen: list[int] = []
    customer = emu.customer(USER)
    async with polling(emu, make_dispatcher(seen), bot):
        await customer.send("once")
        [update_id] = seen
        emu.redeliver(update_id)
        await customer.wait_for(lambda: len(customer.messages) == 2, what="the duplicate's reply")
    assert seen == [update_id, update_id]
    assert [m.text for m in customer.messages] == ["echo: once", "echo: once"]


async def test_injected_429_raises_retry_after_then_recovers(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    emu.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "first")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in caught.value.message
    await bot.send_message(USER, "second")
    assert [m.text for m in emu.bot_messages(USER)] == ["second"]
    assert [c.status for c in emu.calls("sendMessage")] == [429, 200]


async def test_injected_server_error(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    emu.fail_next(status=502, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_chat_action(USER, "typing")
    assert await bot.send_chat_action(USER, "typing") is True


async def test_message_is_not_modified(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    sent = await bot.send_message(USER, "same", reply_markup=rating_keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "same", chat_id=USER, message_id=sent.message_id, reply_markup=rating_keyboard()
        )
    edited = await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id, reply_markup=None)
    assert isinstance(edited, Message) and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)


async def test_validation_errors_reach_aiogram(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "长" * 4097)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER, BufferedInputFile(b"x", "a.png"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "1 <x> 2", parse_mode="HTML")
    emu.block_user(USER, notify=False)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")


async def test_unknown_method_is_a_visible_404(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot.send_poll(USER, "Q?", options=["a", "b"])
    [call] = emu.calls("sendPoll")
    assert (call.status, call.description) == (404, "Not Found")


async def test_send_photo_and_document_bytes_are_recorded(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER)
    png = b"\x89PNG\r\n\x1a\n chart"
    sent = await bot.send_photo(
        USER, BufferedInputFile(png, filename="chart.png"), caption="<b>周报</b>", parse_mode="HTML"
    )
    await bot.send_document(USER, BufferedInputFile(b"a,b\n1,2\n", filename="report.csv"))
    photo, document = emu.bot_messages(USER)
    assert (photo.photo, photo.filename, photo.caption, photo.plain_caption) == (
        png,
        "chart.png",
        "<b>周报</b>",
        "周报",
    )
    assert (document.document, document.filename) == (b"a,b\n1,2\n", "report.csv")
    assert sent.photo is not None and sent.caption == "周报"
    assert await _download(bot, sent.photo[-1].file_id) == png
    # A file_id from an earlier upload can be sent again without re-uploading.
    again = await bot.send_photo(USER, sent.photo[-1].file_id)
    assert again.photo is not None and again.photo[-1].file_id == sent.photo[-1].file_id


async def test_bot_settings_methods(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(USER, first_name="小明", username="xm")
    await bot.set_my_commands([BotCommand(command="start", description="开始")], language_code="zh")
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start"]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == []
    assert await bot.set_chat_menu_button(chat_id=USER) is True
    chat = await bot.get_chat(USER)
    assert (chat.id, chat.type, chat.first_name, chat.username) == (USER, "private", "小明", "xm")
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456789, True, "tingjian_test_bot")
