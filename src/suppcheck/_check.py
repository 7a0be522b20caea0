"""``check()``: a regimen and its profile in, a :class:`Report` out."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from . import _clock
from ._engine.context import Context, build_context
from ._errors import InputError
from ._kb.base import KnowledgeBase
from ._kb.loader import default_knowledge
from ._person import describe_person
from ._regimen import RegimenFile, unit_problems
from ._report import (
    SEVERITY_RANK,
    EntryInfo,
    ExtraFile,
    Finding,
    FoodInfo,
    MedicationInfo,
    Override,
    PersonInfo,
    Report,
    trusted,
)
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
        person=_person(ctx),
        entries=_entries(ctx),
        foods=_foods(ctx),
        totals=tuple(totals(ctx)),
        findings=tuple(findings),
    )


_MODERATE = SEVERITY_RANK[Severity.MODERATE.value]


def _person(ctx: Context) -> PersonInfo:
    """Who the regimen is for, with everything a renderer draws: medications as recognized, the day's slots."""
    profile = ctx.regimen.profile
    slots = profile.day.slots()
    taken = {m.given: m for m in ctx.medications}
    medications = []
    for given, use in enumerate(profile.medications):
        match = taken.get(given)
        medications.append(
            trusted(
                MedicationInfo,
                {
                    "name": use.name,
                    "id": match.id if match is not None else None,
                    "display": match.display if match is not None else None,
                    "times": use.times,
                    "clock": _clock_times(use.times, slots),
                },
            )
        )
    return PersonInfo(
        life_stage=ctx.stage_label,
        description=describe_person(profile, ctx.stage_label),
        age=profile.age,
        sex=profile.sex,
        pregnant=profile.pregnant,
        lactating=profile.lactating,
        conditions=profile.conditions,
        medications=tuple(medications),
        day={slot: _clock.format_minutes(minute) for slot, minute in ctx.day.items()},
    )


def _entries(ctx: Context) -> tuple[EntryInfo, ...]:
    """Each entry as given, with its clock times and the substances recognized in it."""
    slots = ctx.regimen.profile.day.slots()
    recognized: dict[int, list[str]] = {}
    for dose in ctx.doses:
        ids = recognized.setdefault(dose.entry, [])
        if dose.substance.id not in ids:
            ids.append(dose.substance.id)
    return tuple(
        trusted(
            EntryInfo,
            {
                "name": e.display_name,
                "substances": (e.substance,) if e.ingredients is None else tuple(i.substance for i in e.ingredients),
                "times": e.times,
                "clock": _clock_times(e.times, slots),
                "substance_ids": tuple(recognized.get(index, ())),
                "amount": str(e.amount) if e.amount is not None else None,
                "per_day": e.per_day,
                "per_week": e.per_week,
                "every_days": e.every_days,
            },
        )
        for index, e in enumerate(ctx.regimen.regimen)
    )


def _foods(ctx: Context) -> tuple[FoodInfo, ...]:
    """Each food or drink as given, with its clock times and what it was recognized as."""
    if not ctx.regimen.foods:
        return ()
    slots = ctx.regimen.profile.day.slots()
    recognized = {f.position: f for f in ctx.foods}
    out = []
    for position, item in enumerate(ctx.regimen.foods):
        taken = recognized.get(position)
        out.append(
            trusted(
                FoodInfo,
                {
                    "name": item.name,
                    "id": taken.id if taken is not None else None,
                    "display": taken.display if taken is not None else None,
                    "amount": item.amount,
                    "times": item.times,
                    "clock": _clock_times(item.times, slots),
                    "with_meal": taken.with_meal if taken is not None else None,
                },
            )
        )
    return tuple(out)


def _clock_times(times: tuple[str, ...] | None, slots: Mapping[str, str]) -> tuple[str, ...] | None:
    return None if times is None else tuple(_clock.format_minutes(_clock.resolve(t, slots)) for t in times)


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
