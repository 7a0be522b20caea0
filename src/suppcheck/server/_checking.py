"""A hook call's records in, cards out: the FHIR reader, the check, the planner and the card builder."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from .._check import check
from .._errors import InputError
from .._kb.base import KnowledgeBase
from .._regimen import RegimenFile
from .._report import Finding, Report
from .._severity import Severity
from . import _cards
from ._hooks import HookRequest

# Draft orders the FHIR reader is given; other request types (ServiceRequest: a lab, an imaging study)
# hold no supplement or medication.
_MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement", "NutritionOrder"})
_SUPPORTING_TYPES = frozenset({"Medication"})


class Unreadable(Exception):
    """The FHIR reader failed on a record of a shape it did not expect; ``trace`` is for the log."""

    def __init__(self, trace: str) -> None:
        super().__init__("a record could not be read")
        self.trace = trace


def _kind(resource: Mapping[str, Any]) -> str | None:
    kind = resource.get("resourceType")
    return kind if isinstance(kind, str) else None


def draft_orders(call: HookRequest) -> list[dict[str, Any]]:
    """The resources in ``context.draftOrders``."""
    out = []
    entries = call.context.draftOrders.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping):
            out.append(dict(resource))
    return out


def cards_for(
    call: HookRequest, records: Sequence[Mapping[str, Any]], kb: KnowledgeBase, min_severity: Severity
) -> list[dict[str, Any]]:
    """The cards for a hook call, given its prefetched or fetched ``records``."""
    from ..fhir import regimen_from_fhir

    drafts = [r for r in draft_orders(call) if _kind(r) in _MEDICATION_TYPES | _SUPPORTING_TYPES]
    resources: list[Mapping[str, Any]] = [*drafts, *records]
    try:
        regimen = regimen_from_fhir(resources, knowledge=kb)
    except InputError as exc:
        # The reader needs one supplement to make a regimen; orders and records without any get no card.
        if any("no supplement being taken" in p for p in exc.problems):
            return _unread_orders(call, drafts, None)
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        import traceback

        raise Unreadable("".join(traceback.format_exception(exc))) from None
    report = check(regimen, knowledge=kb)
    origins = _origins(regimen, drafts, records)

    memo: list[Mapping[str, Any] | None] = []

    def planned() -> Mapping[str, Any] | None:
        if not memo:
            memo.append(_planned(regimen, kb))
        return memo[0]

    suggest = _cards.suggester(regimen, report, origins, planned)
    if call.hook == "order-select" and call.context.selections:
        report = _selected_first(report, regimen, kb, set(call.context.selections))
    cards = _cards.build_cards(report, hook_instance=call.hookInstance, min_severity=min_severity, suggest=suggest)
    return cards + _unread_orders(call, drafts, regimen)


def _selected_first(report: Report, regimen: RegimenFile, kb: KnowledgeBase, selections: set[str]) -> Report:
    """The report with the findings about the newly selected orders first (order-select's focus), none dropped.

    A finding is about a selection when one of its entries or medications was
    read from a selected order. The rest stay, in their order, after them:
    a pending risk that the selection did not cause still needs seeing.
    """
    sources: Mapping[str, Sequence[str]] = getattr(regimen, "sources", None) or {}
    entries: set[int] = set()
    medications: set[str] = set()
    for key, refs in sources.items():
        if not selections.intersection(refs):
            continue
        kind, _, rest = key.partition(":")
        if kind == "entry" and rest.isdigit():
            entries.add(int(rest))
        elif kind == "medication":
            match = kb.medication(rest)
            if match is not None:
                medications.add(match.id)
    if not entries and not medications:
        return report

    def about_selection(finding: Finding) -> bool:
        return bool(entries.intersection(finding.entries) or medications.intersection(finding.medications))

    ordered = sorted(report.findings, key=lambda f: not about_selection(f))  # stable: worst first within each
    return report.model_copy(update={"findings": tuple(ordered)})


def _unread_orders(
    call: HookRequest, drafts: Sequence[Mapping[str, Any]], regimen: RegimenFile | None
) -> list[dict[str, Any]]:
    """A warning card for each draft NutritionOrder whose supplements the reader did not take in."""
    sources: Mapping[str, Sequence[str]] = getattr(regimen, "sources", None) or {}
    read = {ref for key, refs in sources.items() if key.startswith("entry:") for ref in refs}
    cards = []
    for order in drafts:
        if order.get("resourceType") != "NutritionOrder" or _cards.resource_ref(order) in read:
            continue
        supplements = order.get("supplement")
        supplements = supplements if isinstance(supplements, list) else []
        names = [_supplement_name(s) for s in supplements if isinstance(s, Mapping)]
        if not names:
            continue  # a diet or a formula without a supplement: nothing this service checks
        ref = _cards.resource_ref(order)
        listed = ", ".join(names)
        cards.append(
            _cards.notice_card(
                f"Draft {ref}: its supplement order was not checked ({listed})",
                f"The supplements of the draft nutrition order **{_cards.md(ref)}** ({_cards.md(listed)}) were not "
                "read, so no dose, interaction or contraindication of theirs was checked. Review them by hand, or "
                "order them as a MedicationRequest.",
                call.hookInstance,
            )
        )
    return cards


def _supplement_name(supplement: Mapping[str, Any]) -> str:
    name = supplement.get("productName")
    if isinstance(name, str) and name.strip():
        return name.strip()[:100]
    kind = supplement.get("type")
    if isinstance(kind, Mapping):
        text = kind.get("text")
        if isinstance(text, str) and text.strip():
            return text.strip()[:100]
        codings = kind.get("coding")
        for coding in codings if isinstance(codings, list) else ():
            if isinstance(coding, Mapping) and isinstance(coding.get("display"), str):
                return str(coding["display"])[:100]
    return "unnamed supplement"


_PLANS: OrderedDict[tuple[str, str], Mapping[str, Any] | None] = OrderedDict()
_PLANS_MAX = 512
_PLANS_LOCK = threading.Lock()


def _planned(regimen: RegimenFile, kb: KnowledgeBase) -> Mapping[str, Any] | None:
    """The planner's times for ``regimen``, remembered: an EHR calls order-select, then order-sign, for one regimen.

    The planner's search is most of a call's time; its result depends only on
    the regimen and the knowledge base, so the last few hundred are kept.
    """
    key = (kb.version + "|" + "|".join(kb.sources), regimen.model_dump_json())
    with _PLANS_LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return _PLANS[key]
    from .._plan import plan

    try:
        found: Mapping[str, Any] | None = _cards.plan_summary(plan(regimen, knowledge=kb))
    except InputError:
        found = None
    with _PLANS_LOCK:
        _PLANS[key] = found
        while len(_PLANS) > _PLANS_MAX:
            _PLANS.popitem(last=False)
    return found


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
