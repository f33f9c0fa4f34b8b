"""Request and response bodies of the HTTP API (pydantic models; the OpenAPI document is built from them)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.api.links import EXTERNAL_ID
from dialogs.campaign import NAME_PATTERN, TAG_PATTERN, zone
from dialogs.kpis import KPI_KEY
from dialogs.terms import Category

MAX_BATCH = 1000
# What an HTTP header carries portably: printable ASCII and spaces.
IDEMPOTENCY_KEY = r"^[\x20-\x7e]{1,200}$"
TIME_ZONES = sorted(available_timezones())  # the IANA names this machine's zoneinfo knows
# Labels (branch, staff, service type, source, filters): one line of text, no control characters
# (PostgreSQL refuses NUL in text and in JSON).
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"
Label = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROLS)]
# The largest ids PostgreSQL's integer and bigint columns hold (responses/complaints ids; Telegram ids).
MAX_INT4 = 2**31 - 1
MAX_INT8 = 2**63 - 1
# Times a day inside the calendar's ends: a time in year 1 or 9999 may not convert between zones.
EARLIEST, LATEST = date(1, 1, 2), date(9999, 12, 30)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
TIME_TEXT = f"ISO 8601 text between {EARLIEST} and {LATEST}"


def _iso_text(value: Any) -> Any:
    """Times come as ISO 8601 text: pydantic would take a number (or numeric text) as a Unix time."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.match(value)):
        return value
    raise ValueError("give times as ISO 8601 text, e.g. 2026-03-02T10:00:00+08:00 or 2026-03-02")


def _in_calendar(value: datetime | date) -> datetime | date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"times must lie between {EARLIEST} and {LATEST}")
    return value


Moment = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_in_calendar)]
MomentOrDay = Annotated[datetime | date, BeforeValidator(_iso_text), AfterValidator(_in_calendar)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerRef(_Strict):
    """Who: the customer's Telegram user id, or the operator's id linked through a deep link."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [  # exactly one of the two, as _exactly_one checks
                {"required": ["telegram_id"], "properties": {"telegram_id": {"type": "integer"}}},
                {"required": ["external_id"], "properties": {"external_id": {"type": "string"}}},
            ]
        }
    )

    telegram_id: int | None = Field(default=None, gt=0, le=MAX_INT8)
    external_id: str | None = Field(default=None, max_length=40, pattern=EXTERNAL_ID)

    @model_validator(mode="after")
    def _exactly_one(self) -> CustomerRef:
        if (self.telegram_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of telegram_id and external_id")
        return self


class ServiceContext(_Strict):
    """The service event a post-service survey is about; stored with the response as report dimensions."""

    branch: Label | None = None
    staff_id: Label | None = None
    service_type: Label | None = None
    service_at: Moment | None = Field(default=None, description=TIME_TEXT)


class InvitationRequest(_Strict):
    """Ask for a post-service survey for one customer."""

    customer: CustomerRef
    campaign: str | None = Field(
        default=None,
        max_length=60,
        pattern=NAME_PATTERN,
        description="a campaign with audience kind 'api'; default post_service",
    )
    context: ServiceContext | None = None
    send_at: Moment | None = Field(
        default=None, description=f"not before this time (default: now); {TIME_TEXT}"
    )


class InvitationAccepted(BaseModel):
    """The invitation was stored; the bot sends it within Telegram's limits and outside quiet hours."""

    invitation_id: int
    campaign: str
    status: Literal["pending", "opted_out", "blocked", "unsampled"] = Field(
        description="unsampled: not drawn into the POST_SERVICE_SAMPLE share of services surveyed"
    )
    due_at: datetime | None = Field(description="when it goes out (null: it will not, see status)")


class KpiReadingIn(_Strict):
    """One reading; naive times are in the operator's TIMEZONE."""

    kpi: str = Field(
        max_length=60, pattern=KPI_KEY.pattern, description="a key defined in the KPI definitions file"
    )
    value: float = Field(allow_inf_nan=False)
    measured_at: Moment = Field(description=TIME_TEXT)
    branch: str = Field(default="", max_length=64, pattern=NO_CONTROLS)
    source: str = Field(default="", max_length=64, pattern=NO_CONTROLS, description="system or sensor id")


class KpiBatch(_Strict):
    """Up to 1000 readings at once."""

    readings: list[KpiReadingIn] = Field(min_length=1, max_length=MAX_BATCH)


class KpiStored(BaseModel):
    """How many readings were new, and how many re-sent ones replaced a stored value."""

    inserted: int
    updated: int


# Stated in the document; checked with readable messages by CustomerAttributes' validators.
Tag = Annotated[str, Field(min_length=1, max_length=40, json_schema_extra={"pattern": TAG_PATTERN})]
TimeZone = Annotated[str, Field(max_length=64, json_schema_extra={"enum": TIME_ZONES})]


class CustomerAttributes(CustomerRef):
    """Segment tags and time zone of one customer (fields left out stay as they are)."""

    tags: list[Tag] | None = Field(
        default=None, max_length=50, description="each 1–40 letters, digits, _ or -"
    )
    timezone: TimeZone | None = Field(default=None, description="IANA name, e.g. Asia/Shanghai")

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, tags: list[str] | None) -> list[str] | None:
        if tags is not None and not all(re.fullmatch(TAG_PATTERN, tag) for tag in tags):
            raise ValueError("tags are 1–40 letters, digits, _ or -")
        return tags

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, name: str | None) -> str | None:
        if name is not None:
            zone(name)
        return name


