"""Hook calls through a real uvicorn server and a real httpx client: cards, the fetch path, 412.

The scenario: a 72-year-old woman with chronic kidney disease (ICD-10-CM
N18.4 on her problem list) takes magnesium 400 mg twice a day at 08:00
and 20:00, and doxycycline is being ordered at the same times. Every card is
checked against the specification (tests/cds_conformance.py) and every FHIR
resource in a suggestion against the FHIR R4B models.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from suppcheck.server import TrustedIssuer, create_app

from .cds_conformance import card_problems, response_problems
from .server_support import ISSUER, Keys, free_port, log_lines, running

UCUM = "http://unitsofmeasure.org"
PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1954-03-02", "gender": "female"}
CKD = {
    "resourceType": "Condition",
    "id": "c1",
    "clinicalStatus": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
    },
    "code": {
        "coding": [
            {
                "system": "http://hl7.org/fhir/sid/icd-10-cm",
                "code": "N18.4",
                "display": "Chronic kidney disease, stage 4 (severe)",
            }
        ],
        "text": "Chronic kidney disease",
    },
    "subject": {"reference": "Patient/p1"},
}


def _twice_daily() -> dict[str, Any]:
    return {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00", "20:00:00"]}}


MAGNESIUM = {
    "resourceType": "MedicationStatement",
    "id": "ms1",
    "status": "active",
    "medicationCodeableConcept": {"text": "magnesium"},
    "subject": {"reference": "Patient/p1"},
    "dosage": [
        {
            "timing": _twice_daily(),
            "doseAndRate": [{"doseQuantity": {"value": 400, "unit": "mg", "system": UCUM, "code": "mg"}}],
        }
    ],
}
DOXYCYCLINE = {
    "resourceType": "MedicationRequest",
    "id": "mr1",
    "status": "draft",
    "intent": "order",
    "medicationCodeableConcept": {"text": "doxycycline 100 MG Oral Capsule"},
    "subject": {"reference": "Patient/p1"},
    "dosageInstruction": [
        {
            "timing": _twice_daily(),
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "capsule", "system": UCUM, "code": "{capsule}"}}],
        }
    ],
}


def _searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


PREFETCH = {
    "patient": PATIENT,
    "conditions": _searchset(CKD),
    "medicationStatements": _searchset(MAGNESIUM),
    "medicationRequests": _searchset(),
}


def call(hook: str = "order-sign", *, prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/dr1",
        "patientId": "p1",
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": DOXYCYCLINE}]},
    }
    if hook == "order-select":
        context["selections"] = ["MedicationRequest/mr1"]
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running(create_app()) as url:
        yield url


def _cards(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert response_problems(body) == []
    for card in body["cards"]:
        for suggestion in card.get("suggestions", ()):
            for action in suggestion.get("actions", ()):
                resource = action["resource"]
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)  # raises when invalid
    cards: list[dict[str, Any]] = body["cards"]
    return cards


def _codes(cards: list[dict[str, Any]]) -> set[str]:
    return {c["source"]["topic"]["code"] for c in cards if "topic" in c["source"]}


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert "Traceback" not in response.text
    return body


# -- order-sign and order-select with prefetch ----------------------------------------------------


def test_order_sign_gives_conformant_cards_for_the_doxycycline_magnesium_kidney_case(base: str) -> None:
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    codes = _codes(cards)
    assert {"timing.separation", "contraindication.condition", "dose.above_upper_limit"} <= codes
    for card in cards:
        assert card["source"]["label"] == "suppcheck"
        assert card["source"]["topic"]["version"]
        assert card["detail"].startswith("**")
        assert "Recommendation" in card["detail"]
        assert f"knowledge base {card['source']['topic']['version']}" in card["detail"].replace("\\", "")
        assert card["overrideReasons"]
    kidney = next(c for c in cards if c["source"]["topic"]["code"] == "contraindication.condition")
    assert "magnesium" in kidney["summary"].lower()
    assert kidney["source"]["url"].startswith("https://")


def test_indicators_follow_severity(base: str) -> None:
    report = httpx.post(
        f"{base}/check",
        json={
            "profile": {"age": 72, "sex": "female", "conditions": ["chronic kidney disease"], "medications": []},
            "regimen": [
                {
                    "substance": "magnesium",
                    "form": "citrate",
                    "amount": "400 mg",
                    "per_day": 2,
                    "times": ["08:00", "20:00"],
                }
            ],
        },
    ).json()
    severity = {f["code"]: f["severity"] for f in report["findings"]}
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    expected = {
        "contraindicated": "critical",
        "major": "critical",
        "moderate": "warning",
        "minor": "info",
        "info": "info",
    }
    checked = 0
    for card in cards:
        code = card["source"]["topic"]["code"]
        if code in severity:
            assert card["indicator"] == expected[severity[code]], code
            checked += 1
    assert checked >= 2


def test_the_dose_above_the_upper_limit_has_a_suggestion_that_lowers_it(base: str) -> None:
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    dose = next(c for c in cards if c["source"]["topic"]["code"] == "dose.above_upper_limit")
    assert dose["selectionBehavior"] == "at-most-one"
    (suggestion,) = dose["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "update"
    resource = action["resource"]
    assert resource["id"] == "ms1"
    assert resource["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 175
    assert resource["dosage"][0]["timing"] == MAGNESIUM["dosage"][0]["timing"]  # only the dose changed


def test_the_separation_has_a_suggestion_with_the_planners_times(base: str) -> None:
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    separation = [c for c in cards if c["source"]["topic"]["code"] == "timing.separation"]
    with_moves = [c for c in separation if c.get("suggestions")]
    assert with_moves, separation
    action = with_moves[0]["suggestions"][0]["actions"][0]
    resource = action["resource"]
    assert resource["id"] == "ms1"  # the supplement moves; the prescribed antibiotic keeps its times
    times = resource["dosage"][0]["timing"]["repeat"]["timeOfDay"]
    assert len(times) == 2
    assert "08:00:00" not in times
    assert "20:00:00" not in times
    # The moved times keep the separation: check the regimen again with them.
    hhmm = [t[:5] for t in times]
    report = httpx.post(
        f"{base}/check",
        json={
            "profile": {
                "age": 72,
                "sex": "female",
                "medications": [{"name": "doxycycline", "times": ["08:00", "20:00"]}],
            },
            "regimen": [{"substance": "magnesium", "amount": "400 mg", "per_day": 2, "times": hhmm}],
        },
    ).json()
    assert "timing.separation" not in [f["code"] for f in report["findings"]]


def test_order_select_puts_the_selected_orders_cards_first_and_drops_none(base: str) -> None:
    url = f"{base}/cds-services/suppcheck-order-select"
    cards = _cards(httpx.post(url, json=call("order-select", prefetch=PREFETCH)))
    signed = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    assert sorted(_codes(cards)) == sorted(_codes(signed))
    # The doxycycline order is the selection: its separation card comes before the (worse) kidney card.
    assert cards[0]["source"]["topic"]["code"] == "timing.separation"
    assert signed[0]["indicator"] == "critical"


def test_card_uuids_are_stable_for_a_hook_instance_and_differ_between_instances(base: str) -> None:
    first = call(prefetch=PREFETCH)
    url = f"{base}/cds-services/suppcheck-order-sign"
    a = [c["uuid"] for c in _cards(httpx.post(url, json=first))]
    b = [c["uuid"] for c in _cards(httpx.post(url, json=first))]
    other = dict(first, hookInstance=str(uuid.uuid4()))
    c = [c["uuid"] for c in _cards(httpx.post(url, json=other))]
    assert a == b
    assert len(set(a)) == len(a)
    assert not set(a) & set(c)
    assert all(uuid.UUID(u).version == 5 for u in a)


def test_min_severity_leaves_out_the_milder_cards() -> None:
    with running(create_app(min_severity="major")) as url:
        strict = _cards(httpx.post(f"{url}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    with running(create_app(min_severity="info")) as url:
        everything = _cards(httpx.post(f"{url}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    assert strict
    assert all(c["indicator"] == "critical" for c in strict)
    assert len(everything) > len(strict)


def test_a_record_that_could_not_be_read_is_a_card_whatever_the_minimum_severity(base: str) -> None:
    unknown = copy.deepcopy(MAGNESIUM)
    unknown["id"] = "ms2"
    unknown["medicationCodeableConcept"] = {"text": "moonflower essence"}
    unmapped = copy.deepcopy(MAGNESIUM)
    unmapped["id"] = "ms3"
    unmapped["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "unit": "scoops", "code": "{scoop}"}
    prefetch = dict(PREFETCH, medicationStatements=_searchset(MAGNESIUM, unknown, unmapped))
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=prefetch)))
    codes = _codes(cards)
    assert any(code.startswith("input.unrecognized_") for code in codes), codes  # minor, under the default
    assert "input.fhir_unmapped" in codes
    assert all(c["indicator"] == "info" for c in cards if c["source"]["topic"]["code"].startswith("input."))


def test_no_supplement_means_no_card(base: str) -> None:
    prefetch = dict(PREFETCH, medicationStatements=_searchset())
    assert _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=prefetch))) == []


def test_a_draft_nutrition_order_with_a_supplement_is_never_dropped_silently(base: str) -> None:
    body = call(prefetch=PREFETCH)
    order = {
        "resourceType": "NutritionOrder",
        "id": "no1",
        "status": "draft",
        "intent": "order",
        "patient": {"reference": "Patient/p1"},
        "dateTime": "2026-12-01",
        "supplement": [{"productName": "Calcium and vitamin D chews", "quantity": {"value": 1, "unit": "chew"}}],
    }
    body["context"]["draftOrders"]["entry"].append({"resource": order})
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body))
    read = [c for c in cards if "NutritionOrder/no1" in c["summary"] or "Calcium and vitamin D" in c.get("detail", "")]
    assert read, [c["summary"] for c in cards]


def test_a_draft_nutrition_order_for_magnesium_is_checked_against_the_doxycycline_order(base: str) -> None:
    body = call(prefetch={**PREFETCH, "medicationStatements": _searchset()})
    order = {
        "resourceType": "NutritionOrder",
        "id": "no2",
        "status": "draft",
        "intent": "order",
        "patient": {"reference": "Patient/p1"},
        "dateTime": "2026-12-01",
        "supplement": [
            {
                "productName": "magnesium",
                "quantity": {"value": 250, "system": UCUM, "code": "mg"},
                "schedule": [{"repeat": {"timeOfDay": ["08:00:00"]}}],
            }
        ],
    }
    body["context"]["draftOrders"]["entry"].append({"resource": order})
    cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body))
    # The doxycycline draft is taken at 08:00 and 20:00: the magnesium ordered at 08:00 breaks the window.
    assert {"timing.separation", "contraindication.condition"} <= _codes(cards)
    assert not [c for c in cards if "was not checked" in c["summary"]]


def test_the_log_line_names_the_hook_instance_and_no_patient(base: str, caplog: pytest.LogCaptureFixture) -> None:
    body = call(prefetch=PREFETCH)
    with caplog.at_level(logging.INFO, logger="suppcheck.server"):
        httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body)
        lines = log_lines(caplog, body["hookInstance"])
    assert lines[-1]["hookInstance"] == body["hookInstance"]
    assert lines[-1]["status"] == 200
    assert lines[-1]["cards"] > 0
    assert "p1" not in caplog.text.replace(body["hookInstance"], "")
    assert "1954" not in caplog.text


def test_feedback_names_the_finding_of_the_last_cards_a_worker_issued(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from suppcheck.server import _app

    monkeypatch.setattr(_app, "ISSUED_KEPT", 4)
    with running(create_app()) as url:
        first = _cards(httpx.post(f"{url}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
        last = _cards(httpx.post(f"{url}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
        assert len(first) + len(last) > 4
        items = [
            {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}
            for card in (first[0], last[-1])
        ]
        with caplog.at_level(logging.INFO, logger="suppcheck.server"):
            response = httpx.post(f"{url}/cds-services/suppcheck-order-sign/feedback", json={"feedback": items})
            assert response.status_code == 200, response.text
            lines = log_lines(caplog, '"feedback"', 2)
    # The oldest card has been forgotten: its feedback is still logged, with the finding unknown.
    assert [line["finding"] for line in lines[-2:]] == ["unknown card", last[-1]["source"]["topic"]["code"]]


def test_a_secured_service_answers_a_signed_call_and_refuses_an_expired_or_misdirected_one(
    tmp_path: Path,
) -> None:
    keys = Keys(tmp_path)
    port = free_port()
    app = create_app(
        trusted_issuers=[TrustedIssuer(ISSUER, jwks_file=keys.jwks_file)], public_url=f"http://127.0.0.1:{port}"
    )
    with running(app, port) as url:
        target = f"{url}/cds-services/suppcheck-order-sign"

        def post(token: str) -> httpx.Response:
            return httpx.post(target, json=call(prefetch=PREFETCH), headers={"authorization": f"Bearer {token}"})

        assert _cards(post(keys.token(target)))
        assert "expired" in _problem(post(keys.token(target, exp_in=-120)), 401)["detail"]
        other = f"{url}/cds-services/suppcheck-order-select"
        assert "audience" in _problem(post(keys.token(other)), 401)["detail"]
        assert _problem(httpx.post(target, json=call(prefetch=PREFETCH)), 401)["detail"]


# -- requests that cannot be answered ---------------------------------------------------------


def test_missing_prefetch_without_a_fhir_server_is_412(base: str) -> None:
    prefetch = {"patient": PATIENT}  # the conditions and medications were not prefetched
    problem = _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=prefetch)), 412)
    assert "conditions" in problem["detail"]
    assert "fhirServer" in problem["detail"]
    # An OperationOutcome in place of a prefetch is no data either.
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    prefetch = dict(PREFETCH, conditions=outcome)
    _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=prefetch)), 412)


def test_null_prefetch_means_no_data_not_missing(base: str) -> None:
    prefetch = dict(PREFETCH, medicationRequests=None)
    assert _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=prefetch)))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.update(hookInstance="not-a-uuid"), "hookInstance"),
        (lambda b: b["context"].pop("draftOrders"), "draftOrders"),
        (lambda b: b["context"].update(patientId="../Patient/x?"), "patientId"),
        (lambda b: b.update(fhirAuthorization={"access_token": "t", "token_type": "Bearer"}), "fhirServer"),
    ],
)
def test_a_malformed_call_is_a_400_problem(base: str, change: Any, where: str) -> None:
    body = call(prefetch=PREFETCH)
    change(body)
    problem = _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body), 400)
    assert where in json.dumps(problem)


def test_the_wrong_hook_for_the_service_is_a_400_problem(base: str) -> None:
    body = call("order-select", prefetch=PREFETCH)
    problem = _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body), 400)
    assert "order-sign" in problem["detail"]


def test_bad_json_in_a_hook_call_is_a_400_problem(base: str) -> None:
    response = httpx.post(
        f"{base}/cds-services/suppcheck-order-sign",
        content=b'{"hook": "order-sign", "context": {',
        headers={"content-type": "application/json"},
    )
    assert _problem(response, 400)["errors"][0]["type"]


# -- the fetch path ---------------------------------------------------------------------------


class _Ehr:
    """A small FHIR server on loopback: the patient's records, behind a bearer token."""

    def __init__(self, token: str = "ehr-access-token") -> None:
        self.token = token
        self.seen: list[tuple[str, str | None]] = []
        self.fail: int | None = None

    def app(self) -> Starlette:
        async def read(request: Request) -> JSONResponse:
            self.seen.append(
                (
                    request.url.path + ("?" + request.url.query if request.url.query else ""),
                    request.headers.get("authorization"),
                )
            )
            if self.fail is not None:
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=self.fail)
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
            kind = request.path_params["kind"]
            if kind == "Patient":
                return JSONResponse(PATIENT)
            assert request.query_params["patient"] == "p1"
            found = {"Condition": [CKD], "MedicationStatement": [MAGNESIUM], "MedicationRequest": []}[kind]
            if kind == "Condition":
                assert request.query_params["clinical-status"] == "active"
            return JSONResponse(_searchset(*found))

        return Starlette(routes=[Route("/fhir/{kind}", read), Route("/fhir/{kind}/{ident}", read)])


