"""All settings in one typed object, read from the environment and .env (pydantic-settings)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.api.keys import parse_entry
from dialogs.campaign import QuietHours
from dialogs.terms import SEVERITIES
from dialogs.tickets import Sla
from dialogs.working_days import WorkingCalendar, parse_dates

TELEGRAM_API = "https://api.telegram.org"
_CLOCK_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_EXAMPLES = {
    "SLA_FIRST_RESPONSE_HOURS": """; e.g. SLA_FIRST_RESPONSE_HOURS='{"high": 1, "medium": 4, "low": 24}'""",
    "SLA_RESOLUTION_HOURS": """; e.g. SLA_RESOLUTION_HOURS='{"high": 24, "medium": 72, "low": 168}'""",
}
SeverityKey = Literal["low", "medium", "high"]


class ConfigError(RuntimeError):
    """A missing or malformed setting; the message is one readable line per problem."""


class Settings(BaseSettings):
    """Tingjian's configuration. Every field can be set as an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="from @BotFather")
    database_url: SecretStr | None = Field(
        default=None, description="postgresql+asyncpg://…; empty → embedded PostgreSQL"
    )
    # Analytics reads of the worker (the frames of reports, digests, exports, /kpis) go here when set,
    # e.g. a read replica; empty → DATABASE_URL.
    analytics_database_url: SecretStr | None = Field(default=None, description="read replica for reports")
    # `tingjian run` starts one worker as a child process; false when workers run apart (`tingjian worker`).
    run_worker: bool = True
    # The worker child runs at this lower CPU priority (nice), so replies to customers come first on a
    # busy machine; 0 keeps the bot's own priority.
    worker_nice: int = Field(default=10, ge=0, le=19)
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_base: str = TELEGRAM_API
    default_language: Literal["zh", "en"] = "zh"
    data_dir: Path = Path(".tingjian")
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    # Complaint handling: hours to first response and to resolution, per severity (JSON in the env,
    # e.g. SLA_FIRST_RESPONSE_HOURS='{"high": 1, "medium": 4, "low": 24}').
    sla_first_response_hours: dict[SeverityKey, float] = {"high": 1, "medium": 4, "low": 24}
    sla_resolution_hours: dict[SeverityKey, float] = {"high": 24, "medium": 72, "low": 168}
    reopen_window_days: int = Field(default=7, ge=0)
    # Closed loop (好差评): an overall rating at or below FOLLOW_UP_THRESHOLD opens a follow-up case,
    # due for a revisit and a fix within so many working days (Mon–Fri in TIMEZONE, minus HOLIDAYS,
    # plus EXTRA_WORKDAYS: weekend days worked, 调休). Dates are YYYY-MM-DD, comma-separated.
    follow_up_threshold: int = Field(default=2, ge=0, le=10, description="0: no follow-up cases")
    follow_up_revisit_days: int = Field(default=1, ge=1, le=60)
    follow_up_fix_days: int = Field(default=15, ge=1, le=366)
    holidays: Annotated[frozenset[date], NoDecode] = frozenset()
    extra_workdays: Annotated[frozenset[date], NoDecode] = frozenset()
    # Digests: how often admins get one by default, and when (local time in TIMEZONE).
    digest_frequency: Literal["daily", "weekly", "monthly", "off"] = "weekly"
    digest_time: str = "09:00"
    digest_weekday: int = Field(default=0, ge=0, le=6, description="weekly digests: 0 = Monday")
    digest_monthday: int = Field(default=1, ge=1, le=28, description="monthly digests: day of the month")
    digest_check_seconds: float = Field(default=60, gt=0)
    # The worker retrains the complaint classifier on this deployment's labels every N days (the
    # model switches only when better, as with `tingjian classifier retrain`); 0: by command only.
    classifier_retrain_days: int = Field(default=0, ge=0, le=366)
    alert_margin: float = Field(default=0.3, gt=0, description="points on the 1–5 scale below baseline")
    complaint_spike_factor: float = Field(default=2.0, gt=1)
    complaint_spike_minimum: int = Field(default=5, ge=1)
    sla_check_seconds: float = Field(default=60, gt=0)
    # Webhook mode (`tingjian run --webhook`): Telegram posts updates to WEBHOOK_URL.
    webhook_url: str | None = Field(default=None, description="public HTTPS URL Telegram posts to")
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8081
    # /metrics answers only requests with "Authorization: Bearer <METRICS_TOKEN>" when it is set.
    metrics_token: SecretStr | None = Field(default=None, repr=False)
    # Distribution. API_KEYS: comma-separated keys for the HTTP API, each plaintext (hashed at load)
    # or sha256:<64 hex>; only digests are kept. ANONYMOUS_ANSWERS: exports carry no customer ids.
    api_keys: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), repr=False)
    anonymous_answers: bool = False
    customer_link_days: int = Field(default=7, ge=1, le=365, description="how long a customer link is valid")
    campaign_rate_per_second: float = Field(default=25, gt=0, description="Telegram allows ~30 messages/s")
    # Pacing of every send and edit under Telegram's flood limits (bot/telegram_pacing.py): per private
    # chat a second, per chat a minute (sends and edits together), bot-wide a second (campaigns
    # included: keep CAMPAIGN_RATE_PER_SECOND below it so replies have room). TELEGRAM_PACING=false
    # turns it off for a local Bot API server that has no limits (benchmarks).
    telegram_pacing: bool = True
    private_chat_sends_per_second: float = Field(default=1.0, gt=0, description="Telegram: ~1/s")
    chat_sends_per_minute: float = Field(default=18, ge=1, description="Telegram: ~20/min per chat")
    bot_sends_per_second: float = Field(default=28, gt=0, description="Telegram: ~30/s across chats")
    campaign_quiet_hours: Annotated[QuietHours, NoDecode] = QuietHours.parse("21:00-09:00")
    campaign_check_seconds: float = Field(default=5, gt=0)
    # Survey fatigue: nobody is invited again within INVITE_MIN_DAYS of an invitation of any campaign
    # (0: no limit), and post-service invitations go to a random POST_SERVICE_SAMPLE share (0–1).
    invite_min_days: int = Field(default=30, ge=0, le=366)
    post_service_sample: float = Field(default=1.0, ge=0, le=1)
    kpi_file: Path | None = Field(default=None, description="KPI definitions; empty → dialogs/kpis.yaml")
    # Sampling plan (GB/T 19038): reports flag samples too small for SAMPLE_MARGIN at SAMPLE_CONFIDENCE;
    # SAMPLE_POPULATION (customers a period's survey speaks for) adds the finite-population correction,
    # EXPECTED_RESPONSE_RATE turns the planned responses into invitations to send.
    sample_margin: float = Field(default=0.05, gt=0, lt=1, description="target margin of error, e.g. 0.05")
    sample_confidence: float = Field(default=0.95, gt=0, lt=1)
    sample_population: int | None = Field(default=None, ge=1)
    expected_response_rate: float | None = Field(default=None, gt=0, le=1)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("use comma-separated numeric Telegram user ids, e.g. 12345,67890") from None
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _hash_api_keys(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(parse_entry(str(entry)) for entry in value if str(entry).strip())
        return value

    @field_validator("holidays", "extra_workdays", mode="before")
    @classmethod
    def _parse_dates(cls, value: object) -> object:
        if isinstance(value, str | list | tuple | set | frozenset):
            return parse_dates(value)
        return value

    @field_validator("campaign_quiet_hours", mode="before")
    @classmethod
    def _parse_quiet_hours(cls, value: object) -> object:
        return QuietHours.parse(value) if isinstance(value, str) else value

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            token = value.get_secret_value()
            head, _, tail = token.partition(":")
            if not head.isdigit() or len(tail) < 10:
                raise ValueError("looks malformed: expected <digits>:<secret> as given by @BotFather")
        return value if value is not None and value.get_secret_value() else None

    @field_validator("database_url", "analytics_database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        url = value.get_secret_value()
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        if not url.startswith("postgresql+asyncpg://"):
            raise ValueError("must be a PostgreSQL URL, e.g. postgresql+asyncpg://user:pass@host:5432/db")
        return SecretStr(url)

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        secret = value.get_secret_value()
        if not (1 <= len(secret) <= 256) or not all(c.isalnum() or c in "_-" for c in secret):
            raise ValueError("must be 1–256 characters of A–Z, a–z, 0–9, _ and - (Telegram's rule)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be a full URL such as https://bot.example.com/telegram/webhook")
        return value or None

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        if not _CLOCK_TIME.fullmatch(value):
            raise ValueError(f"{value!r} is not a time of day; use 24-hour HH:MM, e.g. DIGEST_TIME=09:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder, a long name too long
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name, e.g. TIMEZONE=Asia/Shanghai"
            ) from None
        return value

    @field_validator("sla_first_response_hours", "sla_resolution_hours")
    @classmethod
    def _check_sla(cls, value: dict[str, float]) -> dict[str, float]:
        missing = {"low", "medium", "high"} - set(value)
        if missing:
            raise ValueError(f"needs hours for every severity; missing {', '.join(sorted(missing))}")
        if any(hours <= 0 for hours in value.values()):
            raise ValueError("hours must be positive")
        return value

    def slas(self) -> dict[str, Sla]:
        """severity → (first response within, resolution within)."""
        return {
            severity: Sla(
                timedelta(hours=self.sla_first_response_hours[severity]),
                timedelta(hours=self.sla_resolution_hours[severity]),
            )
            for severity in SEVERITIES
        }

    def working_calendar(self) -> WorkingCalendar:
        """The operator's working days, for follow-up due dates."""
        return WorkingCalendar(self.timezone, self.holidays, self.extra_workdays)

    def is_admin(self, user_id: int) -> bool:
        """Whether this Telegram user may use admin commands."""
        return user_id in self.admin_ids


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigError with one line per bad setting instead of a traceback."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except SettingsError as error:
        # pydantic-settings could not even decode the value (malformed JSON in a dict setting).
        match = re.search(r'field "(\w+)"', str(error))
        name = match.group(1).upper() if match else "SETTINGS"
        example = _EXAMPLES.get(name, "")
        raise ConfigError(f"setting {name}: not valid JSON{example}") from None
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = ".".join(str(p) for p in problem["loc"]).upper() or "SETTINGS"
            lines.append(f"setting {name}: {problem['msg'].removeprefix('Value error, ')}")
        raise ConfigError("\n".join(lines)) from None
