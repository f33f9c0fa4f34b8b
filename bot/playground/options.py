"""What the playground is asked to do, and the refusal to serve it beyond this machine unless told to."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bot.config import ConfigError

DEFAULT_PORT = 8080
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True)
class PlaygroundOptions:
    """Where the page is served and what to prepare (command-line options of `tingjian playground`)."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow_remote: bool = False
    demo: bool = False
    api_port: int = 0  # the local Bot API server's port; 0 picks a free one


class RemoteBindRefused(ConfigError):
    """The page would be reachable from other machines and --allow-remote was not given."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(options: PlaygroundOptions) -> None:
    """Refuse a non-loopback address unless ``allow_remote``: the page acts as any customer and the admin."""
    if options.allow_remote or is_loopback(options.host):
        return
    raise RemoteBindRefused(
        f"refusing to serve the playground on {options.host}: anyone who can reach it could act as "
        "any customer and as the admin. Use a loopback address such as 127.0.0.1, "
        "or add --allow-remote if you really mean to share it."
    )


def page_url(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard bind is shown as 127.0.0.1)."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"
