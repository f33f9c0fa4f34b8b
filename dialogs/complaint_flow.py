"""The complaint conversation as a pure state machine: (state, input) → Step.

describe → (one follow-up when too thin) → category → dimension → severity → contact → (phone)
→ confirm → done. The classifier, dimension suggester and thinness check are injected, so this
module never imports analysis/; the bot renders `Step.prompt` generically (see describe_prompt)
and stores the OpenTicket effect. Inputs and outputs are in :mod:`dialogs.complaint_io`, the
draft in :mod:`dialogs.complaint_state`, phone numbers in :mod:`dialogs.phone`; all are
importable from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from dialogs.complaint_io import (
    Attachment,
    Cancel,
    ChoiceButton,
    ComplaintInput,
    Contact,
    DiscardDraft,
    Done,
    Effect,
    Guess,
    Media,
    NewComplaint,
    OpenTicket,
    Press,
    Prompt,
    Text,
    describe_prompt,
)
from dialogs.complaint_state import FINISHED_STEPS, STEPS, ComplaintState
from dialogs.phone import mask_phone, normalise_phone
from dialogs.terms import CATEGORIES, DIMENSIONS, SEVERITIES

__all__ = [
    "ATTACHMENT_KINDS",
    "EXCERPT_LENGTH",
    "FINISHED_STEPS",
    "MAX_ATTACHMENTS",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_MESSAGE_LENGTH",
    "SHARE_CONTACT_LABEL",
    "STEPS",
    "Attachment",
    "Cancel",
    "ChoiceButton",
    "ComplaintFlow",
    "ComplaintInput",
    "ComplaintState",
    "Contact",
    "DiscardDraft",
    "Done",
    "Effect",
    "Guess",
    "Media",
    "NewComplaint",
    "OpenTicket",
    "Press",
    "Prompt",
    "Step",
    "Text",
    "describe_prompt",
    "excerpt",
    "mask_phone",
    "normalise_phone",
    "prompt_for",
]

ATTACHMENT_KINDS: Final = frozenset({"photo", "voice", "video", "video_note", "audio", "document"})
# Telegram's own message limit: a long paste arrives split into messages of this size, so keeping
# each one whole loses nothing.
MAX_MESSAGE_LENGTH: Final = 4096
# Bounds on what one draft holds, because the state lives in a database row between messages.
MAX_DESCRIPTION_LENGTH: Final = 20_000
MAX_ATTACHMENTS: Final = 20
EXCERPT_LENGTH: Final = 300
# Below this classifier confidence the customer is asked to pick between the two likeliest causes
# (one tap) instead of being shown a guess to confirm; the pick is kept as a label for retraining.
ASK_BELOW_CONFIDENCE: Final = 0.6

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
MORE_CATEGORIES: Final = "more"
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

Classify = Callable[[str], Guess]
SuggestDimension = Callable[[str, str], str | None]
IsThin = Callable[[str], bool]


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
            if (
                event.value == BACK
                and state.step == "category"
                and state.category_listed
                and _asks_to_pick(replace(state, category_listed=False))
            ):
                return _show(replace(state, category_listed=False))  # back to the two likeliest
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
        guess = self.classify(state.description) if state.description else Guess("other", 0.0)
        if guess.category not in CATEGORIES:
            guess = Guess("other", 0.0)
        return _show(
            replace(
                state,
                step="category",
                category_auto=guess.category,
                category_confidence=min(max(float(guess.confidence), 0.0), 1.0),
                category_runner_up=guess.runner_up if guess.runner_up in CATEGORIES else None,
                category_secondary=guess.secondary if guess.secondary in CATEGORIES else None,
                category_evidence=tuple(guess.evidence),
                classifier_version=guess.version,
                category_listed=False,
            )
        )

    def _category(self, state: ComplaintState, event: ComplaintInput) -> Step:
        chosen = _pressed(event)
        if chosen == MORE_CATEGORIES:
            return _show(replace(state, category_listed=True))
        if chosen == CONFIRM:
            chosen = state.category_auto
        if chosen not in CATEGORIES:
            return _stay(state, "complaint_use_buttons")
        if _asks_to_pick(state) and chosen in _two_likeliest(state):
            source: str | None = "customer_pick"
        else:
            source = None if chosen == state.category_auto else "customer"
        suggested = self.suggest_dimension(state.description, chosen)
        dimension_auto = suggested if suggested in DIMENSIONS else None
        return _show(
            replace(
                state,
                step="dimension",
                category=chosen,
                category_source=source,
                dimension_auto=dimension_auto,
            )
        )

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
    complaint = NewComplaint(
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
        category_secondary=state.category_secondary,
        category_evidence=state.category_evidence,
        classifier_version=state.classifier_version,
        label_source=state.category_source,
    )
    return OpenTicket(draft_id=state.draft_id, complaint=complaint)


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
    if state.category_listed or (
        state.category_confidence < ASK_BELOW_CONFIDENCE and not _asks_to_pick(state)
    ):
        # Nothing to propose (media only, an unreadable text): every category to choose from.
        every = [_button(c, f"complaint_btn_category_{c}") for c in CATEGORIES]
        return Prompt("complaint_category_pick", buttons=(*_rows(every, 2), _controls(state)))
    if _asks_to_pick(state):
        first, second = _two_likeliest(state)
        two = [_button(c, f"complaint_btn_category_{c}") for c in (first, second)]
        more = (_button(MORE_CATEGORIES, "complaint_btn_category_more"),)
        return Prompt("complaint_category_which", buttons=(*_rows(two, 1), more, _controls(state)))
    proposed = state.category_auto or "other"
    others = [_button(c, f"complaint_btn_category_{c}") for c in CATEGORIES if c != proposed]
    return Prompt(
        "complaint_category",
        buttons=((_button(CONFIRM, "complaint_btn_confirm"),), *_rows(others, 2), _controls(state)),
        key_values={"category": f"complaint_category_{proposed}"},
    )


def _asks_to_pick(state: ComplaintState) -> bool:
    """Unsure between two causes: the customer picks one instead of confirming a guess."""
    return (
        state.category_confidence < ASK_BELOW_CONFIDENCE
        and state.category_runner_up is not None
        and state.category_runner_up != state.category_auto
        and bool(state.description)
    )


def _two_likeliest(state: ComplaintState) -> tuple[str, str]:
    return (state.category_auto or "other", state.category_runner_up or "other")


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
