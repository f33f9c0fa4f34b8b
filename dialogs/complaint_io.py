"""What the complaint conversation takes in and gives out.

Inputs are what the customer sent (text, media, a contact, a button press, done, cancel); outputs
are the prompt to show (rendered by :func:`describe_prompt`) and the effects to persist (open a
ticket, discard the draft).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from dialogs.i18n import Language, t


# ---- inputs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A text message."""

    text: str


@dataclass(frozen=True)
class Media:
    """A photo, voice note, video, … kept by Telegram file id; `caption` is its text, if any."""

    kind: str
    file_id: str
    caption: str = ""


@dataclass(frozen=True)
class Contact:
    """A shared Telegram contact."""

    phone: str


@dataclass(frozen=True)
class Press:
    """An inline button: `step` is the step it was shown for, `value` the button's value."""

    step: str
    value: str


@dataclass(frozen=True)
class Done:
    """The customer has said everything (the same as pressing 'That's all')."""


@dataclass(frozen=True)
class Cancel:
    """Drop the complaint."""


ComplaintInput = Text | Media | Contact | Press | Done | Cancel


# ---- outputs ------------------------------------------------------------------------------------
class Attachment(NamedTuple):
    """A file sent with the complaint: (kind, Telegram file id)."""

    kind: str
    file_id: str


@dataclass(frozen=True)
class Guess:
    """What the injected classifier says about a description (plain data: dialogs import no analysis)."""

    category: str
    confidence: float
    runner_up: str | None = None  # the second likeliest category, offered beside `category` when unsure
    secondary: str | None = None  # a second cause the text names, if likely
    evidence: tuple[str, ...] = ()
    version: str | None = None


@dataclass(frozen=True)
class NewComplaint:
    """A complaint as the conversation (or the API) collected it: what storage keeps as a new ticket."""

    description: str
    category_auto: str
    category_confidence: float
    category: str
    dimension_auto: str | None
    dimension: str | None
    severity: str
    wants_contact: bool
    phone: str | None
    attachments: Sequence[tuple[str, str]] = ()  # (kind, Telegram file id), e.g. Attachment
    keywords: Sequence[str] = ()
    source_response_id: int | None = None
    category_secondary: str | None = None
    category_evidence: Sequence[str] = ()
    classifier_version: str | None = None
    # Set when the customer gave the category (changed the proposal, or picked when unsure):
    # "customer" or "customer_pick", stored as a label for retraining.
    label_source: str | None = None
    # A follow-up case (kind "follow_up") a low survey rating opened: the rating and its deadlines.
    kind: str = "complaint"
    rating_before: int | None = None
    revisit_due_at: datetime | None = None
    fix_due_at: datetime | None = None


@dataclass(frozen=True)
class OpenTicket:
    """Store the complaint as a new ticket."""

    draft_id: int
    complaint: NewComplaint


@dataclass(frozen=True)
class DiscardDraft:
    """The customer cancelled: forget the draft, store nothing."""

    draft_id: int


Effect = OpenTicket | DiscardDraft


@dataclass(frozen=True)
class ChoiceButton:
    """An inline button: `label` is a message key, or the label itself when `literal`."""

    label: str
    value: str
    literal: bool = False


@dataclass(frozen=True)
class Prompt:
    """What to show: a message key with its values, and rows of buttons.

    `values` fill placeholders literally; `key_values` fill placeholders with the text of another
    message key (a category name, …), translated with the same `values`. `asks_phone` tells the
    bot to offer Telegram's share-contact keyboard (labelled complaint_flow.SHARE_CONTACT_LABEL).
    """

    text_key: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: tuple[tuple[ChoiceButton, ...], ...] = ()
    key_values: dict[str, str] = field(default_factory=dict)
    asks_phone: bool = False


def describe_prompt(
    prompt: Prompt, language: Language
) -> tuple[str, tuple[tuple[tuple[str, str], ...], ...]]:
    """The prompt's text and its button rows as (label, value), in `language`."""
    values: dict[str, str] = dict(prompt.values)
    for name, key in prompt.key_values.items():
        values[name] = t(language, key, **prompt.values)
    text = t(language, prompt.text_key, **values)
    rows = tuple(
        tuple((b.label if b.literal else t(language, b.label), b.value) for b in row)
        for row in prompt.buttons
    )
    return text, rows
