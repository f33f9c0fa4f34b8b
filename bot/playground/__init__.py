"""The local playground: the real bot against a local Bot API server, with a Telegram-like chat page.

    tingjian playground [--host 127.0.0.1] [--port 8080] [--demo] [--allow-remote] [--api-port N]

``runner`` wires the pieces, ``web`` serves the page (``static/``) and the emulator's control API,
``people`` holds the admin and the customers, ``options`` the command-line options and the refusal
to serve beyond loopback, ``demo`` the generated history of --demo.
"""

from .options import DEFAULT_PORT, PlaygroundOptions, RemoteBindRefused, check_host, is_loopback
from .people import ADMIN_ID
from .runner import PlaygroundUnavailable, run_playground

__all__ = [
    "ADMIN_ID",
    "DEFAULT_PORT",
    "PlaygroundOptions",
    "PlaygroundUnavailable",
    "RemoteBindRefused",
    "check_host",
    "is_loopback",
    "run_playground",
]
