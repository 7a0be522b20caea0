"""The ASGI application: routes, authentication, limits, logging and the catch-all."""

from __future__ import annotations

import json
import logging
import math
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._errors import InputError, KnowledgeBaseError
from .._kb.base import KnowledgeBase
from .._reading import Limits, loads_json
from .._severity import Severity
from .._version import __version__
from . import _fetch
from ._hooks import SERVICES, FeedbackRequest, HookRequest
from ._problems import PROBLEM_JSON, input_errors, problem, validation_errors
from ._settings import Settings, TrustedIssuer, is_loopback

log = logging.getLogger("suppcheck.server")

# Feedback follows a card within minutes; 10,000 cards a worker is hours of a clinic's hooks, in about 2 MiB.
ISSUED_KEPT = 10_000

# A hook request carries FHIR Bundles: narratives and many entries, so wider bounds than a regimen
# file's; the body-size limit bounds the whole.
_HOOK_LIMITS = Limits(max_items=100_000, max_string=1_000_000, max_values=2_000_000)
_JSON_TYPES = ("application/json", "application/fhir+json")


class _TooLarge(Exception):
    pass


class _Refused(Exception):
    """A request refused with a problem response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def create_app(
    *,
    rules: Sequence[str | Path] = (),
    min_severity: Severity | str = Severity.MODERATE,
    trusted_issuers: Sequence[TrustedIssuer | Mapping[str, Any]] = (),
    public_url: str | None = None,
    max_body_bytes: int = 1_000_000,
    cors_origins: Sequence[str] = (),
    fetch_timeout: float = 5.0,
    allow_http_fhir: bool = False,
    log_patient_ids: bool = False,
) -> Starlette:
    """The CDS Hooks service as an ASGI application (Starlette), for any ASGI server.

    ``rules`` are extra rules files merged over the bundled knowledge base (read
    now: a bad file fails here, not on the first call). Cards are made for
    findings at or above ``min_severity``. ``trusted_issuers`` are the CDS
    clients whose JWTs are accepted; without any, every request must come from
    the loopback interface. ``public_url`` is the service's base URL as the
    EHR calls it, the JWT audience: required with trusted issuers. Bodies
    above ``max_body_bytes`` get 413. ``cors_origins`` are the browser
    origins allowed to call (``["*"]`` for any, as the public CDS Hooks
    sandbox needs). ``fetch_timeout`` bounds each call to an EHR's FHIR
    server; plain http to it is refused unless on loopback or
    ``allow_http_fhir``. The request log names no patient unless
    ``log_patient_ids``.
    """
    settings = Settings(
        rules=tuple(str(r) for r in rules),
        min_severity=Severity(min_severity),
        trusted_issuers=tuple(
            i if isinstance(i, TrustedIssuer) else TrustedIssuer.from_mapping(i) for i in trusted_issuers
        ),
        public_url=public_url.rstrip("/") if public_url else None,
        max_body_bytes=max_body_bytes,
        cors_origins=tuple(cors_origins),
        fetch_timeout=fetch_timeout,
        allow_http_fhir=allow_http_fhir,
        log_patient_ids=log_patient_ids,
    )
    service = _Service(settings)
    routes = [
        Route("/cds-services", service.discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", service.hook, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", service.feedback, methods=["POST"]),
        Route("/check", service.check, methods=["POST"]),
        Route("/rules/{rule_id}", service.rule, methods=["GET"]),
        Route("/openapi.json", service.openapi, methods=["GET"]),
        Route("/healthz", service.healthz, methods=["GET"]),
    ]
    middleware = [Middleware(_Guard, settings=settings)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_problem, Exception: _internal_problem},
    )
    app.state.settings = settings
    app.state.knowledge = service.kb
    return app


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    detail = {404: "no such endpoint", 405: "method not allowed on this endpoint"}.get(exc.status_code)
    return problem(exc.status_code, detail, headers=headers)


async def _internal_problem(request: Request, exc: Exception) -> Response:
    return problem(500, "the service failed on this request; it has been logged")


class _Guard:
    """Outermost: the request log line, loopback-only without issuers, and the catch-all for errors.

    Any exception below becomes a 500 problem with an incident id (and the
    traceback goes to the log, never to the response).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            client = scope.get("client")
            if self.settings.loopback_only and not is_loopback(client[0] if client else None):
                await problem(403, "this service accepts calls from this machine only (no trusted issuers)")(
                    scope, receive, sending
                )
                return
            await self.app(scope, receive, sending)
        except Exception:
            incident = str(uuid.uuid4())
            log.error("incident %s: %s", incident, traceback.format_exc())
            if status[0] == 0:
                await problem(500, "the service failed on this request; it has been logged", incident=incident)(
                    scope, receive, sending
                )
        finally:
            state = scope.get("state") or {}
            line: dict[str, Any] = {
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status[0],
                "ms": round((time.perf_counter() - start) * 1000, 2),
            }
            for key in ("service", "hookInstance", "cards", "fetched", "patient"):
                if key in state:
                    line[key] = state[key]
            log.info(json.dumps(line, ensure_ascii=True))


