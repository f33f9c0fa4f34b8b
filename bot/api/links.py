"""Deep links that tie a Telegram user to an operator's customer id: t.me/<bot>?start=link<token>.

The token is random and stored (storage.customer_links): the first Telegram user to open the link
is bound to the operator's id, nobody after them, and only until the link expires
(CUSTOMER_LINK_DAYS). The operator's system gets links from POST /api/v1/customer-links.
"""

from __future__ import annotations

import re

PREFIX = "link"
EXTERNAL_ID = r"^[A-Za-z0-9_-]{1,40}$"
_PARAMETER = re.compile(rf"^{PREFIX}([A-Za-z0-9_-]{{16,32}})$")


def start_parameter(token: str) -> str:
    """The /start payload for a link's token."""
    return f"{PREFIX}{token}"


def token_of(parameter: str) -> str | None:
    """The token a /start payload carries, if it has a token's shape."""
    match = _PARAMETER.match(parameter)
    return match.group(1) if match else None


def is_link(parameter: str | None) -> bool:
    """Whether a /start payload is a customer link (valid or not)."""
    return parameter is not None and parameter.startswith(PREFIX)
