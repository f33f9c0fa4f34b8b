"""The database schema as SQLAlchemy 2 declarative models. Alembic migrations create it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True), dict[str, Any]: JSONB}


def _now() -> Any:
    return func.now()


class SurveyRow(Base):
    """A questionnaire, identified by its key; its content lives in versions."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class SurveyVersion(Base):
    """One immutable version of a survey; answers point at the version they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version"), UniqueConstraint("survey_id", "checksum"))
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    questions: Mapped[list[QuestionRow]] = relationship(order_by="QuestionRow.position")


class DimensionRow(Base):
    """A quality dimension as defined by one survey version."""

    __tablename__ = "dimensions"
    __table_args__ = (UniqueConstraint("survey_version_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int]


class QuestionRow(Base):
    """A question of one survey version (its texts in both languages, role and dimension)."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("survey_version_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))  # a registered question type (dialogs/question_types)
    role: Mapped[str] = mapped_column(String(12))
    dimension_key: Mapped[str | None] = mapped_column(String(40))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    required: Mapped[bool]


class Respondent(Base):
    """A customer as known through a channel (Telegram id), with language and first/last seen."""

    __tablename__ = "respondents"
    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str] = mapped_column(String(5))
    first_name: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(server_default=_now())
    last_seen: Mapped[datetime] = mapped_column(server_default=_now())


class Response(Base):
    """One attempt at a survey: started, completed or abandoned."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("status IN ('started', 'completed', 'abandoned')", name="status"),
        Index("ix_responses_started_at", "started_at"),
        Index("ix_responses_respondent_id", "respondent_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"))
    status: Mapped[str] = mapped_column(String(10), default="started")
    channel: Mapped[str] = mapped_column(String(20), default="telegram")
    started_at: Mapped[datetime] = mapped_column(server_default=_now())
    completed_at: Mapped[datetime | None]
    abandoned_at: Mapped[datetime | None]
    # Where the response came from: a campaign's invitation, and the service event's context (branch, …).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    context: Mapped[dict[str, Any] | None]


class AnswerRow(Base):
    """The answer to one question of one response: a score, a text, or neither (skipped)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_answers_answered_at", "answered_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    score: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(server_default=_now())


class Conversation(Base):
    """Where a customer is in a conversation (the dialog state), committed with the answers it caused."""

    __tablename__ = "conversations"
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(server_default=_now(), onupdate=_now())


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update is processed once."""

    __tablename__ = "processed_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(server_default=_now(), index=True)


class Complaint(Base):
    """A customer's complaint, worked by admins as a ticket (its number is TJ-<id>)."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(
            "status IN ('received', 'in_progress', 'resolved', 'reopened', 'closed')", name="status"
        ),
        CheckConstraint("severity IN ('low', 'medium', 'high')", name="severity"),
        CheckConstraint("kind IN ('complaint', 'follow_up')", name="kind"),
        Index("ix_complaints_created_at", "created_at"),
        # One follow-up case per low-rated response, however often its completion is retried.
        Index(
            "uq_complaints_follow_up_response",
            "source_response_id",
            unique=True,
            postgresql_where=text("kind = 'follow_up'"),
        ),
        Index("ix_complaints_status", "status"),
        Index("ix_complaints_respondent_id", "respondent_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    language: Mapped[str] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text)
    category_auto: Mapped[str] = mapped_column(String(20))
    category_confidence: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(20))
    dimension_auto: Mapped[str | None] = mapped_column(String(40))
    dimension: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="received")
    wants_contact: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    assigned_to: Mapped[int | None] = mapped_column(BigInteger)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution_rating: Mapped[int | None]
    source_response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    # What the classifier said beside the category: a second likely cause, the words that drove it,
    # and which model version decided (so accuracy can be followed per version).
    category_secondary: Mapped[str | None] = mapped_column(String(20))
    category_evidence: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    classifier_version: Mapped[str | None] = mapped_column(String(40))
    # A ticket is a complaint the customer filed, or a follow-up case a low survey rating opened by
    # itself (好差评): due for a revisit (the first staff response) and a fix (resolved) by working-day
    # deadlines, after which the customer may re-rate the service once.
    kind: Mapped[str] = mapped_column(String(10), default="complaint", server_default="complaint")
    revisit_due_at: Mapped[datetime | None]
    fix_due_at: Mapped[datetime | None]
    rating_before: Mapped[int | None]
    rerating: Mapped[int | None]
    rerated_at: Mapped[datetime | None]


