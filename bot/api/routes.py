"""The HTTP API's handlers on the bot's aiohttp server: authentication, validation, idempotency, the routes.

Every request but the OpenAPI document needs an API key (`Authorization: Bearer <key>` or
`X-API-Key: <key>`); a missing or wrong key is answered 401 before anything is read or written.
A POST with an `Idempotency-Key` header is stored in the same transaction as its answer, so a
retry gets that answer back (header `Idempotent-Replayed: true`) instead of writing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from aiogram import Bot
from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api import schemas
from bot.api.errors import PREFIX, ApiError, api_errors
from bot.api.keys import matching
from bot.api.links import start_parameter
from bot.api.openapi import openapi_document
from bot.config import Settings
from dialogs.campaign import API_CAMPAIGN, CampaignSpec, ReminderPolicy, api_campaign, sampled, zone
from dialogs.kpis import load_kpis
from storage.api_exports import ExportFilter, ExportRepository
from storage.database import session_factory
from storage.kpis import NewReading
from storage.models import Respondent
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)
# Post-service invitations remind once, a day later, unless the operator loads a post_service campaign.
POST_SERVICE_REMINDERS = ReminderPolicy(after_hours=24, max=1)
Model = TypeVar("Model", bound=BaseModel)
Work = Callable[[UnitOfWork], Awaitable[tuple[int, dict[str, Any]]]]
Handler = Callable[[web.Request, str], Awaitable[web.Response]]


@dataclass
class Api:
    """The API's dependencies; its methods are the route handlers."""

    engine: AsyncEngine
    settings: Settings
    bot: Bot | None = None
    on_invitation: Callable[[], None] | None = None

    # --- plumbing -------------------------------------------------------------------------------
    def guarded(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        """The handler behind the key check, with ApiError turned into its JSON answer."""

        async def route(request: web.Request) -> web.Response:
            try:
                return await handler(request, self._client(request))
            except ApiError as error:
                return error.response()

        return route

    def _client(self, request: web.Request) -> str:
        """The digest of the presented key, if it is a configured one (else 401)."""
        header = request.headers.get("Authorization", "")
        presented = (
            header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("X-API-Key")
        )
        client = matching(presented, self.settings.api_keys) if presented else None
        if client is None:
            raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)")
        return client

    async def _json(self, request: web.Request) -> tuple[Any, bytes]:
        """The parsed JSON body and its bytes (415 when not JSON, 400 when malformed)."""
        if request.content_type != "application/json":
            raise ApiError(415, "unsupported_media_type", "send the body as application/json")
        raw = await request.read()
        try:
            return json.loads(raw), raw
        except RecursionError:
            raise ApiError(400, "malformed_json", "the body is nested too deeply") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
        except ValueError:  # Python parses no integer of more than 4300 digits
            raise ApiError(400, "malformed_json", "a number in the body has too many digits") from None

    async def _body(self, request: web.Request, model: type[Model]) -> tuple[Model, bytes]:
        """The JSON body validated as `model` (422 with every problem when it does not fit)."""
        data, raw = await self._json(request)
        return _validated(model, data), raw

    async def _idempotent(self, request: web.Request, client: str, raw: bytes, work: Work) -> web.Response:
        """Run `work` in one transaction, stored under the request's Idempotency-Key if it has one."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not re.fullmatch(schemas.IDEMPOTENCY_KEY, key):
            raise ApiError(
                400, "bad_idempotency_key", "Idempotency-Key must be 1–200 printable ASCII characters"
            )
        fingerprint = hashlib.sha256(
            request.method.encode() + request.path.encode() + b"\n" + raw
        ).hexdigest()
        async with session_factory(self.engine)() as session, session.begin():
            uow = UnitOfWork(session)
            if key is not None:
                stored = await uow.idempotency.claim(client, key, fingerprint)
                if stored is not None and not stored.same_request:
                    raise ApiError(
                        422, "idempotency_key_reused", "this Idempotency-Key was used for another request"
                    )
                if stored is not None:
                    replayed = {"Idempotent-Replayed": "true"}
                    return web.json_response(stored.body, status=stored.status_code, headers=replayed)
            status, body = await work(uow)
            if key is not None:
                await uow.idempotency.remember(client, key, status, body)
        return web.json_response(body, status=status)

    def _aware(self, moment: datetime | date) -> datetime:
        """A time with its zone: naive times and plain dates (midnight) are in the operator's TIMEZONE."""
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time())
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone(self.settings.timezone))

    async def _customer(self, uow: UnitOfWork, ref: schemas.CustomerRef) -> Respondent | None:
        if ref.telegram_id is not None:
            return await uow.respondents.by_telegram_id(ref.telegram_id)
        assert ref.external_id is not None
        return await uow.profiles.by_external_id(ref.external_id)

    # --- routes ---------------------------------------------------------------------------------
    async def post_invitation(self, request: web.Request, client: str) -> web.Response:
        """POST /invitations: a post-service survey for one customer."""
        body, raw = await self._body(request, schemas.InvitationRequest)

        async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
            respondent = await self._customer(uow, body.customer)
            if respondent is None:
                raise ApiError(
                    404,
                    "unknown_customer",
                    "no such customer: they must have started the bot (telegram_id) "
                    "or opened a customer link (external_id)",
                )
            now = datetime.now(UTC)
            campaign = await uow.campaigns.by_name(body.campaign or API_CAMPAIGN)
            if campaign is None and body.campaign is not None:
                raise ApiError(404, "unknown_campaign", f"no campaign named {body.campaign!r}")
            if campaign is None:
                campaign, _ = await uow.campaigns.save(api_campaign(POST_SERVICE_REMINDERS, now))
            if CampaignSpec.model_validate(campaign.spec).planned:
                raise ApiError(
                    409, "campaign_not_triggered", f"campaign {campaign.name!r} does not take API invitations"
                )
            profile = await uow.profiles.get(respondent.id)
            status = "pending"
            if profile is not None and profile.opted_out_at is not None:
                status = "opted_out"
            elif profile is not None and profile.blocked_at is not None:
                status = "blocked"
            elif not sampled(self.settings.post_service_sample, random.random()):
                status = "unsampled"  # stored all the same: the campaign report counts services left out
            due = max(now, self._aware(body.send_at)) if body.send_at else now
            context = body.context.model_dump(mode="json", exclude_none=True) if body.context else None
            invitation = await uow.campaigns.invite(campaign.id, respondent.id, due, context, status)
            accepted = schemas.InvitationAccepted(
                invitation_id=invitation.id,
                campaign=campaign.name,
                status=status,
                due_at=invitation.due_at,
            )
            return 202, accepted.model_dump(mode="json")

        answer = await self._idempotent(request, client, raw, work)
        if answer.status == 202 and self.on_invitation is not None:
            self.on_invitation()
        return answer

    async def post_kpis(self, request: web.Request, client: str) -> web.Response:
        """POST /kpis: one reading, or {"readings": [...]}."""
        data, raw = await self._json(request)
        if isinstance(data, dict) and "readings" in data:
            readings = _validated(schemas.KpiBatch, data).readings
        else:
            readings = [_validated(schemas.KpiReadingIn, data)]
        catalog = load_kpis(self.settings.kpi_file)
        unknown = sorted({r.kpi for r in readings} - set(catalog))
        if unknown:
            raise ApiError(
                422,
                "unknown_kpi",
                f"unknown KPI {', '.join(unknown)}; defined: {', '.join(sorted(catalog))}",
                [schemas.ErrorDetail(location="kpi", message=f"unknown KPI {key!r}") for key in unknown],
            )
        new = [NewReading(r.kpi, r.value, self._aware(r.measured_at), r.branch, r.source) for r in readings]

        async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
            result = await uow.kpis.store(new)
            return 201, schemas.KpiStored(inserted=result.inserted, updated=result.updated).model_dump()

        return await self._idempotent(request, client, raw, work)

    async def post_customers(self, request: web.Request, client: str) -> web.Response:
        """POST /customers: segment tags and time zones."""
        body, raw = await self._body(request, schemas.CustomersUpdate)

        async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
            updated, unknown = 0, []
            for item in body.customers:
                respondent = await self._customer(uow, item)
                if respondent is None:
                    unknown.append(item.model_dump(include={"telegram_id", "external_id"}, exclude_none=True))
                    continue
                if item.tags is not None:
                    await uow.profiles.set_tags(respondent.id, item.tags)
                if item.timezone is not None:
                    await uow.profiles.set_timezone(respondent.id, item.timezone)
                updated += 1
            return 200, schemas.CustomersUpdated(updated=updated, unknown=unknown).model_dump()

        return await self._idempotent(request, client, raw, work)

    async def post_link(self, request: web.Request, client: str) -> web.Response:
        """POST /customer-links: the deep link for an operator's customer id."""
        body, raw = await self._body(request, schemas.LinkRequest)
        if self.bot is None or self.settings.bot_token is None:
            raise ApiError(503, "bot_unavailable", "links need the running bot")
        me = await self.bot.me()  # before the transaction: no Telegram call while it holds the key
        valid_for = timedelta(days=self.settings.customer_link_days)

        async def work(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
            link = await uow.customer_links.issue(body.external_id, valid_for)
            parameter = start_parameter(link.token)
            created = schemas.LinkCreated(
                external_id=body.external_id,
                start_parameter=parameter,
                url=f"https://t.me/{me.username}?start={parameter}",
                expires_at=link.expires_at.isoformat(),
            )
            return 201, created.model_dump()

        return await self._idempotent(request, client, raw, work)

    async def get_responses(self, request: web.Request, client: str) -> web.Response:
        """GET /responses: responses with answers, paged."""
        query = _validated(schemas.ResponsesQuery, dict(request.query))
        equals = {k: v for k in ("survey", "campaign", "status") if (v := getattr(query, k)) is not None}
        context = {
            k: v for k in ("branch", "staff_id", "service_type") if (v := getattr(query, k)) is not None
        }
        wanted = self._filter(query, equals, context)
        async with session_factory(self.engine)() as session:
            items = await ExportRepository(session).responses(wanted, self.settings.anonymous_answers)
        return _page(items, query.limit)

    async def get_complaints(self, request: web.Request, client: str) -> web.Response:
        """GET /complaints: complaints, paged."""
        query = _validated(schemas.ComplaintsQuery, dict(request.query))
        keys = ("status", "category", "severity", "kind")
        equals = {k: v for k in keys if (v := getattr(query, k)) is not None}
        async with session_factory(self.engine)() as session:
            items = await ExportRepository(session).complaints(
                self._filter(query, equals, {}), self.settings.anonymous_answers
            )
        return _page(items, query.limit)

    def _filter(
        self, query: schemas.ExportQuery, equals: dict[str, str], context: dict[str, str]
    ) -> ExportFilter:
        return ExportFilter(
            since=self._aware(query.since) if query.since else None,
            until=self._aware(query.until) if query.until else None,
            equals=equals,
            context=context,
            cursor=query.cursor,
            limit=query.limit,
        )


def add_api_routes(
    app: web.Application,
    engine: AsyncEngine,
    settings: Settings,
    bot: Bot | None = None,
    on_invitation: Callable[[], None] | None = None,
) -> None:
    """Mount the API under /api/v1 (and its OpenAPI document at /api/v1/openapi.json)."""
    api = Api(engine, settings, bot, on_invitation)
    document = openapi_document(tuple(sorted(load_kpis(settings.kpi_file))))

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    app.middlewares.append(api_errors)
    app.router.add_get(f"{PREFIX}/openapi.json", openapi)
    app.router.add_post(f"{PREFIX}/invitations", api.guarded(api.post_invitation))
    app.router.add_post(f"{PREFIX}/kpis", api.guarded(api.post_kpis))
    app.router.add_post(f"{PREFIX}/customers", api.guarded(api.post_customers))
    app.router.add_post(f"{PREFIX}/customer-links", api.guarded(api.post_link))
    app.router.add_get(f"{PREFIX}/responses", api.guarded(api.get_responses))
    app.router.add_get(f"{PREFIX}/complaints", api.guarded(api.get_complaints))
    if not settings.api_keys:
        logger.info("API_KEYS is empty: the HTTP API answers 401 to every request")


def _validated(model: type[Model], data: Any) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [
            schemas.ErrorDetail(
                location=".".join(str(part) for part in e["loc"]) or "(body)",
                message=e["msg"].removeprefix("Value error, "),
            )
            for e in error.errors()
        ]
        raise ApiError(
            422, "invalid_request", "the request does not match the API's schema", details
        ) from None


def _page(items: list[dict[str, Any]], limit: int) -> web.Response:
    next_cursor = items[-1]["id"] if len(items) == limit else None
    return web.json_response(schemas.Page(items=items, next_cursor=next_cursor).model_dump(mode="json"))