class CustomersUpdate(_Strict):
    """Tag customers (for campaign segments) or set their time zones (for quiet hours)."""

    customers: list[CustomerAttributes] = Field(min_length=1, max_length=MAX_BATCH)


class CustomersUpdated(BaseModel):
    """How many customers were updated, and which were not known to the bot."""

    updated: int
    unknown: list[dict[str, Any]]


class LinkRequest(_Strict):
    """Make a deep link that links whoever opens it to the operator's customer id."""

    external_id: str = Field(max_length=40, pattern=EXTERNAL_ID)


class LinkCreated(BaseModel):
    """Send `url` to the customer (e.g. by SMS or e-mail); opening it in Telegram links them."""

    external_id: str
    start_parameter: str
    url: str
    expires_at: str  # ISO 8601; the link binds the first person to open it, once, until then


class ExportQuery(_Strict):
    """Filters and paging shared by the exports; dates without a time are days in TIMEZONE."""

    since: MomentOrDay | None = Field(default=None, description=TIME_TEXT)
    until: MomentOrDay | None = Field(default=None, description=TIME_TEXT)
    limit: int = Field(default=100, ge=1, le=500)
    cursor: int | None = Field(
        default=None, ge=0, le=MAX_INT4, description="next_cursor of the previous page"
    )


class ResponsesQuery(ExportQuery):
    """GET /api/v1/responses filters."""

    survey: Label | None = None
    campaign: str | None = Field(default=None, max_length=60, pattern=NAME_PATTERN)
    status: Literal["started", "completed", "abandoned"] | None = None
    branch: Label | None = None
    staff_id: Label | None = None
    service_type: Label | None = None


class ComplaintsQuery(ExportQuery):
    """GET /api/v1/complaints filters."""

    status: Literal["received", "in_progress", "resolved", "reopened", "closed"] | None = None
    category: Category | None = None
    severity: Literal["low", "medium", "high"] | None = None
    kind: Literal["complaint", "follow_up"] | None = Field(
        default=None, description="follow_up: the cases low survey ratings opened (好差评)"
    )


class Page(BaseModel):
    """A page of an export; pass next_cursor as cursor for the next page (null: this was the last)."""

    items: list[dict[str, Any]]
    next_cursor: int | None


class ErrorDetail(BaseModel):
    """One problem with a request."""

    location: str
    message: str


class ErrorBody(BaseModel):
    """Every error (4xx, and 500 for a failure on the server): a stable code, a sentence, the problems."""

    error: str
    message: str
    details: list[ErrorDetail] = []