def test_without_prefetch_the_records_are_fetched_with_the_given_token(base: str) -> None:
    ehr = _Ehr()
    with running(ehr.app()) as server:
        body = call(
            fhirServer=f"{server}/fhir",
            fhirAuthorization={
                "access_token": ehr.token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "user/Patient.read",
                "subject": "suppcheck",
            },
        )
        fetched = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body))
    prefetched = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=call(prefetch=PREFETCH)))
    assert _codes(fetched) == _codes(prefetched)
    assert sorted(path for path, _ in ehr.seen) == sorted(
        [
            "/fhir/Patient/p1",
            "/fhir/Condition?patient=p1&clinical-status=active",
            "/fhir/MedicationStatement?patient=p1&status=active",
            "/fhir/MedicationRequest?patient=p1&status=active",
        ]
    )
    assert {auth for _, auth in ehr.seen} == {f"Bearer {ehr.token}"}


def test_only_the_missing_prefetch_is_fetched(base: str) -> None:
    ehr = _Ehr()
    with running(ehr.app()) as server:
        prefetch = {k: v for k, v in PREFETCH.items() if k != "conditions"}
        body = call(
            prefetch=prefetch,
            fhirServer=f"{server}/fhir",
            fhirAuthorization={
                "access_token": ehr.token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "x",
                "subject": "s",
            },
        )
        cards = _cards(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body))
    assert [path for path, _ in ehr.seen] == ["/fhir/Condition?patient=p1&clinical-status=active"]
    assert "contraindication.condition" in _codes(cards)


