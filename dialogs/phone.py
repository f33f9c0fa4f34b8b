"""Phone numbers a customer gives: normalised to one form for storage, masked for display."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# mobile, or an international number with its '+'), which two patterns say exactly.
_SEPARATORS: Final = re.compile(r"[\s\-().]")
_CHINESE_MOBILE: Final = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_INTERNATIONAL: Final = re.compile(r"\+([1-9]\d{6,14})")


def normalise_phone(text: str) -> str | None:
    """'+8613812345678' for a Chinese mobile, '+<digits>' for an international number, else None."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    mobile = _CHINESE_MOBILE.fullmatch(compact)
    if mobile:
        return "+86" + mobile.group(1)
    international = _INTERNATIONAL.fullmatch(compact)
    # A +86 number that is not a valid mobile is most likely a typo, not a landline.
    if international and not compact.startswith("+86"):
        return "+" + international.group(1)
    return None


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: '+86 138****5678', '+447****3456'."""
    if not phone:
        return ""
    if phone.startswith("+86") and len(phone) == 14:
        return f"+86 {phone[3:6]}****{phone[-4:]}"
    digits = phone.lstrip("+")
    shown = 4 if len(digits) >= 10 else 2
    return "+" + digits[:3] + "*" * max(len(digits) - 3 - shown, 1) + digits[-shown:]