def _finite(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return False
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return True


def _json_type(request: Request) -> bool:
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return given in _JSON_TYPES or given.endswith("+json")


class _Service:
    def __init__(self, settings: Settings) -> None:
        from .._kb.loader import default_knowledge, load_knowledge

        self.settings = settings
        try:
            self.kb: KnowledgeBase = (
                load_knowledge(extra=list(settings.rules)) if settings.rules else default_knowledge()
            )
        except KnowledgeBaseError as exc:
            raise ValueError("the rules could not be loaded:\n" + "\n".join(exc.problems)) from None
        self.verifier: Any = None
        if settings.trusted_issuers:
            from ._auth import Verifier  # PyJWT and cryptography load only when tokens are checked

            self.verifier = Verifier(settings.trusted_issuers)
        self._openapi: bytes | None = None
        # Feedback names a card by its uuid only; the last cards issued are kept to log which finding it was on.
        self.issued: OrderedDict[str, str] = OrderedDict()

    # -- plumbing -----------------------------------------------------------------

    def _base(self, request: Request) -> str:
        if self.settings.public_url:
            return self.settings.public_url
        return f"{request.url.scheme}://{request.url.netloc}"

    async def _authenticate(self, request: Request, *paths: str) -> None:
        if self.verifier is None:
            return
        base = self._base(request)
        audiences = [base + p for p in paths]
        from starlette.concurrency import run_in_threadpool

        from ._auth import AuthError

        try:
            # A JWKS URL is fetched with a blocking client on first use: off the event loop.
            await run_in_threadpool(self.verifier.verify, request.headers.get("authorization"), audiences)
        except AuthError as exc:
            raise _Refused(
                problem(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            ) from None

    async def _body(self, request: Request) -> Any:
        if not _json_type(request):
            raise _Refused(problem(415, "send the body as application/json"))
        limit = self.settings.max_body_bytes
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise _Refused(problem(413, f"the body is larger than this service's limit of {limit:,} bytes"))
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise _Refused(problem(413, f"the body is larger than this service's limit of {limit:,} bytes"))
        if not body:
            raise _Refused(problem(400, "the body is empty: send a JSON document"))
        try:
            data = loads_json(bytes(body), source=None, limits=_HOOK_LIMITS._replace(max_bytes=limit))
        except InputError as exc:
            raise _Refused(problem(400, "the body is not acceptable JSON", errors=input_errors(exc))) from None
        # Python reads NaN and Infinity, which JSON (RFC 8259) does not have and no answer could carry.
        if (b"NaN" in body or b"Infinity" in body) and not _finite(data):
            raise _Refused(problem(400, "the body is not JSON: NaN and Infinity are not JSON numbers"))
        return data

    # -- endpoints ----------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "suppcheck_version": __version__, "knowledge_version": self.kb.version})

    async def discovery(self, request: Request) -> Response:
        try:
            await self._authenticate(request, "/cds-services")
        except _Refused as refused:
            return refused.response
        return JSONResponse({"services": list(SERVICES.values())})

    async def hook(self, request: Request) -> Response:
        service_id = request.path_params["service_id"]
        service = SERVICES.get(service_id)
        if service is None:
            return problem(404, f"no CDS service {service_id[:100]!r}: see GET /cds-services")
        request.state.service = service_id
        try:
            await self._authenticate(request, f"/cds-services/{service_id}")
            data = await self._body(request)
        except _Refused as refused:
            return refused.response
        if isinstance(data, Mapping) and isinstance(data.get("hookInstance"), str):
            request.state.hookInstance = data["hookInstance"][:64]
        try:
            call = HookRequest.model_validate(data)
        except ValidationError as exc:
            return problem(400, "the request is not a CDS Hooks call", errors=validation_errors(exc.errors()))
        request.state.hookInstance = call.hookInstance
        if self.settings.log_patient_ids:
            request.state.patient = call.context.patientId
        if call.hook != service["hook"]:
            return problem(400, f"this service answers the {service['hook']} hook, not {call.hook[:100]!r}")
        try:
            resources, fetched = await _fetch.gather(call, self.settings)
        except _fetch.Unavailable as exc:
            return problem(412, str(exc))
        except ValueError as exc:
            return problem(400, str(exc))
        if fetched:
            request.state.fetched = fetched
        from ._checking import Unreadable, cards_for

        try:
            cards = cards_for(call, resources, self.kb, self.settings.min_severity)
        except InputError as exc:
            return problem(422, "the records could not be read as a regimen", errors=input_errors(exc))
        except Unreadable as exc:
            # A record of a shape the FHIR reader did not expect (an id that is a list): the input is
            # malformed, and the reader's failure is a bug to fix, so it is logged with its trace.
            incident = str(uuid.uuid4())
            log.error("incident %s: a record the FHIR reader could not read: %s", incident, exc.trace)
            return problem(422, "a record is malformed and could not be read", incident=incident)
        self._remember(cards)
        request.state.cards = len(cards)
        return JSONResponse({"cards": cards})

    def _remember(self, cards: Sequence[Mapping[str, Any]]) -> None:
        for card in cards:
            topic = card["source"].get("topic", {})
            self.issued[card["uuid"]] = str(topic.get("code", "notice"))
        while len(self.issued) > ISSUED_KEPT:
            self.issued.popitem(last=False)

    async def feedback(self, request: Request) -> Response:
        service_id = request.path_params["service_id"]
        if service_id not in SERVICES:
            return problem(404, f"no CDS service {service_id[:100]!r}: see GET /cds-services")
        request.state.service = service_id
        try:
            await self._authenticate(request, f"/cds-services/{service_id}", f"/cds-services/{service_id}/feedback")
            data = await self._body(request)
        except _Refused as refused:
            return refused.response
        try:
            given = FeedbackRequest.model_validate(data)
        except ValidationError as exc:
            return problem(400, "the request is not CDS Hooks feedback", errors=validation_errors(exc.errors()))
        for item in given.feedback:
            code = self.issued.get(item.card, "unknown card")
            reason = item.overrideReason.reason.code if item.overrideReason and item.overrideReason.reason else None
            # The comment is free text a clinician typed: it may name the patient, so it is never logged.
            log.info(
                json.dumps(
                    {
                        "feedback": service_id,
                        "card": item.card,
                        "finding": code,
                        "outcome": item.outcome,
                        "accepted": [s.id for s in item.acceptedSuggestions or ()],
                        "overrideReason": reason,
                        "comment": bool(item.overrideReason and item.overrideReason.userComment),
                        "at": item.outcomeTimestamp,
                    },
                    ensure_ascii=True,
                )
            )
        return JSONResponse({"accepted": len(given.feedback)})

    async def check(self, request: Request) -> Response:
        try:
            await self._authenticate(request, "/check")
            data = await self._body(request)
        except _Refused as refused:
            return refused.response
        from .._check import check
        from .._regimen import RegimenFile

        try:
            if not isinstance(data, Mapping):
                raise InputError("(document): a regimen is a mapping with profile and regimen")
            regimen = RegimenFile.model_validate(data, context={"knowledge": self.kb})
            report = check(regimen, knowledge=self.kb)
        except InputError as exc:
            return problem(422, "the regimen has problems; nothing was checked", errors=input_errors(exc))
        return Response(report.model_dump_json(), media_type="application/json")

    async def rule(self, request: Request) -> Response:
        try:
            await self._authenticate(request, request.url.path)
        except _Refused as refused:
            return refused.response
        from .._describe import FINDING_CODES, close_matches, explain

        ident = request.path_params["rule_id"]
        kb = self.kb
        body: dict[str, Any]
        if ident in kb.rules:
            record = kb.rules[ident]
            body = {
                "kind": "rule",
                "id": ident,
                "record": record.model_dump(mode="json", exclude_none=True, exclude={"provenance"}),
            }
            refs = record.references
        elif ident in kb.limits:
            limit = kb.limits[ident]
            body = {
                "kind": "limit",
                "id": ident,
                "record": limit.model_dump(mode="json", exclude_none=True, exclude={"provenance"}),
            }
            refs = limit.references
        elif ident in FINDING_CODES:
            return JSONResponse({"kind": "finding_code", "id": ident, "meaning": FINDING_CODES[ident]})
        else:
            hint = close_matches(ident[:200], [*kb.rules, *kb.limits, *FINDING_CODES])
            return problem(404, f"no rule, limit or finding code {ident[:200]!r}", did_you_mean=hint)
        body["references"] = [
            kb.references[r].model_dump(mode="json", exclude_none=True, exclude={"provenance"})
            for r in refs
            if r in kb.references
        ]
        body["text"] = explain(kb, ident)
        return JSONResponse(body)

    async def openapi(self, request: Request) -> Response:
        if self._openapi is None:
            from ._openapi import document

            self._openapi = json.dumps(document(), ensure_ascii=False).encode()
        return Response(self._openapi, media_type="application/json")


Handler = Callable[[Request], Awaitable[Response]]
__all__ = ["PROBLEM_JSON", "create_app"]
