"""Local Telegram Bot API emulator: a real aiogram Bot talks to it over HTTP.

async with BotAPIEmulator() as emu:
    bot = emu.make_bot()
    customer = emu.customer(1001)
    await customer.send("/start")
"""

from .customer import Customer
from .emulator import DEFAULT_TOKEN, BotAPIEmulator
from .errors import BotAPIError
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
    "StoredFile",
    "User",
    "WebhookDelivery",
    "polling",
]
