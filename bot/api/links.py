"""Deep links that tie a Telegram user to an operator's customer id: t.me/<bot>?start=link<sig>_<id>.

The signature (HMAC with the bot token) keeps people from linking themselves to someone else's id
by guessing it; the operator's system gets ready-made links from POST /api/v1/customer-links.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "link"
SIGNATURE_LENGTH = 12
EXTERNAL_ID = r"^[A-Za-z0-9_-]{1,40}$"  # Telegram allows 64 characters of A–Z a–z 0–9 _ - in a start link
_PARAMETER = re.compile(rf"^{PREFIX}([0-9a-f]{{{SIGNATURE_LENGTH}}})_([A-Za-z0-9_-]{{1,40}})$")


def _signature(secret: str, external_id: str) -> str:
    mac = hmac.new(secret.encode(), f"tingjian-link:{external_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:SIGNATURE_LENGTH]


def start_parameter(secret: str, external_id: str) -> str:
    """The /start payload that links whoever opens it to `external_id`."""
    return f"{PREFIX}{_signature(secret, external_id)}_{external_id}"


def linked_id(secret: str, parameter: str) -> str | None:
    """The external id a /start payload carries, if its signature is right."""
    match = _PARAMETER.match(parameter)
    if match is None:
        return None
    signature, external_id = match.groups()
    return external_id if hmac.compare_digest(signature, _signature(secret, external_id)) else None


def is_link(parameter: str | None) -> bool:
    """Whether a /start payload is a customer link (valid or not)."""
    return parameter is not None and parameter.startswith(PREFIX)
