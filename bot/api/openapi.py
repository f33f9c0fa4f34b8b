"""The OpenAPI 3.1 document of the HTTP API, built from the pydantic models that validate requests."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.api import schemas

REQUESTS: tuple[type[BaseModel], ...] = (
    schemas.InvitationRequest,
    schemas.KpiReadingIn,
    schemas.KpiBatch,
    schemas.CustomersUpdate,
    schemas.LinkRequest,
)
ANSWERS: tuple[type[BaseModel], ...] = (
    schemas.InvitationAccepted,
    schemas.KpiStored,
    schemas.CustomersUpdated,
    schemas.LinkCreated,
    schemas.Page,
    schemas.ErrorBody,
)
QUERIES: tuple[type[BaseModel], ...] = (schemas.ResponsesQuery, schemas.ComplaintsQuery)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "malformed JSON (or nested too deeply, or a number of too many digits) or a bad Idempotency-Key",
        401: "missing or wrong API key (nothing was written)",
        404: "unknown customer or campaign",
        409: "the campaign does not take API invitations",
        413: "the body is larger than the server takes (1 MiB by default)",
        415: "the body is not application/json",
        422: "the request does not match the schema (details list every problem)",
        500: "an unexpected failure on the server (logged; nothing was written)",
        503: "the bot is not running in this process",
    }
    return {str(s): {"description": reasons[s], **_json(_ref(schemas.ErrorBody))} for s in (*statuses, 500)}


def _post(
    summary: str, request: dict[str, Any], status: int, answer: type[BaseModel], *errors: int
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": True, **_json(request)},
            "responses": {
                str(status): {"description": answer.__doc__ or "", **_json(_ref(answer))},
                **_errors(*errors),
            },
        }
    }


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema as a query parameter's: a query string has no null, an absent one is None."""
    schema = {key: value for key, value in schema.items() if key != "default" or value is not None}
    choices = [choice for choice in schema.pop("anyOf", []) if choice != {"type": "null"}]
    if len(choices) == 1:
        schema.update(choices[0])
    elif choices:
        schema["anyOf"] = choices
    return schema


def _get(summary: str, query: type[BaseModel]) -> dict[str, Any]:
    properties = query.model_json_schema()["properties"]
    parameters = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": _query_schema(schema),
            "description": schema.get("description", ""),
        }
        for name, schema in properties.items()
    ]
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {"200": {"description": "a page", **_json(_ref(schemas.Page))}, **_errors(401, 422)},
        }
    }


@cache
def openapi_document(kpis: tuple[str, ...]) -> dict[str, Any]:
    """The whole document (served at /api/v1/openapi.json), `kpis` being the KPI keys defined."""
    _, definitions = models_json_schema(
        [(m, "validation") for m in REQUESTS] + [(m, "serialization") for m in ANSWERS],
        ref_template="#/components/schemas/{model}",
    )
    definitions["$defs"]["KpiReadingIn"]["properties"]["kpi"]["enum"] = list(kpis)
    kpi_body = {"oneOf": [_ref(schemas.KpiReadingIn), _ref(schemas.KpiBatch)]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tingjian (听见) API",
            "version": "1",
            "description": "Post-service survey invitations, KPI readings from systems and sensors, "
            "customer segments and links, and exports of responses and complaints.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "paths": {
            "/invitations": _post(
                "Ask for a post-service survey",
                _ref(schemas.InvitationRequest),
                202,
                schemas.InvitationAccepted,
                400,
                401,
                404,
                409,
                413,
                415,
                422,
            ),
            "/kpis": _post("Store KPI readings", kpi_body, 201, schemas.KpiStored, 400, 401, 413, 415, 422),
            "/customers": _post(
                "Tag customers or set their time zones",
                _ref(schemas.CustomersUpdate),
                200,
                schemas.CustomersUpdated,
                400,
                401,
                413,
                415,
                422,
            ),
            "/customer-links": _post(
                "Make a deep link for an operator's customer id",
                _ref(schemas.LinkRequest),
                201,
                schemas.LinkCreated,
                400,
                401,
                413,
                415,
                422,
                503,
            ),
            "/responses": _get("Export survey responses with their answers", schemas.ResponsesQuery),
            "/complaints": _get("Export complaints", schemas.ComplaintsQuery),
        },
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 200,
                        "pattern": schemas.IDEMPOTENCY_KEY,
                    },
                    "description": "1–200 printable ASCII characters; a retry with the same key and body "
                    "gets the first answer back",
                }
            },
        },
    }
