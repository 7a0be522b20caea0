"""The CDS Hooks service, through a real uvicorn server and a real httpx client.

Hook calls are in tests/test_server_hooks.py; here: discovery, /check,
/rules, /openapi.json, /healthz, feedback, errors, limits and authentication.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from suppcheck.server import TrustedIssuer, create_app

from .conftest import regimen
from .server_support import ISSUER, Keys, free_port, log_lines, running

HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running(create_app()) as url:
        yield url


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("jwks"))


@pytest.fixture(scope="module")
def secured(keys: Keys) -> Iterator[str]:
    port = free_port()
    app = create_app(
        trusted_issuers=[TrustedIssuer(ISSUER, jwks_file=keys.jwks_file)],
        public_url=f"http://127.0.0.1:{port}",
        max_body_bytes=20_000,
    )
    with running(app, port) as url:
        yield url


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    text = response.text
    assert "Traceback" not in text
    assert "/src/suppcheck" not in text
    assert ".py" not in text
    return body


# -- discovery ---------------------------------------------------------------------------


def test_discovery_lists_an_order_select_and_an_order_sign_service(base: str) -> None:
    response = httpx.get(f"{base}/cds-services")
    assert response.status_code == 200
    services = {s["hook"]: s for s in response.json()["services"]}
    assert set(services) == {"order-select", "order-sign"}
    for service in services.values():
        assert service["title"]
        assert service["description"]
        assert service["id"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert prefetch["conditions"].startswith("Condition?patient={{context.patientId}}")
        assert "clinical-status=active" in prefetch["conditions"]
        assert prefetch["medicationStatements"].startswith("MedicationStatement?patient={{context.patientId}}")
        assert prefetch["medicationRequests"].startswith("MedicationRequest?patient={{context.patientId}}")
        # Each advertised id is callable (a GET is the wrong method, not an unknown service).
        assert httpx.get(f"{base}/cds-services/{service['id']}").status_code == 405


# -- /check, /rules, /openapi.json, /healthz -----------------------------------------------------


def test_check_returns_the_report(base: str) -> None:
    body = regimen({"substance": "magnesium", "form": "citrate", "amount": "400 mg", "per_day": 2})
    response = httpx.post(f"{base}/check", json=body)
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is False
    assert "dose.above_upper_limit" in [f["code"] for f in report["findings"]]
    assert report["knowledge_version"]


def test_a_bad_regimen_is_a_422_problem_with_structured_locations(base: str) -> None:
    body = regimen({"substance": "magnesium", "amount": "400 IU"})
    problem = _problem(httpx.post(f"{base}/check", json=body), 422)
    assert problem["errors"], problem
    first = problem["errors"][0]
    assert first["loc"][:2] == ["regimen", 0]
    assert "IU" in first["msg"]
    assert isinstance(first["type"], str)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"profile": {"age": 40}, "regimen": [', "line 1"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2", "line 1"),
        (b'{"profile": {"age": NaN}, "regimen": []}', "NaN"),
        (b'{"profile": {"age": 40}, "regimen": [{"substance": "zinc", "amount": {"value": Infinity}}]}', "Infinity"),
    ],
)
def test_bad_json_is_a_400_problem(base: str, content: bytes, where: str) -> None:
    response = httpx.post(f"{base}/check", content=content, headers={"content-type": "application/json"})
    problem = _problem(response, 400)
    assert where in json.dumps(problem)


def test_a_duplicate_key_is_refused_not_last_one_wins(base: str) -> None:
    content = b'{"profile": {"age": 40, "age": 12}, "regimen": [{"substance": "zinc", "amount": "11 mg"}]}'
    problem = _problem(httpx.post(f"{base}/check", content=content, headers={"content-type": "application/json"}), 400)
    assert problem["errors"][0]["type"] == "duplicate_key"


def test_a_body_that_is_not_json_by_its_type_is_refused(base: str) -> None:
    # A browser may POST text/plain across origins without asking first (no CORS preflight).
    response = httpx.post(f"{base}/check", content=b"{}", headers={"content-type": "text/plain"})
    _problem(response, 415)


def test_rules_endpoint_gives_a_rule_with_its_references(base: str) -> None:
    response = httpx.get(f"{base}/rules/ul.magnesium.adult")
    if response.status_code == 404:  # the id depends on the knowledge base: take one the check names
        report = httpx.post(f"{base}/check", json=regimen({"substance": "magnesium", "amount": "800 mg"})).json()
        rule_id = next(f["rule_id"] for f in report["findings"] if f["code"] == "dose.above_upper_limit")
        response = httpx.get(f"{base}/rules/{rule_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] in ("rule", "limit")
    assert body["references"]
    assert all(r["url"].startswith("http") for r in body["references"])
    assert body["text"]


def test_an_unknown_rule_is_a_404_problem_with_close_ids(base: str) -> None:
    problem = _problem(httpx.get(f"{base}/rules/dose.above_upper_limt"), 404)
    assert "dose.above_upper_limit" in problem["did_you_mean"]
    assert httpx.get(f"{base}/rules/dose.above_upper_limit").json()["kind"] == "finding_code"


def test_openapi_document_names_every_endpoint(base: str) -> None:
    doc = httpx.get(f"{base}/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/cds-services",
        "/cds-services/{service_id}",
        "/cds-services/{service_id}/feedback",
        "/check",
        "/rules/{rule_id}",
        "/openapi.json",
        "/healthz",
    }
    schemas = doc["components"]["schemas"]
    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs, "the document references its schemas"
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_healthz(base: str) -> None:
    body = httpx.get(f"{base}/healthz").json()
    assert body["status"] == "ok"
    assert body["knowledge_version"]


def test_an_unknown_path_and_a_wrong_method_are_problems(base: str) -> None:
    _problem(httpx.get(f"{base}/nowhere/../etc/passwd"), 404)
    _problem(httpx.delete(f"{base}/check"), 405)
    _problem(httpx.post(f"{base}/cds-services/no-such-service", json={}), 404)


# -- feedback ------------------------------------------------------------------------------


def test_feedback_is_validated_and_logged_without_the_comment(base: str, caplog: pytest.LogCaptureFixture) -> None:
    body = {
        "feedback": [
            {
                "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"code": "will-monitor", "system": "urn:example"},
                    "userComment": "Mrs Example prefers this",
                },
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            },
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
                "outcomeTimestamp": "2026-12-01T10:05:31.52Z",
            },
        ]
    }
    with caplog.at_level(logging.INFO, logger="suppcheck.server"):
        response = httpx.post(f"{base}/cds-services/suppcheck-order-sign/feedback", json=body)
    assert response.status_code == 200, response.text
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith('{"feedback"')]
    assert [(line["outcome"], line["overrideReason"]) for line in lines] == [
        ("overridden", "will-monitor"),
        ("accepted", None),
    ]
    assert lines[0]["comment"] is True
    assert "Mrs Example" not in caplog.text


@pytest.mark.parametrize(
    "item",
    [
        {"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-12-01T10:00:00Z"},  # no acceptedSuggestions
        {"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-12-01T10:00:00Z"},
        {"card": "x", "outcome": "overridden", "outcomeTimestamp": "yesterday"},
        {"outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"},
    ],
)
def test_bad_feedback_is_a_400_problem(base: str, item: dict[str, Any]) -> None:
    response = httpx.post(f"{base}/cds-services/suppcheck-order-sign/feedback", json={"feedback": [item]})
    problem = _problem(response, 400)
    assert problem["errors"][0]["loc"][:2] == ["feedback", 0]


# -- limits and the request log ---------------------------------------------------------------


def test_an_oversized_body_is_a_413_problem(secured: str, keys: Keys) -> None:
    big = {"feedback": [{"card": "x" * 100, "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}] * 400}
    url = f"{secured}/cds-services/suppcheck-order-sign/feedback"
    headers = {"authorization": f"Bearer {keys.token(url)}"}
    _problem(httpx.post(url, json=big, headers=headers), 413)

    # Without a Content-Length (chunked), the limit holds as the body arrives.
    def chunks() -> Iterator[bytes]:
        yield b'{"feedback": ['
        item = b'{"card": "' + b"x" * 100 + b'", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"},'
        for _ in range(1000):
            yield item
        yield b"]}"

    headers = {"authorization": f"Bearer {keys.token(url)}", "content-type": "application/json"}
    _problem(httpx.post(url, content=chunks(), headers=headers), 413)


def test_each_request_is_logged_with_status_and_duration(base: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="suppcheck.server"):
        httpx.get(f"{base}/healthz")
        httpx.post(f"{base}/check", content=b"{", headers={"content-type": "application/json"})
        lines = log_lines(caplog, '{"method"', 2)
    assert [(line["path"], line["status"]) for line in lines[-2:]] == [("/healthz", 200), ("/check", 400)]
    assert all(isinstance(line["ms"], float) for line in lines)


def test_an_internal_error_is_a_500_problem_without_a_trace(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from suppcheck import _check

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail at /srv/app/suppcheck/_check.py")

    monkeypatch.setattr(_check, "check", broken)
    with running(create_app()) as url, caplog.at_level(logging.ERROR, logger="suppcheck.server"):
        response = httpx.post(url + "/check", json=regimen({"substance": "zinc", "amount": "11 mg"}))
    problem = _problem(response, 500)
    assert "secret" not in response.text
    assert problem["incident"] in caplog.text
    assert "RuntimeError" in caplog.text  # the log keeps the trace the response does not


# -- authentication ------------------------------------------------------------------------


def test_a_valid_token_is_accepted_for_the_endpoint_it_names(secured: str, keys: Keys) -> None:
    url = f"{secured}/cds-services"
    response = httpx.get(url, headers={"authorization": f"Bearer {keys.token(url)}"})
    assert response.status_code == 200, response.text
    # An audience given as a list is as good.
    response = httpx.get(url, headers={"authorization": f"Bearer {keys.token([url])}"})
    assert response.status_code == 200, response.text


def test_healthz_and_openapi_need_no_token(secured: str) -> None:
    assert httpx.get(f"{secured}/healthz").status_code == 200
    assert httpx.get(f"{secured}/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda keys, url: None, "Authorization"),
        (lambda keys, url: "not-a-jwt", "not a JWT"),
        (lambda keys, url: keys.token(url, exp_in=-3600), "expired"),
        (lambda keys, url: keys.token(url + "-other"), "audience"),
        (lambda keys, url: keys.token(url, iss="https://someone-else.test/"), "issuer"),
        (lambda keys, url: keys.token(url, jti=None), "jti"),
        (lambda keys, url: keys.token(url, exp=None), "exp"),
    ],
)
def test_a_bad_token_is_a_401_problem(secured: str, keys: Keys, make: Any, why: str) -> None:
    url = f"{secured}/cds-services"
    token = make(keys, url)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    problem = _problem(httpx.get(url, headers=headers), 401)
    assert why in problem["detail"]


def test_a_token_signed_by_another_key_or_a_shared_secret_is_refused(secured: str, keys: Keys, tmp_path: Path) -> None:
    import jwt

    url = f"{secured}/cds-services"
    impostor = Keys(tmp_path, kid=keys.kid)  # same kid, another private key
    assert (
        "signature"
        in _problem(httpx.get(url, headers={"authorization": f"Bearer {impostor.token(url)}"}), 401)["detail"]
    )
    claims = {"iss": ISSUER, "aud": url, "exp": 4_000_000_000, "iat": 1, "jti": "x"}
    hs = jwt.encode(claims, "shared-secret-of-32-bytes-or-more!!", algorithm="HS256", headers={"kid": keys.kid})
    assert "algorithm" in _problem(httpx.get(url, headers={"authorization": f"Bearer {hs}"}), 401)["detail"]
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": keys.kid})
    _problem(httpx.get(url, headers={"authorization": f"Bearer {unsigned}"}), 401)


def test_a_token_is_accepted_once(secured: str, keys: Keys) -> None:
    url = f"{secured}/cds-services"
    token = keys.token(url)
    assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 200
    assert "already used" in _problem(httpx.get(url, headers={"authorization": f"Bearer {token}"}), 401)["detail"]


def test_keys_from_a_jwks_url(keys: Keys) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def jwks(request: Any) -> JSONResponse:
        return JSONResponse(keys.jwks)

    with running(Starlette(routes=[Route("/jwks", jwks)])) as ehr:
        port = free_port()
        app = create_app(
            trusted_issuers=[{"issuer": ISSUER, "jwks_url": f"{ehr}/jwks"}], public_url=f"http://127.0.0.1:{port}"
        )
        with running(app, port) as url:
            target = f"{url}/cds-services"
            assert httpx.get(target, headers={"authorization": f"Bearer {keys.token(target)}"}).status_code == 200
            _problem(httpx.get(target, headers={"authorization": "Bearer x.y.z"}), 401)


def test_cors_preflight_is_answered_for_a_configured_origin() -> None:
    with running(create_app(cors_origins=["https://sandbox.cds-hooks.org"])) as url:
        response = httpx.options(
            f"{url}/cds-services/suppcheck-order-sign",
            headers={
                "origin": "https://sandbox.cds-hooks.org",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://sandbox.cds-hooks.org"
        other = httpx.get(f"{url}/healthz", headers={"origin": "https://elsewhere.test"})
        assert "access-control-allow-origin" not in other.headers


def test_settings_that_cannot_be_right_stop_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HS256"):
        TrustedIssuer(ISSUER, jwks_file=tmp_path / "k.json", algorithms=("HS256",))
    with pytest.raises(ValueError, match="exactly one"):
        TrustedIssuer(ISSUER)
    with pytest.raises(ValueError, match="https"):
        TrustedIssuer(ISSUER, jwks_url="http://ehr.example.org/jwks")
    with pytest.raises(ValueError, match="JWK Set"):
        create_app(
            trusted_issuers=[TrustedIssuer(ISSUER, jwks_file=tmp_path / "missing.json")], public_url="https://cds.test"
        )
    keys = Keys(tmp_path)
    with pytest.raises(ValueError, match="public_url"):
        create_app(trusted_issuers=[TrustedIssuer(ISSUER, jwks_file=keys.jwks_file)])


# -- the command line -------------------------------------------------------------------


def test_serve_refuses_a_public_address_without_trusted_issuers() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "suppcheck", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert "no trusted issuers" in out.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_says_at_start_up_that_it_is_loopback_only_and_answers(workers: int) -> None:
    import os
    import signal
    import time

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "suppcheck", "serve", "--port", str(port), "--workers", str(workers)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        assert "no trusted issuers" in first
        assert "loopback only" in first
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "suppcheck serve did not start"
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.1)
        assert response.status_code == 200
        # Connections get TCP_NODELAY (asyncio sets it only on an IPPROTO_TCP socket): no 40 ms delayed-ACK stall.
        from suppcheck.server._serve import _listen

        probe = _listen("127.0.0.1", 0)
        assert probe.proto == socket.IPPROTO_TCP
        probe.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        if process.stderr is not None:
            process.stderr.close()


def test_without_issuers_a_call_from_another_address_is_refused() -> None:
    import asyncio

    async def from_elsewhere() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(), client=("192.0.2.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            return await client.get("/cds-services")

    problem = _problem(asyncio.run(from_elsewhere()), 403)
    assert "this machine only" in problem["detail"]


def test_serve_with_issuers_needs_the_public_url_and_a_readable_issuers_file(keys: Keys, tmp_path: Path) -> None:
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps([{"issuer": ISSUER, "jwks_file": str(keys.jwks_file)}]), encoding="utf-8")
    base = [sys.executable, "-m", "suppcheck", "serve", "--port", "1", "--issuers"]
    out = subprocess.run([*base, str(issuers)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "--public-url" in out.stderr
    issuers.write_text(json.dumps([{"issuer": ISSUER, "jwks_file": "nowhere.json"}]), encoding="utf-8")
    out = subprocess.run(
        [*base, str(issuers), "--public-url", "https://cds.test"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2
    assert "JWK Set" in out.stderr
    assert "Traceback" not in out.stderr
