"""A report's findings as CDS Hooks 2.0 cards.

One card per finding at or above the service's minimum severity (and every
``input.unrecognized_*`` and ``input.fhir_unmapped`` finding, whatever its
severity: a name the knowledge base does not know, or a record the reader
could not map, means nothing about it was checked). Each card:

- ``summary``: the finding's message, cut at a word to at most 139 characters;
- ``indicator``: ``critical`` for contraindicated and major, ``warning`` for
  moderate, ``info`` below;
- ``source``: label ``suppcheck``, the primary reference's URL, and a
  ``topic`` Coding whose ``code`` is the finding code and whose ``version`` is
  the knowledge version;
- ``detail``: Markdown with the message, recommendation, mechanism, evidence
  grade and references, every text from the input escaped;
- ``uuid``: a UUID 5 of the hook instance and the finding, so the same call
  gives the same cards and feedback can name them;
- ``overrideReasons``: Codings, each with a ``display``;
- ``suggestions`` where the fix is mechanical (a dose lowered to the upper
  limit; a dose moved to the planner's time), with ``selectionBehavior``.
"""

from __future__ import annotations

import copy
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._regimen import RegimenEntry, RegimenFile
from .._report import Finding, Report, Total
from .._severity import Severity
from .._sourced import incomplete

# Code systems minted for this service: a UUID URN needs no registry and names nothing else.
FINDING_CODE_SYSTEM = "urn:uuid:6f1d5c1e-3b0a-5c8e-9a47-2d1f0b7e4c11"
OVERRIDE_REASON_SYSTEM = "urn:uuid:0b9a7e52-8c4d-5f13-a6e0-93c2d7f4b1a8"
_NAMESPACE = uuid.UUID("a3c1f0d2-5e7b-4b8a-9c6d-1e2f3a4b5c6d")

SUMMARY_MAX = 139  # "<140 characters"; test kits treat 140 itself as too long

INDICATOR = {
    Severity.CONTRAINDICATED: "critical",
    Severity.MAJOR: "critical",
    Severity.MODERATE: "warning",
    Severity.MINOR: "info",
    Severity.INFO: "info",
}

OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("benefit-outweighs-risk", "Benefit outweighs the risk for this patient"),
    ("will-monitor", "Will monitor the patient"),
    ("already-addressed", "Already addressed (dose, timing or product changed)"),
    ("not-taking", "Patient no longer takes this supplement or medication"),
    ("does-not-apply", "Does not apply to this patient"),
)

EVIDENCE_TEXT = {
    "A": "A: authoritative guidance or consistent clinical trials",
    "B": "B: some clinical studies",
    "C": "C: case reports or limited studies",
    "D": "D: theoretical or mechanistic only",
}

# Inline Markdown and HTML only: every text sits after a bold label, never at the start of a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|<>~&])")


