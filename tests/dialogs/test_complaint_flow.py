"""The complaint conversation, without Telegram and without a database (fake text analysis injected)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

import dialogs.complaint_flow as complaint_flow
from dialogs.complaint_flow import (
    MAX_ATTACHMENTS,
    MAX_MESSAGE_LENGTH,
    SHARE_CONTACT_LABEL,
    Attachment,
    Cancel,
    ComplaintFlow,
    ComplaintInput,
    ComplaintState,
    Contact,
    DiscardDraft,
    Done,
    Guess,
    Media,
    NewComplaint,
    OpenTicket,
    Press,
    Prompt,
    Step,
    Text,
    describe_prompt,
    mask_phone,
    normalise_phone,
)
from dialogs.i18n import catalog
from dialogs.terms import CATEGORIES, DIMENSIONS, SEVERITIES

LOCALES = Path(complaint_flow.__file__).parent / "locales"


def fake_classify(text: str) -> Guess:
    if "态度" in text or "rude" in text:
        return Guess("personnel", 0.8, "resources", "resources", ("态度",), "v1")
    if "排队" in text or "queue" in text:
        return Guess("process", 0.7, "resources", None, ("排队",), "v1")
    return Guess("other", 0.2, "resources", None, (), "v1")


def fake_suggest(text: str, category: str) -> str | None:
    if "危险" in text:
        return "safety"
    return {"personnel": "comfort", "process": "responsiveness"}.get(category)


def fake_is_thin(text: str) -> bool:
    return len(text) < 15


FLOW = ComplaintFlow(fake_classify, fake_suggest, fake_is_thin)
# Fake inputs: a str means "press the button with this value on the current prompt".
Event = ComplaintInput | str

ZH_PARTS = ["今天下午在人民路营业厅，工作人员态度很差", "排队等了一个半小时，只开了一个窗口"]
EN_TEXT = "The staff at the Renmin Road branch were rude to me yesterday afternoon."


def offered(step: Step) -> list[str]:
    assert step.prompt is not None
    return [button.value for row in step.prompt.buttons for button in row]


def run(events: list[Event], flow: ComplaintFlow = FLOW, draft_id: int = 5) -> list[Step]:
    """Every step of a conversation, starting with the opening one; presses must be offered."""
    steps = [flow.start(draft_id)]
    for event in events:
        current = steps[-1]
        if isinstance(event, str):
            assert event in offered(current), (event, current.state.step)
            event = Press(current.state.step, event)
        steps.append(flow.handle(current.state, event))
    return steps


def last(events: list[Event], flow: ComplaintFlow = FLOW) -> Step:
    return run(events, flow)[-1]


def texts(step: Step, language: str = "zh") -> tuple[str, list[str]]:
    assert step.prompt is not None
    text, rows = describe_prompt(step.prompt, "zh" if language == "zh" else "en")
    return text, [label for row in rows for label, _ in row]


ZH_TO_CONFIRM: list[Event] = [
    Text(ZH_PARTS[0]),
    Media("photo", "AgADphoto1"),
    Text(ZH_PARTS[1]),
    "done",
    "process",  # the customer corrects the proposed 人员素质
    "ok",
    "medium",
    "yes",
    Text("138-1234-5678"),
]


def test_chinese_path_three_messages_with_a_photo_and_a_corrected_category() -> None:
    steps = run([*ZH_TO_CONFIRM, "submit"])
    opening = steps[0]
    assert opening.state.step == "describe"
    assert texts(opening)[0].startswith("📣 很抱歉")
    for acknowledged in steps[1:4]:
        assert acknowledged.prompt is not None and acknowledged.prompt.text_key == "complaint_received"
        assert texts(acknowledged)[1][0] == "✅ 说完了"
    assert steps[2].state.attachments == (Attachment("photo", "AgADphoto1"),)

    category = steps[4]
    assert category.state.step == "category"
    text, labels = texts(category)
    assert "「人员素质」" in text
    assert labels[0] == "👍 对，就是这个"
    assert "👤 人员素质（态度、专业、沟通）" not in labels  # the proposal is the confirm button
    assert "📋 流程规范（手续、排队、效率）" in labels

    dimension = steps[5]
    assert dimension.state.category == "process"
    assert "「响应性」" in texts(dimension)[0]

    phone = steps[8]
    assert phone.prompt is not None and phone.prompt.asks_phone
    assert "只用于处理本次投诉" in texts(phone)[0]

    confirm = steps[9]
    summary = texts(confirm)[0]
    for fragment in [
        "📎 附件：1 个",
        "问题类别：流程规范",
        "影响方面：响应性",
        "影响程度：一般",
        "+86 138****5678",
    ]:
        assert fragment in summary
    assert texts(confirm)[1][:2] == ["📨 提交", "✏️ 修改类别"]

    done = steps[10]
    assert done.state.step == "done" and done.prompt is None and done.notice is None
    assert done.effects == (
        OpenTicket(
            draft_id=5,
            complaint=NewComplaint(
                description="\n".join(ZH_PARTS),
                attachments=(Attachment("photo", "AgADphoto1"),),
                category_auto="personnel",
                category_confidence=0.8,
                category="process",
                dimension_auto="responsiveness",
                dimension="responsiveness",
                severity="medium",
                wants_contact=True,
                phone="+8613812345678",
                category_secondary="resources",
                category_evidence=("态度",),
                classifier_version="v1",
                label_source="customer",  # the customer changed personnel to process
            ),
        ),
    )


def test_english_path_with_unsure_dimension_and_no_contact() -> None:
    steps = run([Text(EN_TEXT), "done", "ok", "unsure", "high", "no"])
    category_text, category_labels = texts(steps[2], "en")
    assert category_text.startswith('From your description, this looks like a "Staff" issue.')
    assert category_labels[0] == "👍 Yes, that's it"
    assert "💬 Other" in category_labels

    dimension_text, dimension_labels = texts(steps[3], "en")
    assert '"comfort"' in dimension_text
    assert "🤷 Not sure" in dimension_labels

    summary = texts(steps[6], "en")[0]
    for fragment in ["Category: Staff", "Aspect affected: not sure", "Impact: serious", "Contact you: No"]:
        assert fragment in summary
    ticket = run([Text(EN_TEXT), "done", "ok", "unsure", "high", "no", "submit"])[-1].effects[0]
    assert isinstance(ticket, OpenTicket)
    complaint = ticket.complaint
    assert (complaint.dimension_auto, complaint.dimension, complaint.wants_contact, complaint.phone) == (
        "comfort",
        None,
        False,
        None,
    )


def test_thin_description_gets_exactly_one_follow_up_and_the_answer_is_appended() -> None:
    steps = run([Text("太差了"), "done", Text("在人民路"), "back", "done"])
    assert steps[2].state.step == "follow_up"
    assert steps[2].prompt is not None and steps[2].prompt.text_key == "complaint_follow_up"
    assert "在哪里、大概什么时间、是哪项服务" in texts(steps[2])[0]
    # Still thin after the follow-up, but it is never asked again.
    assert steps[3].state.step == "category"
    assert steps[3].state.description == "太差了\n在人民路"
    assert steps[4].state.step == "describe"
    assert steps[5].state.step == "category"


def test_done_again_on_the_follow_up_moves_on() -> None:
    step = last([Text("太差了"), "done", "done"])
    assert step.state.step == "category" and step.state.description == "太差了"


def test_media_only_gets_the_media_follow_up_and_a_photo_there_also_moves_on() -> None:
    steps = run([Media("voice", "AwADvoice"), Done(), Media("photo", "AgADp", caption="就是这里")])
    assert steps[2].prompt is not None and steps[2].prompt.text_key == "complaint_follow_up_media_only"
    assert steps[3].state.step == "category"
    assert steps[3].state.description == "就是这里"
    assert [a.kind for a in steps[3].state.attachments] == ["voice", "photo"]


def test_a_full_description_is_not_followed_up() -> None:
    assert last([Text(ZH_PARTS[0]), Done()]).state.step == "category"


def test_media_only_without_follow_up_text_proposes_other_without_asking_the_classifier() -> None:
    def refusing_classify(text: str) -> Guess:
        raise AssertionError("classify needs text")

    flow = ComplaintFlow(refusing_classify, fake_suggest, fake_is_thin)
    step = last([Media("photo", "AgADp"), "done", "done"], flow)
    assert (step.state.category_auto, step.state.category_confidence) == ("other", 0.0)
    assert step.prompt is not None and step.prompt.text_key == "complaint_category_pick"
    assert set(CATEGORIES) <= set(offered(step))


def test_done_with_nothing_said_asks_for_a_description() -> None:
    steps = run([Done()])
    assert steps[1].notice == "complaint_describe_empty"
    assert steps[1].state == steps[0].state


@pytest.mark.parametrize("kind", ["sticker", "location", "other"])
def test_unsupported_kinds_are_reprompted_and_change_nothing(kind: str) -> None:
    steps = run([Text(ZH_PARTS[0]), Media(kind, "CAAD")])
    assert steps[2].notice == "complaint_unsupported_kind"
    assert steps[2].state == steps[1].state
    assert "照片、语音或视频" in catalog("zh")["complaint_unsupported_kind"]


def test_long_text_is_kept_whole_up_to_telegrams_message_limit() -> None:
    exact = "长" * MAX_MESSAGE_LENGTH
    assert last([Text(exact)]).state.description == exact
    assert last([Text(exact + "多")]).state.description == exact


def test_a_draft_stops_growing_at_its_bounds() -> None:
    photos: list[Event] = [Media("photo", f"id{i}") for i in range(MAX_ATTACHMENTS + 1)]
    step = last(photos)
    assert len(step.state.attachments) == MAX_ATTACHMENTS
    assert step.notice == "complaint_description_full"
    big = last([Text("长" * MAX_MESSAGE_LENGTH)] * 6)
    assert big.notice == "complaint_description_full"
    assert len(big.state.description) < 6 * MAX_MESSAGE_LENGTH


def test_unknown_classifier_output_and_confidence_are_kept_in_range() -> None:
    flow = ComplaintFlow(lambda text: Guess("weather", 3.0), lambda text, category: "mood", fake_is_thin)
    steps = run([Text(ZH_PARTS[0]), "done", "other"], flow)
    assert (steps[2].state.category_auto, steps[2].state.category_confidence) == ("other", 0.0)
    assert steps[3].state.dimension_auto is None
    assert steps[3].prompt is not None and steps[3].prompt.text_key == "complaint_dimension_pick"
    assert "ok" not in offered(steps[3])
    assert set(DIMENSIONS) < set(offered(steps[3]))


def test_when_unsure_the_customer_picks_between_the_two_likeliest_causes() -> None:
    step = last([Text("服务不好，我在人民路营业厅等了很久"), "done"])
    assert step.prompt is not None and step.prompt.text_key == "complaint_category_which"
    assert offered(step)[:3] == ["other", "resources", "more"]
    assert "哪方面" in texts(step)[0]
    picked = last([Text("服务不好，我在人民路营业厅等了很久"), "done", "resources"])
    assert (picked.state.category, picked.state.category_source) == ("resources", "customer_pick")
    assert picked.state.step == "dimension"


def test_neither_of_the_two_shows_every_cause_and_the_choice_is_a_correction() -> None:
    steps = run([Text("服务不好，我在人民路营业厅等了很久"), "done", "more", "technology"])
    assert steps[3].prompt is not None and steps[3].prompt.text_key == "complaint_category_pick"
    assert set(CATEGORIES) <= set(offered(steps[3]))
    assert (steps[4].state.category, steps[4].state.category_source) == ("technology", "customer")


def test_back_from_every_cause_returns_to_the_two_likeliest() -> None:
    steps = run([Text("服务不好，我在人民路营业厅等了很久"), "done", "more", "back"])
    assert steps[4].state.step == "category" and not steps[4].state.category_listed
    assert steps[4].prompt is not None and steps[4].prompt.text_key == "complaint_category_which"


def test_a_confirmed_proposal_is_no_label_and_a_changed_one_is() -> None:
    confirmed = last([Text(ZH_PARTS[0]), "done", "ok"])
    assert (confirmed.state.category, confirmed.state.category_source) == ("personnel", None)
    changed = last([Text(ZH_PARTS[0]), "done", "process"])
    assert (changed.state.category, changed.state.category_source) == ("process", "customer")


def test_a_confirmed_category_opens_a_ticket_with_no_label() -> None:
    steps = run([Text(EN_TEXT), "done", "ok", "unsure", "high", "no", "submit"])
    (ticket,) = steps[-1].effects
    assert isinstance(ticket, OpenTicket)
    complaint = ticket.complaint
    assert (complaint.category, complaint.label_source, complaint.classifier_version) == (
        "personnel",
        None,
        "v1",
    )


def test_a_typed_answer_on_a_button_step_is_reprompted() -> None:
    steps = run([Text(ZH_PARTS[0]), "done", Text("流程")])
    assert steps[3].notice == "complaint_use_buttons"
    assert steps[3].state == steps[2].state


def test_edit_category_goes_back_to_step_three_and_returns_to_the_summary() -> None:
    steps = run([*ZH_TO_CONFIRM, "edit", "technology", "unsure"])
    assert steps[10].state.step == "category"
    assert steps[11].state.step == "dimension"
    assert steps[12].state.step == "confirm"
    assert (steps[12].state.category, steps[12].state.dimension, steps[12].state.severity) == (
        "technology",
        None,
        "medium",
    )
    assert "问题类别：技术水平" in texts(steps[12])[0]


def test_back_goes_to_the_previous_step() -> None:
    steps = run([Text(ZH_PARTS[0]), "done", "ok", "ok", "back", "back", "back"])
    assert [s.state.step for s in steps[4:]] == ["severity", "dimension", "category", "describe"]
    assert steps[-1].prompt is not None and steps[-1].prompt.text_key == "complaint_describe_more"
    assert "back" not in offered(steps[0])


def test_confirm_summary_cuts_the_description_to_300_characters() -> None:
    long_text = "排队" * 400
    step = last([Text(long_text), "done", "ok", "ok", "low", "no"])
    assert step.prompt is not None
    excerpt = step.prompt.values["description"]
    assert len(excerpt) == 300 and excerpt.endswith("…")
    assert excerpt[:-1] == long_text[:299]


def test_summary_of_media_only_says_there_is_no_text() -> None:
    step = last([Media("photo", "p"), "done", "done", "other", "unsure", "low", "no"])
    assert "描述：（只有附件，没有文字）" in texts(step)[0]


# ---- phone --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits
        ("+44 7911 123456", "+447911123456"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+1234567", "+1234567"),
        ("12812345678", None),  # no Chinese mobile starts 12
        ("1381234567", None),  # one digit short
        ("138123456789", None),  # one digit long
        ("+86 1381234567", None),  # +86 but not a mobile: a typo
        ("+123456", None),  # too short
        ("+1234567890123456", None),  # too long
        ("+0123456789", None),
        ("7911123456", None),  # international without its +
        ("call me", None),
        ("", None),
    ],
)
def test_normalise_phone(typed: str, expected: str | None) -> None:
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+8613812345678", "+86 138****5678"),
        ("+447911123456", "+447*****3456"),
        ("+1234567", "+123**67"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


TO_PHONE: list[Event] = [Text(ZH_PARTS[0]), "done", "ok", "ok", "high", "yes"]


def test_an_invalid_number_is_reprompted_with_an_example() -> None:
    steps = run([*TO_PHONE, Text("12345")])
    assert steps[-1].notice == "complaint_phone_invalid"
    assert steps[-1].state == steps[-2].state
    assert "例如 138 1234 5678" in catalog("zh")["complaint_phone_invalid"]


def test_a_photo_on_the_phone_step_is_reprompted() -> None:
    step = last([*TO_PHONE, Media("photo", "p")])
    assert step.notice == "complaint_phone_reprompt" and step.state.step == "phone"


@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ("8613812345678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("447911123456", "+447911123456"),
    ],
)
def test_a_shared_contact_is_accepted(shared: str, expected: str) -> None:
    step = last([*TO_PHONE, Contact(shared)])
    assert (step.state.step, step.state.wants_contact, step.state.phone) == ("confirm", True, expected)


def test_skipping_the_number_still_means_replying_in_the_chat() -> None:
    step = last([*TO_PHONE, "skip"])
    assert (step.state.step, step.state.wants_contact, step.state.phone) == ("confirm", True, None)
    assert "是否联系您：需要，在这里回复我" in texts(step)[0]


def test_a_number_typed_on_the_contact_question_answers_it() -> None:
    step = last([*TO_PHONE[:-1], Text("13812345678")])
    assert (step.state.step, step.state.phone) == ("confirm", "+8613812345678")


def test_the_share_contact_label_exists() -> None:
    assert catalog("zh")[SHARE_CONTACT_LABEL] == "📱 分享我的手机号"


# ---- cancel, old buttons, finished drafts -------------------------------------------------------
PATH_THROUGH_EVERY_STEP: list[Event] = [
    Text("太差了"),
    "done",
    Text(ZH_PARTS[0]),
    "ok",
    "ok",
    "low",
    "yes",
    "skip",
]


@pytest.mark.parametrize("how", ["command", "button"])
def test_cancel_at_any_step_drops_the_draft(how: str) -> None:
    steps = run(PATH_THROUGH_EVERY_STEP)
    seen = {s.state.step for s in steps}
    assert seen == set(complaint_flow.STEPS) - complaint_flow.FINISHED_STEPS
    for step in steps:
        event: ComplaintInput = Cancel() if how == "command" else Press(step.state.step, "cancel")
        if how == "button":
            assert "cancel" in offered(step)
        cancelled = FLOW.handle(step.state, event)
        assert cancelled.state.step == "cancelled"
        assert cancelled.effects == (DiscardDraft(5),)
        assert cancelled.notice == "complaint_cancelled" and cancelled.prompt is None
        assert "没有保存任何内容" in catalog("zh")["complaint_cancelled"]


def test_a_button_from_an_earlier_step_changes_nothing() -> None:
    steps = run([Text(ZH_PARTS[0]), "done", "ok"])
    stale = FLOW.handle(steps[-1].state, Press("category", "process"))
    assert stale.notice == "complaint_old_button"
    assert stale.state == steps[-1].state
    assert stale.prompt == steps[-1].prompt


def test_after_submission_buttons_are_old_and_messages_are_answered() -> None:
    done = last([*ZH_TO_CONFIRM, "submit"])
    again = FLOW.handle(done.state, Press("confirm", "submit"))
    assert (again.notice, again.effects, again.state) == ("complaint_old_button", (), done.state)
    typed = FLOW.handle(done.state, Text("还有一件事"))
    assert (typed.notice, typed.effects, typed.prompt) == ("complaint_over", (), None)


# ---- persistence --------------------------------------------------------------------------------
def test_every_state_round_trips_through_json() -> None:
    for step in run([*ZH_TO_CONFIRM, "edit", "ok", "ok", "submit"]) + run(PATH_THROUGH_EVERY_STEP):
        stored = json.loads(json.dumps(step.state.to_json(), ensure_ascii=False))
        assert ComplaintState.from_json(stored) == step.state


def test_a_resumed_state_continues_the_conversation() -> None:
    halfway = run(ZH_TO_CONFIRM[:5])[-1]
    resumed = ComplaintState.from_json(json.loads(json.dumps(halfway.state.to_json())))
    assert FLOW.handle(resumed, Press("dimension", "ok")).state.dimension == "responsiveness"


def test_an_unknown_stored_step_is_refused() -> None:
    data = ComplaintState(draft_id=1).to_json()
    data["step"] = "limbo"
    with pytest.raises(ValueError, match="limbo"):
        ComplaintState.from_json(data)


# ---- texts --------------------------------------------------------------------------------------
def complaint_catalog(language: str) -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load((LOCALES / language / "complaint.yaml").read_text("utf-8"))
    return loaded


def test_complaint_locale_files_have_the_same_keys_and_all_are_prefixed() -> None:
    zh, en = complaint_catalog("zh"), complaint_catalog("en")
    assert set(zh) == set(en)
    assert all(key.startswith(("complaint_", "ticket_")) for key in zh)


def keys_of(prompt: Prompt | None) -> set[str]:
    if prompt is None:
        return set()
    labels = {b.label for row in prompt.buttons for b in row if not b.literal}
    return {prompt.text_key, *prompt.key_values.values(), *labels}


def test_every_key_the_flow_uses_exists_in_both_languages() -> None:
    paths: list[list[Event]] = [
        [*ZH_TO_CONFIRM, "edit", "ok", "ok", "submit"],
        [*PATH_THROUGH_EVERY_STEP, "submit"],
        [Media("photo", "p"), Media("sticker", "s"), "done", "done", "resources", "unsure", "high", "no"],
        [
            Done(),
            Text(ZH_PARTS[0]),
            "done",
            Text("x"),
            "ok",
            "ok",
            "low",
            "yes",
            Text("1"),
            Media("photo", "p"),
        ],
        [Text(ZH_PARTS[0]), "done", Press("describe", "done"), Cancel(), Text("again")],
    ]
    used: set[str] = set()
    for path in paths:
        for step in run(path):
            used |= keys_of(step.prompt) | ({step.notice} if step.notice else set())
    # Keys built from a vocabulary, for every member, and every literal key in the module.
    used |= {f"complaint_category_{c}" for c in CATEGORIES} | {
        f"complaint_btn_category_{c}" for c in CATEGORIES
    }
    used |= {f"complaint_dimension_{d}" for d in DIMENSIONS} | {
        f"complaint_btn_dimension_{d}" for d in DIMENSIONS
    }
    used |= {f"complaint_severity_{s}" for s in SEVERITIES} | {
        f"complaint_btn_severity_{s}" for s in SEVERITIES
    }
    source = Path(complaint_flow.__file__).read_text("utf-8")
    used |= {key for key in re.findall(r'"(complaint_\w+)"', source) if not key.endswith("_")}
    used.add("complaint_submitted")
    for language in ("zh", "en"):
        assert used <= set(catalog(language)), sorted(used - set(catalog(language)))
    assert len(used) > 50


def test_submitted_confirmation_takes_ticket_and_hours() -> None:
    assert (
        catalog("zh")["complaint_submitted"]
        .format(ticket="TJ-000123", hours=4)
        .startswith("✅ 投诉已提交，工单号：TJ-000123\n我们会在 4 小时内回复您")
    )
    assert "within 4 hours" in catalog("en")["complaint_submitted"].format(ticket="TJ-000123", hours=4)


def test_literal_button_labels_are_shown_as_given() -> None:
    prompt = Prompt(
        "complaint_contact", buttons=((complaint_flow.ChoiceButton("TJ-000123", "t", literal=True),),)
    )
    assert describe_prompt(prompt, "en") == (
        "Would you like a member of our staff to contact you?",
        ((("TJ-000123", "t"),),),
    )


def test_vocabularies_match_the_classifier() -> None:
    from analysis.complaints import CATEGORIES as ANALYSIS_CATEGORIES
    from analysis.complaints import DIMENSIONS as ANALYSIS_DIMENSIONS

    assert CATEGORIES == ANALYSIS_CATEGORIES
    assert DIMENSIONS == ANALYSIS_DIMENSIONS
