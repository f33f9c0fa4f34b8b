"""API keys: only their SHA-256 digests are kept; a presented key is hashed and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

HASHED = re.compile(r"^sha256:([0-9a-fA-F]{64})$")
MIN_LENGTH = 16


def digest(key: str) -> str:
    """The hex SHA-256 of a key (keys are long random strings, so a fast hash is enough).

    A header's bytes that are not UTF-8 reach us as lone surrogates (aiohttp decodes with
    surrogateescape); they are hashed as the bytes sent, so such a key is simply wrong, not a crash.
    """
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def parse_entry(entry: str) -> str:
    """One API_KEYS entry → its digest: 'sha256:<hex>' as given, a plaintext key hashed now."""
    entry = entry.strip()
    match = HASHED.match(entry)
    if match:
        return match.group(1).lower()
    if len(entry) < MIN_LENGTH:
        # The message must not repeat the key.
        raise ValueError(f"each key needs at least {MIN_LENGTH} characters (or give sha256:<64 hex>)")
    return digest(entry)


def matching(presented: str, digests: Iterable[str]) -> str | None:
    """The digest of `presented` if it is one of `digests` (compared in constant time), else None."""
    candidate = digest(presented)
    found = None
    for known in digests:
        if hmac.compare_digest(candidate, known):
            found = known
    return found


def new_key() -> tuple[str, str]:
    """A fresh random key and the line to put in API_KEYS instead of it."""
    key = secrets.token_urlsafe(32)
    return key, f"sha256:{digest(key)}"
