"""The complaint conversation as a pure state machine: (state, input) → Step.

describe → (one follow-up when too thin) → category → dimension → severity → contact → (phone)
→ confirm → done. The classifier, dimension suggester and thinness check are injected, so this
module never imports analysis/; the bot renders `Step.prompt` generically (see describe_prompt)
and stores the OpenTicket effect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Final, NamedTuple

from dialogs.i18n import Language, t
from dialogs.tickets import SEVERITIES

CATEGORIES: Final = ("personnel", "process", "technology", "resources", "other")
DIMENSIONS: Final = ("functionality", "safety", "comfort", "responsiveness")
ATTACHMENT_KINDS: Final = frozenset({"photo", "voice", "video", "video_note", "audio", "document"})
STEPS: Final = (
    "describe",
    "follow_up",
    "category",
    "dimension",
    "severity",
    "contact",
    "phone",
    "confirm",
    "done",
    "cancelled",
)
FINISHED_STEPS: Final = frozenset({"done", "cancelled"})
# Telegram's own message limit: a long paste arrives split into messages of this size, so keeping
# each one whole loses nothing.
MAX_MESSAGE_LENGTH: Final = 4096
# Bounds on what one draft holds, because the state lives in a database row between messages.
MAX_DESCRIPTION_LENGTH: Final = 20_000
MAX_ATTACHMENTS: Final = 20
EXCERPT_LENGTH: Final = 300
# Below this classifier confidence the proposal is worded as a guess.
SURE_CONFIDENCE: Final = 0.5

# Button values that are not answers.
DONE: Final = "done"
CANCEL: Final = "cancel"
BACK: Final = "back"
CONFIRM: Final = "ok"
UNSURE: Final = "unsure"
YES: Final = "yes"
NO: Final = "no"
SKIP: Final = "skip"
SUBMIT: Final = "submit"
EDIT_CATEGORY: Final = "edit"
SHARE_CONTACT_LABEL: Final = (
    "complaint_btn_share_contact"  # the bot's reply-keyboard button on the phone step
)

_PREVIOUS: Final = {
    "category": "describe",
    "dimension": "category",
    "severity": "dimension",
    "contact": "severity",
    "phone": "contact",
    "confirm": "contact",
}

Classify = Callable[[str], tuple[str, float]]
SuggestDimension = Callable[[str, str], str | None]
IsThin = Callable[[str], bool]


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
class OpenTicket:
    """Store the complaint as a new ticket (fields as storage's NewComplaint)."""

    draft_id: int
    description: str
    attachments: tuple[Attachment, ...]
    category_auto: str
    category_confidence: float
    category: str
    dimension_auto: str | None
    dimension: str | None
    severity: str
    wants_contact: bool
    phone: str | None


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
    bot to offer Telegram's share-contact keyboard (labelled SHARE_CONTACT_LABEL).
    """

    text_key: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: tuple[tuple[ChoiceButton, ...], ...] = ()
    key_values: dict[str, str] = field(default_factory=dict)
    asks_phone: bool = False


@dataclass(frozen=True)
class ComplaintState:
    """A complaint draft: the step it is at and everything collected so far."""

    draft_id: int
    step: str = "describe"
    description: str = ""
    attachments: tuple[Attachment, ...] = ()
    asked_follow_up: bool = False
    category_auto: str | None = None
    category_confidence: float = 0.0
    category: str | None = None
    dimension_auto: str | None = None
    dimension: str | None = None
    severity: str | None = None
    wants_contact: bool | None = None
    phone: str | None = None
    reviewed: bool = False  # the summary was shown once: later edits return to it

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form for storage."""
        return {
            "draft_id": self.draft_id,
            "step": self.step,
            "description": self.description,
            "attachments": [list(a) for a in self.attachments],
            "asked_follow_up": self.asked_follow_up,
            "category_auto": self.category_auto,
            "category_confidence": self.category_confidence,
            "category": self.category,
            "dimension_auto": self.dimension_auto,
            "dimension": self.dimension,
            "severity": self.severity,
            "wants_contact": self.wants_contact,
            "phone": self.phone,
            "reviewed": self.reviewed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComplaintState:
        """Rebuild a state stored with to_json; raises ValueError for an unknown step."""
        if data["step"] not in STEPS:
            raise ValueError(f"unknown complaint step {data['step']!r}")
        return cls(
            draft_id=int(data["draft_id"]),
            step=str(data["step"]),
            description=str(data.get("description", "")),
            attachments=tuple(Attachment(str(k), str(f)) for k, f in data.get("attachments", ())),
            asked_follow_up=bool(data.get("asked_follow_up", False)),
            category_auto=data.get("category_auto"),
            category_confidence=float(data.get("category_confidence", 0.0)),
            category=data.get("category"),
            dimension_auto=data.get("dimension_auto"),
            dimension=data.get("dimension"),
            severity=data.get("severity"),
            wants_contact=data.get("wants_contact"),
            phone=data.get("phone"),
            reviewed=bool(data.get("reviewed", False)),
        )

    @property
    def finished(self) -> bool:
        """True once submitted or cancelled."""
        return self.step in FINISHED_STEPS


@dataclass(frozen=True)
class Step:
    """The flow's decision: the new state, what to show, and what to persist."""

    state: ComplaintState
    prompt: Prompt | None
    effects: tuple[Effect, ...] = ()
    notice: str | None = None  # a message key: a kind re-prompt or why nothing changed


# ---- the flow -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComplaintFlow:
    """The complaint conversation, with the text analysis it relies on injected."""

    classify: Classify
    suggest_dimension: SuggestDimension
    is_thin: IsThin

    def start(self, draft_id: int) -> Step:
        """Begin a new complaint draft: ask what happened."""
        state = ComplaintState(draft_id=draft_id)
        return Step(state, prompt_for(state))

    def handle(self, state: ComplaintState, event: ComplaintInput) -> Step:
        """Apply one customer input to the draft."""
        if state.finished:
            return Step(
                state, None, notice="complaint_old_button" if isinstance(event, Press) else "complaint_over"
            )
        if isinstance(event, Press):
            if event.step != state.step:
                return _stay(state, "complaint_old_button")
            if event.value == CANCEL:
                return _cancel(state)
            if event.value == BACK and state.step in _PREVIOUS:
                return _show(replace(state, step=_PREVIOUS[state.step]))
            if event.value == DONE:
                event = Done()
        if isinstance(event, Cancel):
            return _cancel(state)
        step_handlers: dict[str, Callable[[ComplaintState, ComplaintInput], Step]] = {
            "describe": self._describe,
            "follow_up": self._follow_up,
            "category": self._category,
            "dimension": self._dimension,
            "severity": _severity,
            "contact": _contact,
            "phone": _phone,
            "confirm": _confirm,
        }
        return step_handlers[state.step](state, event)

    def _describe(self, state: ComplaintState, event: ComplaintInput) -> Step:
        return _collecting(state, event, _acknowledged, self._described)

    def _described(self, state: ComplaintState) -> Step:
        if not state.description and not state.attachments:
            return _stay(state, "complaint_describe_empty")
        # Media alone says nothing the classifier can read, so it counts as thin.
        thin = not state.description or self.is_thin(state.description)
        if thin and not state.asked_follow_up:
            return _show(replace(state, step="follow_up", asked_follow_up=True))
        return self._to_category(state)

    def _follow_up(self, state: ComplaintState, event: ComplaintInput) -> Step:
        # Whatever the answer to the one follow-up is, it is kept and the flow moves on.
        return _collecting(state, event, self._to_category, self._to_category)

    def _to_category(self, state: ComplaintState) -> Step:
        category, confidence = self.classify(state.description) if state.description else ("other", 0.0)
        if category not in CATEGORIES:
            category, confidence = "other", 0.0
        confidence = min(max(float(confidence), 0.0), 1.0)
        return _show(replace(state, step="category", category_auto=category, category_confidence=confidence))

    def _category(self, state: ComplaintState, event: ComplaintInput) -> Step:
        chosen = _pressed(event)
        if chosen == CONFIRM:
            chosen = state.category_auto
        if chosen not in CATEGORIES:
            return _stay(state, "complaint_use_buttons")
        suggested = self.suggest_dimension(state.description, chosen)
        dimension_auto = suggested if suggested in DIMENSIONS else None
        return _show(replace(state, step="dimension", category=chosen, dimension_auto=dimension_auto))

    def _dimension(self, state: ComplaintState, event: ComplaintInput) -> Step:
        chosen = _pressed(event)
        if chosen == CONFIRM and state.dimension_auto is not None:
            chosen = state.dimension_auto
        if chosen != UNSURE and chosen not in DIMENSIONS:
            return _stay(state, "complaint_use_buttons")
        dimension = None if chosen == UNSURE else chosen
        return _show(replace(state, step=_after(state, "severity"), dimension=dimension))


def _collecting(
    state: ComplaintState,
    event: ComplaintInput,
    after_message: Callable[[ComplaintState], Step],
    after_done: Callable[[ComplaintState], Step],
) -> Step:
    """A step that takes messages (describe, follow-up): add one, or finish on Done."""
    if isinstance(event, Text | Media):
        added = _added(state, event)
        return _stay(state, added) if isinstance(added, str) else after_message(added)
    if isinstance(event, Done):
        return after_done(state)
    return _stay(
        state, "complaint_unsupported_kind" if isinstance(event, Contact) else "complaint_use_buttons"
    )


def _acknowledged(state: ComplaintState) -> Step:
    return Step(state, replace(_describe_prompt(state), text_key="complaint_received"))


def _severity(state: ComplaintState, event: ComplaintInput) -> Step:
    chosen = _pressed(event)
    if chosen not in SEVERITIES:
        return _stay(state, "complaint_use_buttons")
    return _show(replace(state, step=_after(state, "contact"), severity=chosen))


def _contact(state: ComplaintState, event: ComplaintInput) -> Step:
    chosen = _pressed(event)
    if chosen == YES:
        return _show(replace(state, step="phone"))
    if chosen == NO:
        return _to_confirm(state, wants_contact=False, phone=None)
    # A number sent straight away answers both questions at once.
    phone = _phone_of(event)
    if phone is not None:
        return _to_confirm(state, wants_contact=True, phone=phone)
    return _stay(state, "complaint_use_buttons")


def _phone(state: ComplaintState, event: ComplaintInput) -> Step:
    if _pressed(event) == SKIP:
        # Still contacted, through this chat.
        return _to_confirm(state, wants_contact=True, phone=None)
    if not isinstance(event, Text | Contact):
        return _stay(state, "complaint_phone_reprompt")
    phone = _phone_of(event)
    if phone is None:
        return _stay(state, "complaint_phone_invalid")
    return _to_confirm(state, wants_contact=True, phone=phone)


def _confirm(state: ComplaintState, event: ComplaintInput) -> Step:
    chosen = _pressed(event)
    if chosen == EDIT_CATEGORY:
        return _show(replace(state, step="category"))
    if chosen != SUBMIT:
        return _stay(state, "complaint_use_buttons")
    done = replace(state, step="done")
    return Step(done, None, (_ticket(done),))


def _ticket(state: ComplaintState) -> OpenTicket:
    if state.category_auto is None or state.category is None or state.severity is None:
        raise ValueError(f"complaint draft {state.draft_id} is incomplete at submission")
    return OpenTicket(
        draft_id=state.draft_id,
        description=state.description,
        attachments=state.attachments,
        category_auto=state.category_auto,
        category_confidence=state.category_confidence,
        category=state.category,
        dimension_auto=state.dimension_auto,
        dimension=state.dimension,
        severity=state.severity,
        wants_contact=bool(state.wants_contact),
        phone=state.phone,
    )


def _cancel(state: ComplaintState) -> Step:
    cancelled = replace(state, step="cancelled")
    return Step(cancelled, None, (DiscardDraft(state.draft_id),), notice="complaint_cancelled")


def _to_confirm(state: ComplaintState, *, wants_contact: bool, phone: str | None) -> Step:
    return _show(replace(state, step="confirm", wants_contact=wants_contact, phone=phone, reviewed=True))


def _after(state: ComplaintState, following: str) -> str:
    """The next step, or straight back to the summary when editing a reviewed draft."""
    return "confirm" if state.reviewed else following


def _added(state: ComplaintState, event: Text | Media) -> ComplaintState | str:
    """The draft with one more message in it, or the notice key saying why it was not taken."""
    attachments = state.attachments
    if isinstance(event, Media):
        if event.kind not in ATTACHMENT_KINDS:
            return "complaint_unsupported_kind"
        if len(attachments) >= MAX_ATTACHMENTS:
            return "complaint_description_full"
        attachments = (*attachments, Attachment(event.kind, event.file_id))
    text = (event.caption if isinstance(event, Media) else event.text).strip()[:MAX_MESSAGE_LENGTH]
    if not text and isinstance(event, Text):
        return "complaint_describe_empty"
    description = f"{state.description}\n{text}" if state.description and text else state.description + text
    if len(description) > MAX_DESCRIPTION_LENGTH:
        return "complaint_description_full"
    return replace(state, description=description, attachments=attachments)


def _pressed(event: ComplaintInput) -> str | None:
    return event.value if isinstance(event, Press) else None


def _phone_of(event: ComplaintInput) -> str | None:
    if isinstance(event, Text):
        return normalise_phone(event.text)
    if isinstance(event, Contact):
        # Telegram sends contact numbers without the '+', so try them as international too.
        return normalise_phone(event.phone) or normalise_phone("+" + event.phone.lstrip("+"))
    return None


def _show(state: ComplaintState) -> Step:
    return Step(state, prompt_for(state))


def _stay(state: ComplaintState, notice: str) -> Step:
    return Step(state, prompt_for(state), notice=notice)


# ---- prompts ------------------------------------------------------------------------------------
def prompt_for(state: ComplaintState) -> Prompt | None:
    """The prompt for the draft's current step (None once finished)."""
    builders: dict[str, Callable[[ComplaintState], Prompt]] = {
        "describe": _describe_prompt,
        "follow_up": _follow_up_prompt,
        "category": _category_prompt,
        "dimension": _dimension_prompt,
        "severity": _severity_prompt,
        "contact": _contact_prompt,
        "phone": _phone_prompt,
        "confirm": _confirm_prompt,
    }
    builder = builders.get(state.step)
    return builder(state) if builder else None


def _button(value: str, label: str) -> ChoiceButton:
    return ChoiceButton(label, value)


def _controls(state: ComplaintState) -> tuple[ChoiceButton, ...]:
    cancel = _button(CANCEL, "complaint_btn_cancel")
    return (_button(BACK, "complaint_btn_back"), cancel) if state.step in _PREVIOUS else (cancel,)


def _describe_prompt(state: ComplaintState) -> Prompt:
    if not state.description and not state.attachments:
        return Prompt("complaint_describe", buttons=(_controls(state),))
    return Prompt(
        "complaint_describe_more", buttons=((_button(DONE, "complaint_btn_done"),), _controls(state))
    )


def _follow_up_prompt(state: ComplaintState) -> Prompt:
    key = "complaint_follow_up" if state.description else "complaint_follow_up_media_only"
    return Prompt(key, buttons=((_button(DONE, "complaint_btn_done"),), _controls(state)))


def _category_prompt(state: ComplaintState) -> Prompt:
    proposed = state.category_auto or "other"
    sure = state.category_confidence >= SURE_CONFIDENCE
    others = [_button(c, f"complaint_btn_category_{c}") for c in CATEGORIES if c != proposed]
    return Prompt(
        "complaint_category" if sure else "complaint_category_unsure",
        buttons=((_button(CONFIRM, "complaint_btn_confirm"),), *_rows(others, 2), _controls(state)),
        key_values={"category": f"complaint_category_{proposed}"},
    )


def _dimension_prompt(state: ComplaintState) -> Prompt:
    proposed = state.dimension_auto
    choices = [_button(d, f"complaint_btn_dimension_{d}") for d in DIMENSIONS if d != proposed]
    rows = (*_rows(choices, 2), (_button(UNSURE, "complaint_btn_dimension_unsure"),), _controls(state))
    if proposed is None:
        return Prompt("complaint_dimension_pick", buttons=rows)
    return Prompt(
        "complaint_dimension",
        buttons=((_button(CONFIRM, "complaint_btn_confirm"),), *rows),
        key_values={"dimension": f"complaint_dimension_{proposed}"},
    )


def _severity_prompt(state: ComplaintState) -> Prompt:
    levels = tuple((_button(s, f"complaint_btn_severity_{s}"),) for s in SEVERITIES)
    return Prompt("complaint_severity", buttons=(*levels, _controls(state)))


def _contact_prompt(state: ComplaintState) -> Prompt:
    answers = (_button(YES, "complaint_btn_contact_yes"), _button(NO, "complaint_btn_contact_no"))
    return Prompt("complaint_contact", buttons=(answers, _controls(state)))


def _phone_prompt(state: ComplaintState) -> Prompt:
    skip = (_button(SKIP, "complaint_btn_skip_phone"),)
    return Prompt("complaint_phone", buttons=(skip, _controls(state)), asks_phone=True)


def _confirm_prompt(state: ComplaintState) -> Prompt:
    key_values = {
        "category": f"complaint_category_{state.category}",
        "dimension": f"complaint_dimension_{state.dimension or UNSURE}",
        "severity": f"complaint_severity_{state.severity}",
        "contact": _contact_key(state),
    }
    values = {"attachments": str(len(state.attachments)), "phone": mask_phone(state.phone or "")}
    if state.description:
        values["description"] = excerpt(state.description)
    else:
        key_values["description"] = "complaint_no_text"
    buttons = (
        (_button(SUBMIT, "complaint_btn_submit"),),
        (_button(EDIT_CATEGORY, "complaint_btn_edit_category"),),
        _controls(state),
    )
    return Prompt("complaint_confirm", values=values, buttons=buttons, key_values=key_values)


def _contact_key(state: ComplaintState) -> str:
    if not state.wants_contact:
        return "complaint_contact_no"
    return "complaint_contact_phone" if state.phone else "complaint_contact_chat"


def _rows(buttons: list[ChoiceButton], width: int) -> tuple[tuple[ChoiceButton, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """`text` cut to at most `limit` characters, marked with '…' when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


# ---- phone numbers ------------------------------------------------------------------------------
# Hand-written rather than the `phonenumbers` library: only two shapes are accepted (a Chinese
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