def md(text: str) -> str:
    r"""``text`` with every Markdown (and HTML) special character escaped, on one line.

    >>> print(md("[click](javascript:x) <b>"))
    \[click\](javascript:x) \<b\>
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def summary_of(text: str) -> str:
    """One line of at most 139 characters: the first sentence, else its lead clause, else cut at a word.

    >>> summary_of("Iron with calcium lowers its absorption. " + "Separate them by at least 2 h. " * 5)
    'Iron with calcium lowers its absorption.'
    >>> summary_of("Magnesium with kidney disease: " + "reduced filtration lowers its excretion " * 5)
    'Magnesium with kidney disease'
    >>> len(summary_of("word " * 100)) <= 139
    True
    """
    line = " ".join(text.split())
    if len(line) <= SUMMARY_MAX:
        return line
    sentence = line.split(". ", 1)[0]
    if len(sentence) <= SUMMARY_MAX:
        return sentence if sentence.endswith(".") else sentence + "."
    for mark in (": ", "; "):
        lead = sentence.split(mark, 1)[0]
        if 20 <= len(lead) <= SUMMARY_MAX:
            return lead
    cut = line[: SUMMARY_MAX - 1]
    space = cut.rfind(" ")
    if space > SUMMARY_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def card_uuid(hook_instance: str, finding: Finding) -> str:
    """A stable UUID (version 5) for ``finding`` in the call ``hook_instance``."""
    key = "\x1f".join(
        [
            hook_instance,
            finding.code,
            finding.rule_id,
            ",".join(finding.substances),
            ",".join(finding.medications),
            ",".join(finding.conditions),
            ",".join(map(str, finding.entries)),
            finding.message,
        ]
    )
    return str(uuid.uuid5(_NAMESPACE, key))


def _detail(finding: Finding, knowledge_version: str) -> str:
    lines = [f"**{md(finding.message)}**", ""]
    if finding.recommendation:
        lines.append(f"**Recommendation:** {md(finding.recommendation)}")
        lines.append("")
    if finding.mechanism and finding.mechanism not in finding.message:
        lines.append(f"**Mechanism:** {md(finding.mechanism)}")
        lines.append("")
    facts = [f"Severity: {finding.severity.value}"]
    if finding.evidence is not None:
        facts.append(f"Evidence: {EVIDENCE_TEXT[finding.evidence.value]}")
    rule = finding.rule_id.replace("`", "")
    lines.append(md("; ".join(facts)) + f" (rule `{rule}`, knowledge base {md(knowledge_version)})")
    if finding.suggestions:
        lines.append("")
        lines.append("Did you mean: " + ", ".join(md(s) for s in finding.suggestions))
    if finding.references:
        lines.append("")
        lines.append("**References**")
        lines.append("")
        for ref in finding.references:
            title = md(ref.title)
            shown = f"[{title}](<{ref.url}>)" if _safe_url(ref.url) else title
            pmid = f" PMID {md(ref.pmid)}." if ref.pmid else ""
            lines.append(f"- {shown}. {md(ref.publisher)}.{pmid}")
    return "\n".join(lines)


def _safe_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not re.search(r"[\s<>]", url)


@dataclass(frozen=True)
class Origin:
    """Where a regimen entry came from: the FHIR resource, and whether it is a draft order of this call."""

    resource: Mapping[str, Any]
    draft: bool


Suggest = Callable[[Finding], list[dict[str, Any]]]


def build_cards(
    report: Report,
    *,
    hook_instance: str,
    min_severity: Severity,
    suggest: Suggest | None = None,
) -> list[dict[str, Any]]:
    """The cards for ``report``'s findings, worst first."""
    cards = []
    for finding in report.findings:
        if finding.severity < min_severity and not incomplete(finding.code):
            continue
        cards.append(card(finding, report.knowledge_version, hook_instance, suggest))
    return cards


def card(
    finding: Finding, knowledge_version: str, hook_instance: str, suggest: Suggest | None = None
) -> dict[str, Any]:
    """One finding as a card."""
    ident = card_uuid(hook_instance, finding)
    source: dict[str, Any] = {
        "label": "suppcheck",
        "topic": {
            "system": FINDING_CODE_SYSTEM,
            "version": knowledge_version,
            "code": finding.code,
            "display": finding.code,
        },
    }
    primary = next((r.url for r in finding.references if _safe_url(r.url)), None)
    if primary is not None:
        source["url"] = primary
    out: dict[str, Any] = {
        "uuid": ident,
        "summary": summary_of(finding.message),
        "indicator": INDICATOR[finding.severity],
        "detail": _detail(finding, knowledge_version),
        "source": source,
        "overrideReasons": [
            {"system": OVERRIDE_REASON_SYSTEM, "code": code, "display": display} for code, display in OVERRIDE_REASONS
        ],
    }
    suggestions = suggest(finding) if suggest is not None else []
    if suggestions:
        for number, suggestion in enumerate(suggestions):
            suggestion["uuid"] = str(uuid.uuid5(_NAMESPACE, f"{ident}\x1f{number}\x1f{suggestion['label']}"))
        out["suggestions"] = suggestions
        out["selectionBehavior"] = "at-most-one"
    return out


