"""Telegram-flavoured HTML (``parse_mode=HTML``) to plain text plus message entities.

Hand-written on top of the stdlib ``html.parser`` because no maintained library validates the
exact tag subset Telegram accepts; rejecting what Telegram rejects is the point (a bot that forgets
to escape ``<`` in user text must fail here the way it would fail in production).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from .errors import bad_request

# Tag -> entity type; attributes are resolved in _entity_for.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED = {*_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    offset: int
    entity: dict[str, Any] | None


class _TelegramHTMLParser(HTMLParser):
    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=True)
        self.raw = raw
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []
        self.length = 0

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.raw.splitlines(keepends=True)
        consumed = "".join(lines[: line - 1]) + (lines[line - 1][:column] if lines else "")
        return len(consumed.encode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SUPPORTED:
            raise bad_request(
                f'can\'t parse entities: Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        self.stack.append(_Open(tag, self.length, _entity_for(tag, dict(attrs))))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].tag != tag:
            raise bad_request(
                f"can't parse entities: Unexpected end tag at byte offset {self._byte_offset()}"
            )
        opened = self.stack.pop()
        if opened.entity is not None and self.length > opened.offset:
            self.entities.append(
                {**opened.entity, "offset": opened.offset, "length": self.length - opened.offset}
            )

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)


def _entity_for(tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
    if tag in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[tag]}
    if tag == "a":
        return {"type": "text_link", "url": attrs.get("href") or ""}
    if tag == "span":
        return {"type": "spoiler"} if attrs.get("class") == "tg-spoiler" else None
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id") or ""}


def parse_html(raw: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for Telegram HTML; raises 400 like Telegram on bad markup."""
    parser = _TelegramHTMLParser(raw)
    parser.feed(raw)
    parser.close()
    if parser.stack:
        tag = parser.stack[-1].tag
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\"")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities
