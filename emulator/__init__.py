"""Local Telegram Bot API emulator: a real aiogram Bot talks to it over HTTP.

    async with BotAPIEmulator() as emu:           # 127.0.0.1, ephemeral port; emu.base_url
        bot = emu.make_bot()                      # aiogram Bot on AiohttpSession(api=emu.api_server)
        async with polling(emu, dispatcher, bot):  # dispatcher.start_polling in a task
            customer = emu.customer(1001)         # zh-hans by default
            await customer.send("/start")         # returns once the bot reacted
            await customer.press("4")             # inline (or reply-keyboard) button by text or data
            assert "谢谢" in customer.last_text

Layers: ``state`` (pure in-memory Telegram model), ``methods`` (Bot API methods over the state),
``emulator`` (updates, long polling, webhook, faults, waiting), ``flood`` (Telegram's
flood limits, off unless switched on), ``server``/``control`` (aiohttp routes
for /bot<token>/<method>, /file/bot<token>/<path> and the /_emulator JSON API), ``customer``.
"""

from .customer import Customer
from .emulator import DEFAULT_TOKEN, BotAPIEmulator
from .errors import BotAPIError
from .flood import FloodControl, FloodLimits, Limit
from .running import polling
from .state import ApiCall, Button, CallbackQueryRecord, Chat, ChatMessage, EmulatorState, StoredFile, User
from .webhook import SECRET_HEADER, WebhookDelivery

__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "ApiCall",
    "BotAPIEmulator",
    "BotAPIError",
    "Button",
    "CallbackQueryRecord",
    "Chat",
    "ChatMessage",
    "Customer",
    "EmulatorState",
    "FloodControl",
    "FloodLimits",
    "Limit",
    "StoredFile",
    "User",
    "WebhookDelivery",
    "polling",
]