def notice_card(summary: str, detail: str, hook_instance: str, indicator: str = "warning") -> dict[str, Any]:
    """A card that is not a finding: draft orders or records that could not be read."""
    return {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{hook_instance}\x1fnotice\x1f{summary}")),
        "summary": summary_of(summary),
        "indicator": indicator,
        "detail": detail,
        "source": {"label": "suppcheck"},
    }


# -- suggestions --------------------------------------------------------------------


def _round_down(value: float) -> float:
    """The dose rounded down to a number a label or an order would carry."""
    if value >= 10:
        return float(math.floor(value))
    return math.floor(value * 10) / 10


def _fmt(value: float) -> str:
    return f"{value:g}"


def _dosages(resource: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    key = "dosageInstruction" if resource.get("resourceType") == "MedicationRequest" else "dosage"
    dosages = resource.get(key)
    if not isinstance(dosages, list) or len(dosages) != 1 or not isinstance(dosages[0], dict):
        return None
    return key, dosages


def lowered_dose(entry: RegimenEntry, total: Total, origin: Origin) -> tuple[str, dict[str, Any]] | None:
    """The resource with its dose lowered so the day's total meets the upper limit, or None if not mechanical."""
    if entry.amount is None or entry.ingredients is not None or entry.per_week is not None:
        return None
    if total.upper_limit is None or total.unit != entry.amount.unit.strip():
        return None
    if total.amount_counted_for_upper_limit not in (None, total.daily_amount):
        return None  # the limit counts only part of the amount (beta-carotene, food folate)
    if not math.isclose(entry.amount.value * entry.daily_frequency, total.daily_amount, rel_tol=1e-6):
        return None  # other entries add to the total: which one to lower is a clinical choice
    per_day = entry.doses_per_day_scheduled
    new_dose: float = _round_down(total.upper_limit / per_day)
    if new_dose <= 0 or new_dose >= entry.amount.value:
        return None
    found = _dosages(origin.resource)
    if found is None:
        return None
    key, dosages = found
    rates = dosages[0].get("doseAndRate")
    if not isinstance(rates, list) or len(rates) != 1 or not isinstance(rates[0], dict):
        return None
    quantity = rates[0].get("doseQuantity")
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), (int, float)):
        return None
    if not math.isclose(float(quantity["value"]), entry.amount.value, rel_tol=1e-6):
        return None  # the reader converted the unit: a change in our unit would not be the order's
    resource = copy.deepcopy(dict(origin.resource))
    resource[key][0]["doseAndRate"][0]["doseQuantity"]["value"] = int(new_dose) if new_dose.is_integer() else new_dose
    unit = entry.amount.unit
    often = {1: "once", 2: "twice"}.get(per_day, f"{per_day} times")
    how = f"{_fmt(new_dose)} {unit} {often} a day"
    label = f"Lower {entry.display_name} to {how} ({_fmt(total.upper_limit)} {unit}/day upper limit)"
    return label, resource


def timed(origin: Origin, times: Sequence[str]) -> dict[str, Any] | None:
    """The resource with its dose times set to ``times`` (HH:MM), or None when its timing is not one simple list."""
    found = _dosages(origin.resource)
    if found is None:
        return None
    key, _ = found
    resource = copy.deepcopy(dict(origin.resource))
    dosage = resource[key][0]
    timing = dosage.get("timing")
    timing = dict(timing) if isinstance(timing, dict) else {}
    repeat = timing.get("repeat")
    repeat = dict(repeat) if isinstance(repeat, dict) else {}
    for field in ("when", "offset", "timeOfDay"):
        repeat.pop(field, None)
    repeat["timeOfDay"] = [f"{t}:00" for t in times]
    repeat.setdefault("frequency", len(times))
    repeat.setdefault("period", 1)
    repeat.setdefault("periodUnit", "d")
    if repeat.get("frequency") != len(times):
        return None
    timing["repeat"] = repeat
    timing.pop("code", None)  # a code such as BID would contradict the times
    dosage["timing"] = timing
    return resource


