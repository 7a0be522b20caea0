"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the service answers goes through here, so no response ever holds
a stack trace, an exception's text or a path on the server: only what the
caller sent, and what we say about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from .._errors import SuppcheckError

PROBLEM_JSON = "application/problem+json"
_MAX_ERRORS = 50
_MAX_INPUT = 200


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response: ``type`` about:blank, ``title`` the status phrase, ``status``, ``detail``."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = list(errors)[:_MAX_ERRORS]
    body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False), status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_INPUT:
        return value[:_MAX_INPUT] + "…"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return None  # a mapping or a list would echo a whole record back


def input_errors(exc: SuppcheckError) -> list[dict[str, Any]]:
    """The structured locations of an input error: ``loc``, ``type``, ``msg`` (and ``input``, where short)."""
    out = []
    for item in exc.errors():
        entry: dict[str, Any] = {"loc": list(item["loc"]), "type": item["type"], "msg": item["msg"]}
        short = _short(item.get("input"))
        if short is not None:
            entry["input"] = short
        out.append(entry)
    return out


def validation_errors(errors: Iterable[Mapping[str, Any]], *, prefix: Sequence[str | int] = ()) -> list[dict[str, Any]]:
    """The ``errors`` of a pydantic ``ValidationError`` as problem ``errors``, without echoing records back."""
    out = []
    for item in errors:
        entry: dict[str, Any] = {
            "loc": [*prefix, *item.get("loc", ())],
            "type": item.get("type", "value_error"),
            "msg": item.get("msg", ""),
        }
        short = _short(item.get("input"))
        if short is not None:
            entry["input"] = short
        out.append(entry)
    return out
