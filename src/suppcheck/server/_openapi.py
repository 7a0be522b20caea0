"""The OpenAPI 3.1 document served at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from .._regimen import RegimenFile
from .._report import Report
from .._version import __version__
from ._cards import OVERRIDE_REASON_SYSTEM
from ._hooks import FeedbackRequest, HookRequest

_REF = "#/components/schemas/{model}"

_CODING = {
    "type": "object",
    "required": ["code", "system"],
    "properties": {
        "system": {"type": "string"},
        "version": {"type": "string"},
        "code": {"type": "string"},
        "display": {"type": "string"},
    },
}
_CARD = {
    "type": "object",
    "required": ["summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string", "format": "uuid"},
        "summary": {"type": "string", "maxLength": 139},
        "detail": {"type": "string", "description": "GitHub-flavoured Markdown"},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "source": {
            "type": "object",
            "required": ["label"],
            "properties": {
                "label": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "topic": {"$ref": "#/components/schemas/Coding"},
            },
        },
        "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}},
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "overrideReasons": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Coding"},
            "description": f"Each with a display; codes of the system {OVERRIDE_REASON_SYSTEM}",
        },
    },
}
_SUGGESTION = {
    "type": "object",
    "required": ["label"],
    "properties": {
        "label": {"type": "string"},
        "uuid": {"type": "string", "format": "uuid"},
        "isRecommended": {"type": "boolean"},
        "actions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "description"],
                "properties": {
                    "type": {"enum": ["create", "update", "delete"]},
                    "description": {"type": "string"},
                    "resource": {"type": "object", "description": "A FHIR R4 resource"},
                    "resourceId": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "incident": {"type": "string", "description": "500 only: the id of the log entry"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "type": {"type": "string"},
                    "msg": {"type": "string"},
                    "input": {},
                },
            },
        },
    },
}


def _problems(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": _WHY[code],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


_WHY = {
    400: "Not JSON, or not the shape the endpoint takes",
    401: "No bearer JWT, or one that is not acceptable (issuer, signature, audience, expiry, replay)",
    403: "No trusted issuers are configured and the call is not from loopback",
    404: "No such service, rule or endpoint",
    412: "The records the check needs are neither prefetched nor fetchable from fhirServer",
    413: "The body is larger than the service's limit",
    415: "The body is not sent as application/json",
    422: "The regimen has problems; nothing was checked",
    500: "The service failed; the problem names an incident id in the log",
}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def document() -> dict[str, Any]:
    """The OpenAPI document of every endpoint."""
    _, defs = models_json_schema(
        [
            (RegimenFile, "validation"),
            (HookRequest, "validation"),
            (FeedbackRequest, "validation"),
            (Report, "serialization"),
        ],
        ref_template=_REF,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas.update(
        {
            "Coding": _CODING,
            "Card": _CARD,
            "Suggestion": _SUGGESTION,
            "Problem": _PROBLEM,
            "CardsResponse": {
                "type": "object",
                "required": ["cards"],
                "properties": {"cards": {"type": "array", "items": {"$ref": "#/components/schemas/Card"}}},
            },
        }
    )
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    service_id = {"name": "service_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "suppcheck CDS Hooks service",
            "version": __version__,
            "description": "Dietary-supplement checks as CDS Hooks 2.0 cards, and the regimen check as JSON.",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "paths": {
            "/cds-services": {
                "get": {
                    "summary": "CDS Hooks discovery",
                    "security": bearer,
                    "responses": {"200": {"description": "The services"}, **_problems(401, 403)},
                }
            },
            "/cds-services/{service_id}": {
                "post": {
                    "summary": "Call a CDS service (order-select or order-sign)",
                    "security": bearer,
                    "parameters": [service_id],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HookRequest"}}},
                    },
                    "responses": {
                        "200": _json("#/components/schemas/CardsResponse", "The cards"),
                        **_problems(400, 401, 403, 404, 412, 413, 415, 422, 500),
                    },
                }
            },
            "/cds-services/{service_id}/feedback": {
                "post": {
                    "summary": "Feedback on cards",
                    "security": bearer,
                    "parameters": [service_id],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FeedbackRequest"}}},
                    },
                    "responses": {
                        "200": {"description": "Recorded"},
                        **_problems(400, 401, 403, 404, 413, 415),
                    },
                }
            },
            "/check": {
                "post": {
                    "summary": "Check a regimen (the regimen format in, the report out)",
                    "security": bearer,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RegimenFile"}}},
                    },
                    "responses": {
                        "200": _json("#/components/schemas/Report", "The report"),
                        **_problems(400, 401, 403, 413, 415, 422, 500),
                    },
                }
            },
            "/rules/{rule_id}": {
                "get": {
                    "summary": "A rule, limit or finding code, with its references",
                    "security": bearer,
                    "parameters": [{"name": "rule_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "The record"}, **_problems(401, 403, 404)},
                }
            },
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "ok"}}}},
        },
    }