@pytest.mark.parametrize("status", [401, 500])
def test_a_fhir_server_that_fails_is_412(base: str, status: int) -> None:
    ehr = _Ehr()
    ehr.fail = status
    with running(ehr.app()) as server:
        body = call(fhirServer=f"{server}/fhir")
        problem = _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body), 412)
    assert str(status) in problem["detail"]
    assert ehr.token not in json.dumps(problem)


def test_a_plain_http_fhir_server_off_loopback_is_not_called(base: str) -> None:
    body = call(fhirServer="http://ehr.example.org/fhir")
    problem = _problem(httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body), 412)
    assert "https" in problem["detail"]


# -- the checker itself -----------------------------------------------------------------------


def test_the_conformance_checker_finds_what_the_specification_forbids() -> None:
    good = {"summary": "s", "indicator": "info", "source": {"label": "x"}}
    assert card_problems(good) == []
    bad = [
        dict(good, summary="x" * 140),
        dict(good, indicator="danger"),
        {k: v for k, v in good.items() if k != "source"},
        dict(good, uuid="123"),
        dict(good, suggestions=[{"label": "do", "actions": [{"type": "update", "description": "d"}]}]),
        dict(good, suggestions=[{"label": "do"}]),  # no selectionBehavior
        dict(good, overrideReasons=[{"code": "c", "system": "s"}]),  # no display
        dict(good, detail=""),
        dict(good, links=[{"label": "l", "url": "https://x", "type": "absolute", "appContext": "a"}]),
    ]
    for card in bad:
        assert card_problems(copy.deepcopy(card)), card


# -- junk never reaches a stack trace ---------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    _nested,
    max_leaves=20,
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*at, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*at, i)))
    return out


_CALL = call(prefetch=PREFETCH)
_PATHS = _paths(_CALL)[1:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(_PATHS), junk=_JSON)
def test_any_part_of_a_call_replaced_by_junk_gives_cards_or_a_problem(
    base: str, where: tuple[Any, ...], junk: Any
) -> None:
    body = copy.deepcopy(_CALL)
    node = body
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = junk
    response = httpx.post(f"{base}/cds-services/suppcheck-order-sign", json=body)
    assert response.status_code in (200, 400, 412, 422), response.text
    if response.status_code == 200:
        assert response_problems(response.json()) == []
    else:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in response.text
