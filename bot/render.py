"""Turning dialog decisions into Telegram texts and inline keyboards."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import LanguageCb, MenuCb, SurveyCb
from dialogs.i18n import Language, t
from dialogs.survey import Option, Question, Survey
from dialogs.survey_flow import Answer, Prompt

SUMMARY_TEXT_LIMIT = 200


def question_text(survey: Survey, prompt: Prompt, language: Language, notice: str | None = None) -> str:
    """The question message: optional notice, progress mark and dimension, the question, a hint."""
    question = prompt.question
    header = t(language, "progress", number=prompt.number, total=prompt.total)
    if question.dimension:
        header += f" · {survey.dimension_name(question.dimension, language)}"
    lines = [f"<i>{escape(t(language, notice))}</i>\n"] if notice else []
    lines += [f"<b>{escape(header)}</b>", escape(question.text.get(language))]
    scale = survey.scale_of(question)
    if scale is not None and scale.hint is not None:
        lines.append(f"<i>{escape(scale.hint.get(language))}</i>")
    return "\n".join(lines)


def question_keyboard(prompt: Prompt, response_id: int, language: Language) -> InlineKeyboardMarkup | None:
    """Answer buttons (one labelled option per row, or a compact numeric scale), then Back/Skip."""
    builder = InlineKeyboardBuilder()
    key = prompt.question.key
    labelled = any(o.label is not None for o in prompt.options)
    for option in prompt.options:
        data = SurveyCb(action="a", r=response_id, q=key, v=option.value).pack()
        builder.button(text=option_label(option, language), callback_data=data)
    if labelled:
        builder.adjust(1)
    elif prompt.options:
        half = (len(prompt.options) + 1) // 2
        builder.adjust(half, len(prompt.options) - half)
    extra = InlineKeyboardBuilder()
    if prompt.can_back:
        extra.button(text=t(language, "btn_back"), callback_data=SurveyCb(action="b", r=response_id, q=key))
    if prompt.can_skip:
        extra.button(text=t(language, "btn_skip"), callback_data=SurveyCb(action="s", r=response_id, q=key))
    builder.attach(extra)
    markup = builder.as_markup()
    return markup if markup.inline_keyboard else None


def option_label(option: Option, language: Language) -> str:
    """'4 · 满意' for a labelled option, '7' for a bare number."""
    if option.label is None:
        return str(option.value)
    return f"{option.value} · {option.label.get(language)}"


def answer_label(survey: Survey, question: Question, answer: Answer, language: Language) -> str:
    """How an answer reads back to the customer."""
    if answer is None:
        return t(language, "skipped")
    if isinstance(answer, str):
        return answer if len(answer) <= SUMMARY_TEXT_LIMIT else answer[:SUMMARY_TEXT_LIMIT] + "…"
    scale = survey.scale_of(question)
    options = {o.value: o for o in scale.all_options()} if scale else {}
    return option_label(options[answer], language) if answer in options else str(answer)


def answered_text(survey: Survey, prompt: Prompt, answer: Answer, language: Language) -> str:
    """The question message after answering: the question, then the recorded choice."""
    choice = answer_label(survey, prompt.question, answer, language)
    return (
        question_text(survey, prompt, language)
        + "\n\n✅ "
        + escape(t(language, "your_choice", answer=choice))
    )


def summary_text(survey: Survey, answered: list[tuple[Question, Answer]], language: Language) -> str:
    """The thank-you message with every answer."""
    lines = [escape(t(language, "survey_thanks"))]
    for question, answer in answered:
        label = escape(answer_label(survey, question, answer, language))
        lines.append(f"• {escape(question.text.get(language))} — <b>{label}</b>")
    return "\n".join(lines)


def main_menu(language: Language) -> InlineKeyboardMarkup:
    """The customer's main menu."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "btn_take_survey"), callback_data=MenuCb(action="survey"))
    builder.button(text=t(language, "btn_complain"), callback_data=MenuCb(action="complain"))
    builder.button(text=t(language, "btn_my_tickets"), callback_data=MenuCb(action="tickets"))
    builder.button(text=t(language, "btn_language"), callback_data=MenuCb(action="language"))
    builder.adjust(1)
    return builder.as_markup()


def complaint_offer(language: Language) -> InlineKeyboardMarkup:
    """The complaint button offered after low ratings."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "btn_complain"), callback_data=MenuCb(action="complain"))
    return builder.as_markup()


def resume_keyboard(language: Language, response_id: int) -> InlineKeyboardMarkup:
    """Continue the unfinished survey or start over."""
    builder = InlineKeyboardBuilder()
    builder.button(text=t(language, "btn_resume"), callback_data=MenuCb(action="resume", r=response_id))
    builder.button(text=t(language, "btn_restart"), callback_data=MenuCb(action="restart", r=response_id))
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    """中文 / English."""
    builder = InlineKeyboardBuilder()
    builder.button(text="中文", callback_data=LanguageCb(code="zh"))
    builder.button(text="English", callback_data=LanguageCb(code="en"))
    return builder.as_markup()
