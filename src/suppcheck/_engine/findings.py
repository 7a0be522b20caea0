"""Building findings: :func:`finding`, the one keyword-only way, and its forms for input and for rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .._kb.models import Rule
from .._report import Finding, ReferenceInfo, trusted
from .._severity import Evidence, Severity
from .derived import RuleView

if TYPE_CHECKING:
    from .context import Context

__all__ = ["finding", "input_finding", "life_stage_finding", "rule_finding", "unrecognized", "with_references"]


def finding(
    *,
    code: str,
    severity: Severity,
    evidence: Evidence | None,
    rule_id: str,
    message: str,
    recommendation: str,
    substances: tuple[str, ...] = (),
    medications: tuple[str, ...] = (),
    conditions: tuple[str, ...] = (),
    entries: tuple[int, ...] = (),
    foods: tuple[str, ...] = (),
    mechanism: str | None = None,
    references: tuple[ReferenceInfo, ...] = (),
    hours_required: float | None = None,
    hours_scheduled: float | None = None,
    suggestions: tuple[str, ...] = (),
) -> Finding:
    """A :class:`~suppcheck.Finding` from the engine's own values: the one way the engine builds a finding.

    Every value is already of its field's type (validated where it came from,
    the knowledge base or the regimen), so the finding is built without
    validating it again.
    """
    return trusted(
        Finding,
        {
            "code": code,
            "severity": severity,
            "evidence": evidence,
            "substances": substances,
            "medications": medications,
            "conditions": conditions,
            "entries": entries,
            "foods": foods,
            "rule_id": rule_id,
            "message": message,
            "recommendation": recommendation,
            "mechanism": mechanism,
            "references": references,
            "hours_required": hours_required,
            "hours_scheduled": hours_scheduled,
            "suggestions": suggestions,
        },
    )


def input_finding(
    *,
    code: str,
    severity: Severity,
    message: str,
    recommendation: str,
    entries: tuple[int, ...] = (),
    substances: tuple[str, ...] = (),
    suggestions: tuple[str, ...] = (),
) -> Finding:
    """A finding about the input itself (``input.*``): no rule, no evidence, the code as its rule id."""
    return finding(
        code=code,
        severity=severity,
        evidence=None,
        rule_id=code,
        message=message,
        recommendation=recommendation,
        entries=entries,
        substances=substances,
        suggestions=suggestions,
    )


def life_stage_finding(name: str, flag: str) -> Finding:
    """``input.life_stage_from_condition``: a condition read as the profile's ``pregnant`` or ``lactating``."""
    stage = "pregnancy" if flag == "pregnant" else "lactation"
    return input_finding(
        code="input.life_stage_from_condition",
        severity=Severity.INFO,
        message=f"Condition {name!r} was read as '{flag}: true': the limits and rules for {stage} were applied.",
        recommendation=f"Write '{flag}: true' in the profile rather than a condition, so that every reader of the "
        "regimen sees the life stage.",
    )


def unrecognized(
    kind: str,
    name: str,
    suggestions: list[str],
    *,
    entries: tuple[int, ...] = (),
    substances: tuple[str, ...] = (),
    extra: str = "",
) -> Finding:
    """``input.unrecognized_<kind>``: a name the knowledge base does not know, with close known names."""
    hint = f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    return input_finding(
        code=f"input.unrecognized_{kind}",
        severity=Severity.MINOR,
        message=f"{kind.capitalize()} {name!r} is not in the knowledge base, so nothing about it was checked."
        f"{hint}{extra}",
        recommendation=f"Check the spelling, or review {name!r} by hand: this report cannot be called clean.",
        entries=entries,
        substances=substances,
        suggestions=tuple(suggestions),
    )


def _sorted_unique(items: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(items, tuple | list) and len(items) == 1:
        return tuple(items)
    return tuple(sorted(set(items)))


def rule_finding(
    ctx: Context,
    rule: Rule,
    *,
    code: str | None = None,
    severity: Severity | None = None,
    message: str,
    substances: Iterable[str],
    medications: Iterable[str] = (),
    conditions: Iterable[str] = (),
    entries: Iterable[int] = (),
    recommendation: str | None = None,
    view: RuleView | None = None,
    extra_references: tuple[str, ...] = (),
) -> Finding:
    """A finding raised by a knowledge-base rule, with its evidence and sources.

    ``extra_references``: the sources of a severity step or lab threshold that
    applied, cited after the rule's own.
    """
    if view is None:
        view = ctx.derived.view(rule)
    references = view.references
    if extra_references:
        references = with_references(ctx, references, extra_references)
    return finding(
        code=code or view.code,
        severity=severity or rule.severity,
        evidence=view.evidence,
        substances=_sorted_unique(substances),
        medications=_sorted_unique(medications),
        conditions=_sorted_unique(conditions),
        entries=_sorted_unique(entries),
        rule_id=rule.id,
        message=message,
        recommendation=recommendation or rule.recommendation,
        mechanism=rule.mechanism,
        references=references,
    )


def with_references(
    ctx: Context, references: tuple[ReferenceInfo, ...], ids: tuple[str, ...]
) -> tuple[ReferenceInfo, ...]:
    """``references`` followed by those of ``ids`` not among them already, each once.

    Two thresholds (or a step and a threshold) may cite the same source: it is listed once.
    """
    have = {r.id for r in references}
    return references + tuple(r for r in ctx.references(tuple(dict.fromkeys(ids))) if r.id not in have)
