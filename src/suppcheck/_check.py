"""``check()``: a regimen and its profile in, a :class:`Report` out."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from ._engine.context import build_context
from ._errors import InputError
from ._kb.base import KnowledgeBase
from ._kb.loader import default_knowledge
from ._person import describe_person
from ._regimen import RegimenFile, unit_problems
from ._report import SEVERITY_RANK, EntryInfo, ExtraFile, Finding, Override, PersonInfo, Report
from ._rules import FAMILIES
from ._rules.dose import totals
from ._severity import Severity
from ._sourced import SourcedRegimen, incomplete
from ._version import __version__


def check(regimen: RegimenFile | Mapping[str, Any], *, knowledge: KnowledgeBase | None = None) -> Report:
    """Check a regimen against the knowledge base and return a :class:`Report`.

    ``regimen`` is a :class:`RegimenFile` or a mapping in the regimen format;
    a malformed one raises :class:`InputError` before anything is checked.
    Clinical findings are returned in the report, never raised.

        >>> report = check({"profile": {"age": 58, "sex": "female"},
        ...                 "regimen": [{"substance": "magnesium", "form": "citrate",
        ...                              "amount": "400 mg", "per_day": 2}]})
        >>> report.ok, report.max_severity.value
        (False, 'major')
        >>> [f.code for f in report.findings][:1]
        ['dose.above_upper_limit']
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    if isinstance(regimen, RegimenFile):
        parsed = regimen
        problems = [] if parsed.units_checked_against(kb) else unit_problems(parsed, kb)
        if problems:
            raise InputError(problems)
    else:
        parsed = RegimenFile.model_validate(regimen, context={"knowledge": kb})
    ctx = build_context(parsed, kb)
    findings = list(ctx.findings)
    if isinstance(parsed, SourcedRegimen):
        findings.extend(parsed.notes)  # what reading a FHIR bundle could not map, or left out
    for family in FAMILIES:
        findings.extend(family.evaluate(ctx))
    findings.sort(key=Finding.sort_key)
    # Sorted worst first: the first finding's severity is the worst.
    worst = findings[0].severity if findings else None
    extra_files, overrides = _trace(kb)
    return Report(
        id=parsed.id,
        suppcheck_version=__version__,
        knowledge_version=kb.version,
        extra_files=extra_files,
        overrides=overrides,
        ok=worst is None or SEVERITY_RANK[worst.value] < _MODERATE,
        complete=not any(incomplete(f.code) for f in findings),
        max_severity=worst,
        person=PersonInfo(life_stage=ctx.stage_label, description=describe_person(parsed.profile, ctx.stage_label)),
        entries=tuple(
            EntryInfo(name=e.display_name, substances=tuple(p.substance for p in e.parts()), times=e.times)
            for e in parsed.regimen
        ),
        totals=tuple(totals(ctx)),
        findings=tuple(findings),
    )


_MODERATE = SEVERITY_RANK[Severity.MODERATE.value]


def _trace(kb: KnowledgeBase) -> tuple[tuple[ExtraFile, ...], tuple[Override, ...]]:
    """The extra files applied and the records they replaced, built once per knowledge base."""
    found = _traces.get(kb)
    if found is None:
        found = (
            tuple(ExtraFile(name=name, sha256=digest) for name, digest in kb.extra_files),
            tuple(Override(section=section, id=ident, file=file) for section, ident, file in kb.overridden()),
        )
        _traces[kb] = found  # two threads that both get here store equal values
    return found


# Knowledge base -> its trace (the names follow the paths its files were loaded from);
# an entry goes when its knowledge base is collected.
_traces: weakref.WeakKeyDictionary[KnowledgeBase, tuple[tuple[ExtraFile, ...], tuple[Override, ...]]] = (
    weakref.WeakKeyDictionary()
)
