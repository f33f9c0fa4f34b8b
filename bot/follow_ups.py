"""The closed loop after a low rating: the case a completed survey opens by itself, the labels its
reasons give the classifier, and what the customer and the admins are told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiogram import Bot

from bot import classifier_loading
from bot.config import Settings
from bot.tickets import category_name, tell_admins
from dialogs.complaint_flow import excerpt
from dialogs.complaint_io import NewComplaint
from dialogs.follow_up import (
    FollowUpRules,
    comment_text,
    label_category,
    low_rating,
    picked_reasons,
    reasons_category,
    weakest_dimension,
)
from dialogs.i18n import Language, t
from dialogs.survey_flow import SurveyState
from dialogs.tickets import ticket_number
from dialogs.working_days import WorkingCalendar
from storage.customers import Customer
from storage.models import Complaint
from storage.surveys import StoredSurvey
from storage.unit_of_work import UnitOfWork

REASON_LABEL_SOURCE = "customer_reason"


def rules_of(settings: Settings) -> FollowUpRules:
    """The operator's closed-loop settings."""
    return FollowUpRules(
        threshold=settings.follow_up_threshold,
        revisit_days=settings.follow_up_revisit_days,
        fix_days=settings.follow_up_fix_days,
        calendar=settings.working_calendar(),
    )


async def after_survey(
    uow: UnitOfWork, customer: Customer, stored: StoredSurvey, state: SurveyState, rules: FollowUpRules
) -> Complaint | None:
    """On completion: store the reasons picked, open a follow-up case when the rating is low enough,
    and keep the comment with the reasons as a classifier label (one category only). Returns the case,
    if one opened."""
    survey = stored.survey
    # Answers left behind by Back (a low score raised again) no longer count.
    answers = {key: answer for key, answer in state.answers.items() if key in state.path}
    reasons = picked_reasons(survey, answers)
    await uow.follow_ups.set_reasons(state.response_id, reasons)
    categories = [category for _, category in reasons]
    text = comment_text(survey, answers)
    guess = None
    if text.strip():
        await classifier_loading.ready()  # loaded in the background at start; waits only that long
        from analysis.complaints import classify

        guess = classify(text)
    case = None
    rating = low_rating(survey, answers, rules.threshold)
    if rating is not None:
        dimension = weakest_dimension(survey, answers)
        new = NewComplaint(
            description=text,
            category_auto=guess.category if guess else "other",
            category_confidence=guess.confidence if guess else 0.0,
            category=reasons_category(categories) or (guess.category if guess else "other"),
            dimension_auto=dimension,
            dimension=dimension,
            severity="medium",  # a case's deadlines are its own working days, not a severity's SLA
            wants_contact=True,  # the revisit is the contact, in this chat
            phone=None,
            source_response_id=state.response_id,
            category_secondary=guess.secondary if guess else None,
            category_evidence=guess.evidence if guess else (),
            classifier_version=guess.model_version if guess else None,
            rating_before=rating,
        )
        case = await uow.follow_ups.open_case(customer.id, customer.language, new, rules)
        if guess:
            await uow.complaints.queue_keywords(case)  # extracted by a worker (bot/jobs/keywords.py)
    label = label_category(categories)
    if label is not None:
        uow.complaints.keep_label(
            text,
            label,
            REASON_LABEL_SOURCE,
            predicted=guess.category if guess else None,
            model_version=guess.model_version if guess else None,
            complaint_id=case.id if case else None,
            response_id=state.response_id,
        )
    return case


def due_day(due: datetime, calendar: WorkingCalendar, language: Language) -> str:
    """A deadline as the customer reads it: the last local day, with its weekday."""
    day = calendar.last_day(due)
    return t(language, "due_date", date=day.isoformat(), weekday=t(language, f"weekday_{day.weekday()}"))


def case_opened_text(case: Complaint, calendar: WorkingCalendar, language: Language) -> str:
    """The customer's notice that a case was opened and by when to expect contact and a fix."""
    assert case.revisit_due_at is not None and case.fix_due_at is not None
    return t(
        language,
        "case_opened",
        ticket=ticket_number(case.id),
        revisit=due_day(case.revisit_due_at, calendar, language),
        fix=due_day(case.fix_due_at, calendar, language),
    )


def reasons_text(survey_reasons: Sequence[str], language: Language) -> str:
    """The categories of the reasons picked, in words (or 'none picked')."""
    names = [category_name(category, language) for category in dict.fromkeys(survey_reasons)]
    return t(language, "list_separator").join(names) or t(language, "no_reasons")


def case_details(
    case: Complaint, categories: Sequence[str], language: Language, calendar: WorkingCalendar, now: datetime
) -> str:
    """The lines an admin's ticket view adds for a follow-up case: rating, reasons, deadlines."""
    assert case.revisit_due_at is not None and case.fix_due_at is not None
    revisited_late = (case.first_response_at or now) > case.revisit_due_at
    fixed_late = (case.resolved_at or case.closed_at or now) > case.fix_due_at
    if case.rerating is None:
        rerating = t(language, "admin_case_not_rerated")
    else:
        rerating = t(language, "admin_case_rerated", after=case.rerating, before=case.rating_before)
    return t(
        language,
        "admin_case_details",
        rating=case.rating_before,
        reasons=reasons_text(categories, language),
        revisit=due_day(case.revisit_due_at, calendar, language),
        revisit_mark=t(language, "admin_case_late") if revisited_late else "",
        fix=due_day(case.fix_due_at, calendar, language),
        fix_mark=t(language, "admin_case_late") if fixed_late else "",
        rerating=rerating,
    )


async def case_lines(uow: UnitOfWork, case: Complaint, language: Language, settings: Settings) -> str | None:
    """A follow-up case's lines in an admin's ticket view (None for a complaint)."""
    if case.kind != "follow_up" or case.source_response_id is None:
        return None
    categories = [c for _, c in await uow.follow_ups.reasons(case.source_response_id)]
    return case_details(case, categories, language, settings.working_calendar(), datetime.now(UTC))


async def alert_admins(bot: Bot, uow: UnitOfWork, settings: Settings, case: Complaint) -> None:
    """Every admin hears of a new case at once: its revisit is due within a working day."""
    assert case.revisit_due_at is not None and case.fix_due_at is not None
    language: Language = settings.default_language
    categories = (
        [c for _, c in await uow.follow_ups.reasons(case.source_response_id)]
        if case.source_response_id
        else []
    )
    await uow.commit()
    await tell_admins(
        bot,
        uow,
        settings,
        "admin_new_case",
        markup_for=case.id,
        ticket=ticket_number(case.id),
        rating=str(case.rating_before),
        category=category_name(case.category, language),
        reasons=reasons_text(categories, language),
        revisit=due_day(case.revisit_due_at, settings.working_calendar(), language),
        fix=due_day(case.fix_due_at, settings.working_calendar(), language),
        excerpt=f"\n{excerpt(case.description, 300)}" if case.description else "",
    )