def _clean(value: Any) -> Any:
    """``value`` without null or empty members (FHIR JSON allows neither), as a suggestion must be."""
    if isinstance(value, dict):
        kept = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        kept_items = [_clean(v) for v in value]
        return [v for v in kept_items if v not in (None, "", [], {})]
    return value


def resource_ref(resource: Mapping[str, Any]) -> str:
    """``MedicationRequest/123``, or the resource type alone when it has no id."""
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if rid else str(resource.get("resourceType"))


def suggester(
    regimen: RegimenFile,
    report: Report,
    origins: Mapping[int, Origin],
    planned: Callable[[], Mapping[str, Any] | None],
) -> Suggest:
    """The suggestions for a finding of ``report``, given where each regimen entry came from.

    ``planned()`` runs the planner once, on first need: ``{"satisfied": set of
    rule ids, "times": {entry: (HH:MM, ...)}}`` or None when it cannot plan.
    """
    totals = {t.substance: t for t in report.totals}

    def suggest(finding: Finding) -> list[dict[str, Any]]:
        if finding.code == "dose.above_upper_limit" and len(finding.entries) == 1 and len(finding.substances) == 1:
            return _lower(regimen, finding, origins, totals)
        if finding.code == "timing.separation":
            return _move(regimen, finding, origins, planned())
        return []

    return suggest


def _lower(
    regimen: RegimenFile, finding: Finding, origins: Mapping[int, Origin], totals: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A dose above its upper limit: the one entry's dose lowered, where its origin can be updated."""
    index = finding.entries[0]
    origin = origins.get(index)
    total = totals.get(finding.substances[0])
    if origin is None or total is None or index >= len(regimen.regimen):
        return []
    lowered = lowered_dose(regimen.regimen[index], total, origin)
    if lowered is None:
        return []
    label, resource = lowered
    resource = _clean(resource)
    return [
        {
            "label": label,
            "isRecommended": True,
            "actions": [{"type": "update", "description": label, "resource": resource}],
        }
    ]


def _move(
    regimen: RegimenFile, finding: Finding, origins: Mapping[int, Origin], plan: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """A broken separation the plan keeps: each entry's new times, or nothing when one cannot be written."""
    if plan is None or finding.rule_id not in plan["satisfied"]:
        return []
    actions = []
    moved = []
    for index in finding.entries:
        origin = origins.get(index)
        new_times = plan["times"].get(index)
        if origin is None or not new_times or index >= len(regimen.regimen):
            continue
        if index in plan["splits"]:
            return []  # the planner also split the dose: not one update of its times
        entry = regimen.regimen[index]
        if entry.times is not None and tuple(entry.times) == tuple(new_times):
            continue
        updated = timed(origin, new_times)
        if updated is None:
            return []  # a move we cannot write would leave the pair unseparated
        what = f"Take {entry.display_name} at {', '.join(new_times)}"
        actions.append({"type": "update", "description": what, "resource": _clean(updated)})
        moved.append(what)
    if not actions:
        return []
    label = summary_of("; ".join(moved) + " (a timetable that keeps the separation)")
    return [{"label": label, "isRecommended": True, "actions": actions}]


def plan_summary(plan: Any) -> dict[str, Any]:
    """The parts of a :class:`~suppcheck.Plan` the suggestions use."""
    times: dict[int, list[str]] = {}
    for dose in sorted(plan.doses, key=lambda d: (d.entry, d.dose)):
        times.setdefault(dose.entry, []).append(dose.time)
    return {
        "satisfied": {s.rule_id for s in plan.satisfied},
        "times": {k: tuple(v) for k, v in times.items()},
        "splits": {s.entry for s in plan.splits},
    }


def refs(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """The references of ``resources``, for a notice."""
    return [resource_ref(r) for r in resources]
