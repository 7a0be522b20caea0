"""A hook call's records in, cards out: the FHIR reader, the check, the planner and the card builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from .._check import check
from .._errors import InputError
from .._kb.base import KnowledgeBase
from .._regimen import RegimenFile
from .._severity import Severity
from . import _cards
from ._hooks import HookRequest

# Draft orders the FHIR reader is given; other request types (ServiceRequest: a lab, an imaging study)
# hold no supplement or medication.
_MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement", "NutritionOrder"})
_SUPPORTING_TYPES = frozenset({"Medication"})


def draft_orders(call: HookRequest) -> list[dict[str, Any]]:
    """The resources in ``context.draftOrders``."""
    out = []
    for entry in call.context.draftOrders.get("entry") or ():
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping):
            out.append(dict(resource))
    return out


def _reader() -> Callable[..., RegimenFile]:
    # Until the FHIR reader is merged here its module is looked up at run time.
    from importlib import import_module

    return cast("Callable[..., RegimenFile]", import_module("suppcheck.fhir").regimen_from_fhir)


def cards_for(
    call: HookRequest, records: Sequence[Mapping[str, Any]], kb: KnowledgeBase, min_severity: Severity
) -> list[dict[str, Any]]:
    """The cards for a hook call, given its prefetched or fetched ``records``."""
    regimen_from_fhir = _reader()
    drafts = [r for r in draft_orders(call) if r.get("resourceType") in _MEDICATION_TYPES | _SUPPORTING_TYPES]
    resources: list[Mapping[str, Any]] = [*drafts, *records]
    regimen = regimen_from_fhir(resources)
    report = check(regimen, knowledge=kb)
    origins = _origins(regimen, drafts, records)

    memo: list[Mapping[str, Any] | None] = []

    def planned() -> Mapping[str, Any] | None:
        if not memo:
            from .._plan import plan

            try:
                memo.append(_cards.plan_summary(plan(regimen, knowledge=kb)))
            except InputError:
                memo.append(None)
        return memo[0]

    suggest = _cards.suggester(regimen, report, origins, planned)
    return _cards.build_cards(report, hook_instance=call.hookInstance, min_severity=min_severity, suggest=suggest)


def _origins(
    regimen: RegimenFile, drafts: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]
) -> dict[int, _cards.Origin]:
    """Which MedicationRequest or MedicationStatement each regimen entry came from, where the reader says.

    An entry read from more than one such resource, or from one without an
    id, has no origin: no suggestion edits a resource it cannot name.
    """
    sources: Mapping[str, Sequence[str]] = getattr(regimen, "sources", None) or {}
    by_ref: dict[str, _cards.Origin] = {}
    for resource in drafts:
        by_ref.setdefault(_cards.resource_ref(resource), _cards.Origin(resource=resource, draft=True))
    for resource in records:
        by_ref.setdefault(_cards.resource_ref(resource), _cards.Origin(resource=resource, draft=False))
    origins: dict[int, _cards.Origin] = {}
    for key, refs in sources.items():
        if not key.startswith("entry:") or not key[6:].isdigit():
            continue
        uses = [r for r in refs if r.split("/", 1)[0] in ("MedicationRequest", "MedicationStatement")]
        if len(uses) == 1 and "/" in uses[0] and uses[0] in by_ref:
            origins[int(key[6:])] = by_ref[uses[0]]
    return origins
