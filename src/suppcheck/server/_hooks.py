"""CDS Hooks 2.0 requests the service reads, and the services it offers (discovery).

The request models check what the specification requires (``hook``,
``hookInstance``, ``context`` with the hook's required fields,
``fhirAuthorization`` only with ``fhirServer``) and ignore fields it does not
know, as extensions must be.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The prefetch each service asks for: the patient (age, sex), the active problem list and current
# medication statements and orders. Token and reference parameters only, as CDS Hooks recommends.
PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}&status=active",
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active",
}

SERVICES: dict[str, dict[str, Any]] = {
    "suppcheck-order-select": {
        "hook": "order-select",
        "title": "Supplement checks on selected orders",
        "description": (
            "Checks the dietary supplements and medications in the selected draft orders against the patient's "
            "current medication statements and requests, active conditions and life stage: doses above upper "
            "limits, interactions, separation windows, contraindications and depletions, each with its sources."
        ),
        "id": "suppcheck-order-select",
        "prefetch": PREFETCH,
    },
    "suppcheck-order-sign": {
        "hook": "order-sign",
        "title": "Supplement checks before signing",
        "description": (
            "Checks the draft orders about to be signed, with the patient's current medication statements and "
            "requests, active conditions and life stage, for supplement doses above upper limits, interactions, "
            "separation windows, contraindications and depletions, each with its sources."
        ),
        "id": "suppcheck-order-sign",
        "prefetch": PREFETCH,
    },
}


class _Lenient(BaseModel):
    # Unknown fields are extensions (CDS Hooks reserves `extension`) or newer versions' fields: ignored.
    model_config = ConfigDict(extra="ignore", frozen=True)


class FhirAuthorization(_Lenient):
    """The bearer token the EHR lends the service for its FHIR server."""

    access_token: str = Field(min_length=1, max_length=20_000)
    token_type: str
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None
    patient: str | None = None

    @field_validator("token_type")
    @classmethod
    def _bearer(cls, value: str) -> str:
        if value.lower() != "bearer":
            raise ValueError("token_type must be Bearer")
        return value

    def __repr__(self) -> str:  # never a token in a log line or an error
        return "FhirAuthorization(access_token=<hidden>)"


class OrderContext(_Lenient):
    """``context`` of ``order-select`` and ``order-sign``."""

    userId: str = Field(min_length=1, max_length=500)
    patientId: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9\-.]{1,64}$")
    encounterId: str | None = Field(default=None, max_length=500)
    selections: tuple[str, ...] | None = None
    draftOrders: dict[str, Any]

    @field_validator("draftOrders")
    @classmethod
    def _bundle(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("resourceType") != "Bundle":
            raise ValueError("draftOrders must be a FHIR Bundle")
        entries = value.get("entry", [])
        if not isinstance(entries, list):
            raise ValueError("draftOrders.entry must be a list")
        return value


class HookRequest(_Lenient):
    """A call of a CDS service."""

    hook: str = Field(min_length=1, max_length=200)
    hookInstance: str
    fhirServer: str | None = Field(default=None, max_length=2_000)
    fhirAuthorization: FhirAuthorization | None = None
    context: OrderContext
    prefetch: dict[str, Any] | None = None

    @field_validator("hookInstance")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if not _UUID.match(value):
            raise ValueError("hookInstance must be a UUID")
        return value.lower()

    @model_validator(mode="after")
    def _server_with_token(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirAuthorization is given without fhirServer")
        if self.hook == "order-select" and not self.context.selections:
            raise ValueError("order-select needs context.selections")
        return self


class Coding(_Lenient):
    """A code in a code system (CDS Hooks' trimmed-down FHIR Coding)."""

    system: str | None = Field(default=None, max_length=2_000)
    code: str = Field(min_length=1, max_length=500)
    display: str | None = Field(default=None, max_length=2_000)


class OverrideReason(_Lenient):
    """Why a clinician overrode a card, as CDS Hooks feedback gives it: a coding and a comment."""

    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=10_000)


class AcceptedSuggestion(_Lenient):
    """A suggestion the clinician accepted, named by its id."""

    id: str = Field(min_length=1, max_length=200)


class Feedback(_Lenient):
    """One card's outcome."""

    card: str = Field(min_length=1, max_length=200)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: tuple[AcceptedSuggestion, ...] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
        description="RFC 3339 date and time",
    )

    @model_validator(mode="after")
    def _accepted_needs_suggestions(self) -> Feedback:
        if self.outcome == "accepted" and not self.acceptedSuggestions:
            raise ValueError("an accepted outcome needs acceptedSuggestions")
        return self


class FeedbackRequest(_Lenient):
    """``POST {base}/cds-services/{id}/feedback``."""

    feedback: tuple[Feedback, ...] = Field(min_length=1, max_length=1_000)
