"""Story-level helpers for driving the survey as a customer would."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator.customer import Customer
from emulator.state import ChatMessage
from storage.database import session_factory
from storage.models import AnswerRow, QuestionRow, Respondent, Response

THANKS_ZH = "感谢您完成调查"


def current_question(customer: Customer) -> str:
    """The text of the question message with the live keyboard."""
    message = customer.keyboard_message
    assert message is not None, customer.transcript()
    return message.shown_text


async def wait_for_question(customer: Customer, progress: str) -> None:
    """Wait until the newest keyboard is the question with this progress mark (e.g. '第 3/16 题')."""
    await customer.wait_for(
        lambda: customer.keyboard_message is not None and progress in customer.keyboard_message.shown_text,
        what=f"question {progress}",
    )


def option_button(customer: Customer, value: int) -> str:
    """The visible label of the option `value` on the newest keyboard ('4 · 满意' or '9')."""
    for label in customer.buttons:
        if label == str(value) or label.startswith(f"{value} · "):
            return label
    raise AssertionError(f"no option {value} in {customer.buttons}\n{customer.transcript()}")


async def answer(customer: Customer, value: int) -> None:
    """Press option `value` on the survey card and wait until it turns into the next question or the
    thanks (or, when the card could not be edited, a new message brings them)."""
    card = customer.keyboard_message
    assert card is not None, customer.transcript()
    edits = card.edited
    await customer.press(option_button(customer, value))

    def moved_on() -> bool:
        newer = [m for m in customer.messages if m.message_id > card.message_id]
        return card.edited > edits or any(
            m.buttons or THANKS_ZH in m.shown_text or "Thank you for completing" in m.shown_text
            for m in newer
        )

    await customer.wait_for(moved_on, what="the next question")


async def start_survey(customer: Customer) -> ChatMessage:
    """From a fresh chat: /survey and wait for question 1; the survey card it is on."""
    await customer.send("/survey")
    await customer.wait_for(lambda: customer.keyboard_message is not None, what="question 1")
    card = customer.keyboard_message
    assert card is not None
    return card


async def stored_answers(engine: AsyncEngine, telegram_id: int) -> dict[str, float | str | None]:
    """The answers in PostgreSQL for the customer's latest response, by question key."""
    async with session_factory(engine)() as session:
        latest = await session.scalar(
            select(func.max(Response.id))
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.telegram_id == telegram_id)
        )
        rows = await session.execute(
            select(QuestionRow.key, AnswerRow.score, AnswerRow.text)
            .join(AnswerRow, AnswerRow.question_id == QuestionRow.id)
            .where(AnswerRow.response_id == latest)
        )
        return {key: (score if text is None else text) for key, score, text in rows}


async def responses_of(engine: AsyncEngine, telegram_id: int) -> list[str]:
    """The statuses of the customer's responses, oldest first."""
    async with session_factory(engine)() as session:
        rows = await session.scalars(
            select(Response.status)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.telegram_id == telegram_id)
            .order_by(Response.id)
        )
        return list(rows)