class RatingReason(Base):
    """A reason a customer picked after a low rating, with the shortfall category it stands for."""

    __tablename__ = "rating_reasons"
    __table_args__ = (
        CheckConstraint(
            "category IN ('personnel', 'process', 'technology', 'resources', 'other')", name="category"
        ),
        Index("ix_rating_reasons_picked_at", "picked_at"),
    )
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the option's value
    category: Mapped[str] = mapped_column(String(20))
    picked_at: Mapped[datetime] = mapped_column(server_default=_now())


class CustomerLink(Base):
    """A deep link that ties the first Telegram user to open it to an operator's customer id, once."""

    __tablename__ = "customer_links"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    expires_at: Mapped[datetime]
    bound_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    bound_at: Mapped[datetime | None]


class ComplaintLabel(Base):
    """A complaint's category as a person gave it: a correction or a pick, kept to retrain the classifier."""

    __tablename__ = "complaint_labels"
    __table_args__ = (
        CheckConstraint(
            "label IN ('personnel', 'process', 'technology', 'resources', 'other')", name="label"
        ),
        CheckConstraint("source IN ('customer', 'customer_pick', 'customer_reason', 'admin')", name="source"),
        Index("ix_complaint_labels_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    # A reason picked after a low rating labels the survey comment, with or without a follow-up case.
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    predicted: Mapped[str | None] = mapped_column(String(20))
    model_version: Mapped[str | None] = mapped_column(String(40))
    labelled_by: Mapped[int | None] = mapped_column(BigInteger)  # the admin's Telegram id
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class ClassifierModel(Base):
    """A complaint classifier retrained in this deployment; the active one decides new complaints."""

    __tablename__ = "classifier_models"
    __table_args__ = (
        Index("uq_classifier_models_active", "active", unique=True, postgresql_where=text("active")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    model_json: Mapped[str] = mapped_column(Text)
    accuracy_before: Mapped[float] = mapped_column(Float)
    accuracy_after: Mapped[float] = mapped_column(Float)
    corrections: Mapped[int]
    active: Mapped[bool] = mapped_column(default=False)


class ComplaintAttachment(Base):
    """A photo, voice note or document the customer sent with a complaint, kept by Telegram file id."""

    __tablename__ = "complaint_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class TicketEvent(Base):
    """Every change to a ticket: who, when, from → to, and a note (a reply text, an assignment)."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(server_default=_now())
    actor_role: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)


class SlaBreach(Base):
    """An SLA breach already reported to admins, so each is reported once."""

    __tablename__ = "sla_breaches"
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(server_default=_now())


class DigestDelivery(Base):
    """One digest (or alert) for one admin and period: claimed before sending, marked sent after.

    The primary key makes "twice" impossible; the status lets a restart finish what a crash left.
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (CheckConstraint("status IN ('sending', 'sent')", name="status"),)
    admin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="sending")
    claimed_at: Mapped[datetime] = mapped_column(server_default=_now())
    sent_at: Mapped[datetime | None]


class AdminSubscription(Base):
    """An admin's own digest frequency (absent: the configured default)."""

    __tablename__ = "admin_subscriptions"
    admin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    frequency: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(server_default=_now(), onupdate=_now())


class Campaign(Base):
    """A survey campaign: which survey, whom, on which cycle, with which reminders (the spec, as JSON)."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("status IN ('active', 'paused', 'finished')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    survey_key: Mapped[str] = mapped_column(String(40))
    spec: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="active")
    rounds_planned: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class CampaignInvitation(Base):
    """One customer invited in one round of a campaign (round NULL: triggered through the API).

    Claimed ('sending'/'reminding') before each message and marked after it, so a restart neither
    repeats nor skips anyone; `due_at` is when the invitation, or the next reminder, should go out.
    Never sent, with the reason: 'opted_out', 'blocked', 'fatigued' (invited by some campaign within
    INVITE_MIN_DAYS) and 'unsampled' (a post-service invitation left out of the sample).
    """

    __tablename__ = "campaign_invitations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "round", "respondent_id"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'reminding', 'failed', 'blocked', 'opted_out',"
            " 'fatigued', 'unsampled')",
            name="status",
        ),
        Index("ix_campaign_invitations_status_due_at", "status", "due_at"),
        Index("ix_campaign_invitations_respondent_id", "respondent_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    round: Mapped[int | None]
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    last_reminded_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(String(80))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    context: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class CustomerProfile(Base):
    """What campaigns need to know of a customer: external id, tags, time zone, opt-out, block, consent."""

    __tablename__ = "customer_profiles"
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    timezone: Mapped[str | None] = mapped_column(String(64))
    opted_out_at: Mapped[datetime | None]
    blocked_at: Mapped[datetime | None]
    consent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=_now(), onupdate=_now())


class KpiReading(Base):
    """One performance reading (waiting time, uptime, …) from an operator's system or a sensor."""

    __tablename__ = "kpi_readings"
    __table_args__ = (
        UniqueConstraint("kpi", "measured_at", "branch", "source"),
        Index("ix_kpi_readings_measured_at", "measured_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kpi: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime]
    # '' rather than NULL, so the unique constraint also catches re-sent readings without a branch.
    branch: Mapped[str] = mapped_column(String(64), default="", server_default="")
    source: Mapped[str] = mapped_column(String(64), default="", server_default="")
    received_at: Mapped[datetime] = mapped_column(server_default=_now())


class ApiIdempotencyKey(Base):
    """A POST already handled for a client's Idempotency-Key: a retry gets the stored answer back."""

    __tablename__ = "api_idempotency_keys"
    client: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the API key
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=_now(), index=True)


# Report aggregates (issue 15, docs/AGGREGATES.md): kept by storage/aggregates.py as responses complete.
class AnalyticsSettings(Base):
    """The one row saying how the aggregates were cut: time zone of the days, cleaning thresholds."""

    __tablename__ = "analytics_settings"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(primary_key=True, server_default=text("1"), autoincrement=False)
    timezone: Mapped[str] = mapped_column(Text)
    min_items: Mapped[int]
    min_seconds_per_item: Mapped[float] = mapped_column(Float)


class ResponseSummary(Base):
    """One completed response: its context, times, answer counts and cleaning flags."""

    __tablename__ = "response_summaries"
    __table_args__ = (
        Index("ix_response_summaries_day", "day"),
        Index("ix_response_summaries_respondent_id", "respondent_id"),
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    respondent_id: Mapped[int]
    survey_version_id: Mapped[int]
    channel: Mapped[str] = mapped_column(Text, server_default="")
    branch: Mapped[str] = mapped_column(Text, server_default="")
    staff: Mapped[str] = mapped_column(Text, server_default="")
    service_type: Mapped[str] = mapped_column(Text, server_default="")
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    first_answer_at: Mapped[datetime]
    last_answer_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    answers: Mapped[int]
    items: Mapped[int]
    item_min: Mapped[float | None] = mapped_column(Float)
    item_max: Mapped[float | None] = mapped_column(Float)
    straightline: Mapped[bool] = mapped_column(Boolean)
    speeder: Mapped[bool] = mapped_column(Boolean)
    # Bits: 1 day, 2 week, 4 month — a kept response after the customer's first kept one of that
    # local day / week / month (the cleaning's repeat rule for a report of that period).
    repeats: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))


class DayContextKey:
    """The key every daily aggregate table starts with: local day, survey version, service context,
    repeat bits."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(Text, primary_key=True, server_default="")
    branch: Mapped[str] = mapped_column(Text, primary_key=True, server_default="")
    staff: Mapped[str] = mapped_column(Text, primary_key=True, server_default="")
    service_type: Mapped[str] = mapped_column(Text, primary_key=True, server_default="")
    # Bits 1 day / 2 week / 4 month: the rows' responses are repeats for reports of that length.
    repeats: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)


class DailyResponseCount(DayContextKey, Base):
    """How many completed responses of a day and context carried each combination of cleaning flags."""

    __tablename__ = "daily_response_counts"
    straightline: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    speeder: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class DailyAnswerCount(DayContextKey, Base):
    """How many kept answers of a day and context gave a question a score (a histogram)."""

    __tablename__ = "daily_answer_counts"
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    score: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class DailyDimensionCount(DayContextKey, Base):
    """How many kept responses of a day and context summed ``item_sum`` over ``item_count`` items."""

    __tablename__ = "daily_dimension_counts"
    dimension: Mapped[str] = mapped_column(Text, primary_key=True)
    item_sum: Mapped[float] = mapped_column(Float, primary_key=True)
    item_count: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class DailyItemProduct(DayContextKey, Base):
    """Cross-products of two scored questions (items, overall) over kept responses of a day, context
    and answer pattern (the sorted ids of the response's scored item and overall questions)."""

    __tablename__ = "daily_item_products"
    pattern: Mapped[list[int]] = mapped_column(ARRAY(Integer), primary_key=True)
    question_a: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_b: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    sum_a: Mapped[float] = mapped_column(Float)
    sum_b: Mapped[float] = mapped_column(Float)
    sum_ab: Mapped[float] = mapped_column(Float)


class DailyPatternDimension(DayContextKey, Base):
    """How many kept responses of a day, context and answer pattern summed ``item_sum`` in a dimension."""

    __tablename__ = "daily_pattern_dimensions"
    pattern: Mapped[list[int]] = mapped_column(ARRAY(Integer), primary_key=True)
    dimension: Mapped[str] = mapped_column(Text, primary_key=True)
    item_sum: Mapped[float] = mapped_column(Float, primary_key=True)
    item_count: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class Job(Base):
    """Heavy work (reports, digests, exports) queued by the bot process and done by a worker process.

    Workers claim with FOR UPDATE SKIP LOCKED; the bot process delivers finished ones to `chat_id`.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_jobs_queued", "run_after", postgresql_where=text("status = 'queued'")),
        Index(
            "ix_jobs_undelivered",
            "id",
            postgresql_where=text("status IN ('done', 'failed') AND delivered_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str | None] = mapped_column(String(200), unique=True)  # idempotency: one job per key
    payload: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    max_attempts: Mapped[int] = mapped_column(server_default=text("3"))
    run_after: Mapped[datetime] = mapped_column(server_default=_now())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]
    result_files: Mapped[list[bytes] | None] = mapped_column(ARRAY(LargeBinary))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    finished_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DailyServqualCount(DayContextKey, Base):
    """How many kept responses had, over their ``pair_count`` expectation/perception pairs of a
    dimension, P − E summing to ``gap_sum`` (with the sums of P and E over those responses)."""

    __tablename__ = "daily_servqual_counts"
    dimension: Mapped[str] = mapped_column(Text, primary_key=True)
    gap_sum: Mapped[float] = mapped_column(Float, primary_key=True)
    pair_count: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    perception_sum: Mapped[float] = mapped_column(Float)
    expectation_sum: Mapped[float] = mapped_column(Float)


class DailyKanoCount(DayContextKey, Base):
    """How many kept responses answered a Kano pair (functional, dysfunctional question) with these codes."""

    __tablename__ = "daily_kano_counts"
    functional_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dysfunctional_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    functional_score: Mapped[float] = mapped_column(Float, primary_key=True)
    dysfunctional_score: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class QuestionPair(Base):
    """Two questions of one version asked as a pair (the definition's ``pairs_with``): an expectation
    with its perception item (whose dimension it carries), or a Kano dysfunctional with its functional."""

    __tablename__ = "question_pairs"
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_versions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    partner_id: Mapped[int]
    role: Mapped[str] = mapped_column(String(12))
    dimension: Mapped[str | None] = mapped_column(String(40))
