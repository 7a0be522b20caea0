"""A regimen resolved against the knowledge base: what every rule family reads.

Resolution turns names into knowledge-base records, amounts into canonical
units and times into clock minutes. Names it cannot resolve become
``input.*`` findings here; nothing is dropped silently.

What the engine derives from the knowledge base alone (a rule's partner
sets, its sources, a substance's rules by family, a limit's value at a life
stage) comes from :mod:`.derived`, computed once per knowledge base, so a
check costs what its regimen holds: it never scans the rules, and ten
thousand rules on other substances cost nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .. import _clock
from .._kb.base import CACHE_SIZE, KnowledgeBase
from .._kb.models import Form, LabThreshold, Limit, LimitType, Substance
from .._names import in_sentence, medication_core
from .._regimen import RegimenFile
from .._report import Finding, ReferenceInfo
from .._severity import Severity
from .._units import parse_unit
from .derived import Derived, RuleView, SubstanceLimits
from .findings import input_finding, life_stage_finding, unrecognized
from .stage import Stage

if TYPE_CHECKING:
    from .foods import FoodTaken

__all__ = ["Context", "Dose", "MedicationTaken", "build_context"]

# Named tuples rather than dataclasses here and in stage.py, separation.py, _units.py
# and _kb/base.py: defining a dataclass costs over a millisecond, paid by every
# start of the command line.


class Dose(NamedTuple):
    """One substance delivered by one entry (a product gives one per ingredient)."""

    entry: int
    entry_name: str
    substance: Substance
    form: Form | None
    amount: float  # canonical units per dose
    ul_amount: float  # canonical units per dose counted against the upper limit
    per_day: float  # average doses per day
    times: tuple[int, ...] | None  # clock minutes; None when not given
    with_food: bool | None

    @property
    def daily(self) -> float:
        """The dose's amount per day, on average (weekly dosing spread over the week)."""
        return self.amount * self.per_day

    @property
    def daily_ul(self) -> float:
        """The daily amount that the substance's upper limit counts (its basis), on average."""
        return self.ul_amount * self.per_day

    @property
    def label(self) -> str:
        """``Senior Multi (iron)`` for an ingredient, ``iron`` for a single entry."""
        return self.substance.name if self.entry_name == self.substance.id else self.entry_name


class MedicationTaken(NamedTuple):
    """A medication the person takes, as resolved: the name as written, its id, classes and times."""

    name: str  # as written
    id: str  # medication id, or class id when a class was named
    display: str
    classes: frozenset[str]
    times: tuple[int, ...] | None
    given: int  # its index in the profile's medications

    @property
    def keys(self) -> frozenset[str]:
        """The ids a rule may name it by: its own and its classes'."""
        return self.classes | {self.id}


# -- the resolved regimen -------------------------------------------------------------


class Context:
    """Everything the rule families need about one regimen."""

    def __init__(self, kb: KnowledgeBase, regimen: RegimenFile, stage: Stage, day: dict[str, int]) -> None:
        self.kb = kb
        self.regimen = regimen
        self.stage = stage
        self.day = day
        self.doses: list[Dose] = []
        self.medications: list[MedicationTaken] = []
        self.foods: list[FoodTaken] = []  # the day's foods and drinks, resolved by foods.resolve_foods
        # Implied condition -> every condition of the person's that implies it, in their order.
        self.conditions: dict[str, tuple[str, ...]] = {}
        self.findings: list[Finding] = []
        self.by_substance: dict[str, list[Dose]] = defaultdict(list)
        self.derived = Derived.of(kb)
        self.stage_tags = stage.tags
        self.stage_key = stage.key()
        self._stage_label: str | None = None
        # Filled by index() once resolution is done: medication or class id ->
        # positions in self.medications, every such id, and the substances present.
        self._medication_index: dict[str, list[int]] = {}
        self._taken: frozenset[str] = frozenset()
        self._present: frozenset[str] = frozenset()
        self._summaries: dict[str, tuple[tuple[int, ...], float, float]] = {}
        self.labs: dict[str, float] = regimen.profile.labs.given()

    @property
    def stage_label(self) -> str:
        """``women 51-70``: the person's stage as messages name it."""
        if self._stage_label is None:
            self._stage_label = self.stage.label()
        return self._stage_label

    def add_dose(self, dose: Dose) -> None:
        """Record one dose, under its substance too."""
        self.doses.append(dose)
        self.by_substance[dose.substance.id].append(dose)

    def applies(self, view: RuleView, substance_id: str) -> list[Dose]:
        """The doses of ``substance_id`` a rule (as its view) applies to; empty when it does not apply.

        Medications are matched by the caller, which reports them.
        ``min_daily_amount`` is compared with the amount the substance's upper
        limit counts (preformed vitamin A, folic acid), the basis of harm.
        A rule's view is ``ctx.derived.view(rule)``: its partner sets, computed once.
        """
        # The partner tests first: set operations that turn most rules away.
        if not self.partners_ok(view):
            return []
        doses = self.by_substance.get(substance_id)
        if not doses:
            return []
        if view.forms:
            forms = view.forms
            doses = [d for d in doses if d.form is not None and d.form.id in forms]
            if not doses:
                return []
        minimum = view.rule.min_daily_amount
        if minimum is not None and sum(d.daily_ul for d in doses) < minimum:
            return []
        return doses

    def matched_medications(self, view: RuleView) -> list[MedicationTaken]:
        """The medications taken that the rule (as its view) names, in the order they were given."""
        wanted = view.medication_keys
        if not wanted or not self.medications:
            return []
        index = self._medication_index
        positions = {i for key in wanted if key in index for i in index[key]}
        if not positions:
            return []
        meds = self.medications
        excluded = view.excluded
        return [meds[i] for i in sorted(positions) if meds[i].id not in excluded]

    def medication_keys(self) -> frozenset[str]:
        """Every medication and class id taken: a rule naming none of them cannot apply."""
        return self._taken

    def index(self) -> None:
        """Build the lookups the rule families share; called once, when resolution is done."""
        index: dict[str, list[int]] = {}
        for i, med in enumerate(self.medications):
            for key in med.keys:
                index.setdefault(key, []).append(i)
        self._medication_index = index
        self._taken = frozenset(index)
        self._present = frozenset(k for k, v in self.by_substance.items() if v)

    def matched_conditions(self, view: RuleView) -> list[str]:
        """The person's conditions (as they gave them) that are among the rule's or imply one."""
        return self.conditions_among(view.conditions)

    def conditions_among(self, conditions: Iterable[str]) -> list[str]:
        """The person's conditions (as they gave them) that are among ``conditions`` or imply one.

        For records that have no rule view: a food rule names its conditions by id.
        """
        mine = self.conditions
        if not mine:
            return []
        return sorted({own for c in conditions if c in mine for own in mine[c]})

    def partners_ok(self, view: RuleView) -> bool:
        """Every non-empty partner list of the rule (as its view) is matched, medications aside."""
        if view.with_substances and view.with_substances.isdisjoint(self.present()):
            return False
        if view.labs:
            # A lab threshold stands in for the conditions: either one suffices.
            if view.condition_set.isdisjoint(self.conditions) and not self.lab_hits(view.labs):
                return False
        elif view.condition_set and view.condition_set.isdisjoint(self.conditions):
            return False
        return not view.life_stages or not view.life_stages.isdisjoint(self.stage_tags)

    def lab_hits(self, thresholds: tuple[LabThreshold, ...]) -> list[tuple[LabThreshold, float]]:
        """The thresholds the person's labs are past, each with the measured value."""
        labs = self.labs
        if not labs:
            return []
        return [(t, labs[t.lab]) for t in thresholds if t.lab in labs and t.holds(labs[t.lab])]

    def summary(self, substance_id: str) -> tuple[tuple[int, ...], float, float]:
        """A substance's entries (sorted), daily total and daily total counted for the upper limit.

        Summed over its doses in order, as each family did on its own before.
        """
        found = self._summaries.get(substance_id)
        if found is None:
            doses = self.by_substance.get(substance_id, ())
            found = (
                tuple(sorted({d.entry for d in doses})),
                sum(d.daily for d in doses),
                sum(d.daily_ul for d in doses),
            )
            self._summaries[substance_id] = found
        return found

    def present(self) -> frozenset[str]:
        """The substances the regimen delivers."""
        return self._present

    def references(self, ids: tuple[str, ...]) -> tuple[ReferenceInfo, ...]:
        """The references with these ids, as a report shows them."""
        return self.derived.reference_infos(ids)

    def medication_names(self, meds: Iterable[MedicationTaken]) -> str:
        """The medications' names for a sentence: lower case, sorted, comma-separated."""
        return ", ".join(sorted({m.display.lower() for m in meds}))

    def limits(self, substance: Substance) -> SubstanceLimits:
        """Every limit of ``substance`` that applies at this person's stage (remembered)."""
        key = (substance.id, self.stage_key)
        table = self.derived.substance_limits
        found = table.get(key)
        if found is None:
            found = SubstanceLimits(
                upper=self.first_limit(substance, LimitType.UPPER_LIMIT, "low"),
                recommended=self.first_limit(substance, LimitType.RECOMMENDED, "high"),
                usual_max=self.first_limit(substance, LimitType.USUAL_MAX, "low"),
                usual_min=self.first_limit(substance, LimitType.USUAL_MIN, "low"),
                per_dose=self.first_limit(substance, LimitType.PER_DOSE_MAX, "low"),
            )
            if len(table) < CACHE_SIZE:
                table[key] = found
        return found

    def first_limit(self, substance: Substance, kind: LimitType, prefer: str) -> tuple[Limit, float] | None:
        """The first limit of ``kind`` with a value at this person's stage, and the value."""
        key = (substance.id, kind, prefer, self.stage_key)
        table = self.derived.first_limits
        try:
            return table[key]
        except KeyError:
            pass
        found = None
        side: Literal["low", "high"] = "low" if prefer == "low" else "high"
        for limit in self.kb.limits_for(substance.id, kind):
            value = self.stage.value(limit, prefer=side)
            if value is not None:
                found = (limit, value)
                break
        if len(table) < CACHE_SIZE:
            table[key] = found
        return found


# -- resolving ------------------------------------------------------------------------


def build_context(regimen: RegimenFile, kb: KnowledgeBase) -> Context:
    """Resolve every name, amount and time of a validated regimen."""
    profile = regimen.profile
    slots = profile.day.slots()
    day = {slot: _clock.resolve(slot, slots) for slot in _clock.SLOTS}
    ctx = Context(kb, regimen, Stage.of(profile.age, profile.sex, profile.pregnant, profile.lactating), day)
    if profile.age is None:
        ctx.findings.append(
            input_finding(
                code="input.missing_age",
                severity=Severity.INFO,
                message="No age was given, so adult (19-50) limits were used.",
                recommendation="Add the person's age: limits differ for children, adults over 50 and over 70.",
            )
        )
    for index, entry in enumerate(regimen.regimen):
        times = None if entry.times is None else tuple(_clock.resolve(t, slots) for t in entry.times)
        # A single entry is its own part: the same fields an Ingredient has, validated already.
        parts: Iterable[Any] = entry.ingredients if entry.ingredients is not None else (entry,)
        for part in parts:
            dose = _resolve_part(ctx, index, entry.product, part, times, entry.daily_frequency, entry.with_food)
            if dose is not None:
                ctx.add_dose(dose)
    _resolve_medications(ctx, slots)
    _resolve_conditions(ctx)
    if ctx.regimen.foods:
        from .foods import resolve_foods

        resolve_foods(ctx, slots)
    ctx.index()
    return ctx


def _resolve_part(
    ctx: Context,
    index: int,
    product: str | None,
    part: Any,
    times: tuple[int, ...] | None,
    per_day: float,
    with_food: bool | None,
) -> Dose | None:
    """One substance of entry ``index`` as a dose, or None (reported) when the substance is unknown."""
    kb = ctx.kb
    resolved = kb.resolve(part.code or part.substance, part.form)
    if resolved is None:
        shown = part.code or part.substance  # an unknown code is reported as the code
        ctx.findings.append(unrecognized("substance", shown, kb.suggestions("substance", shown), entries=(index,)))
        return None
    substance, form = resolved
    amount_given = part.amount
    counted = True
    if part.form and form is None:
        counted = part.basis != "compound"
        ctx.findings.append(_unknown_form(ctx, index, part.form, substance, amount_given, counted))
    factor, ul_factor = _factors(ctx, substance, form, amount_given.unit) if counted else (0.0, 0.0)
    if part.basis == "compound" and form is not None and form.elemental_fraction is not None:
        factor *= form.elemental_fraction
        ul_factor *= form.elemental_fraction
    value = amount_given.value
    counts = form is None or form.counts_toward_upper_limit
    return Dose(
        index,
        product or substance.id,
        substance,
        form,
        value * factor,
        value * ul_factor if counts else 0.0,
        per_day,
        times,
        with_food,
    )


def _unknown_form(ctx: Context, index: int, form: str, substance: Substance, amount: Any, counted: bool) -> Finding:
    """``input.unrecognized_form``, saying whether the amount was counted as elemental or left out."""
    return unrecognized(
        "form",
        form,
        ctx.kb.suggestions("form", form, substance_id=substance.id),
        entries=(index,),
        substances=(substance.id,),
        extra=(
            f" The amount was taken as elemental {in_sentence(substance.name)}, as on a label."
            if counted
            else f" The {amount} is a compound weight, so it could not be converted and is NOT counted in the totals."
        ),
    )


def _factors(ctx: Context, substance: Substance, form: Form | None, unit: str) -> tuple[float, float]:
    """The factors from ``unit`` to the substance's canonical unit: as given, and as its upper limit counts."""
    factors = ctx.derived.factors
    key = (substance.id, form.id if form is not None else None, unit)
    pair = factors.get(key)
    if pair is None:
        spec = parse_unit(unit)
        pair = (
            ctx.kb.unit_factor(substance, form, spec, for_upper_limit=False),
            ctx.kb.unit_factor(substance, form, spec, for_upper_limit=True),
        )
        if len(factors) < CACHE_SIZE:
            factors[key] = pair
    return pair


def _resolve_medications(ctx: Context, slots: dict[str, str]) -> None:
    """Each medication the person takes, resolved by name, code or the name before its strength."""
    kb = ctx.kb
    for position, use in enumerate(ctx.regimen.profile.medications):
        match = kb.medication(use.identity)
        if match is None:
            # "doxycycline 100mg", "warfarin 5 mg twice daily": the name before the strength.
            core = medication_core(use.name)
            match = kb.medication(core) if core is not None else None
        if match is None:
            shown = use.code or use.name
            ctx.findings.append(unrecognized("medication", shown, kb.suggestions("medication", shown)))
            continue
        record = kb.medication_classes[match.id] if match.is_class else kb.medications[match.id]
        ctx.medications.append(
            MedicationTaken(
                name=use.name,
                id=match.id,
                display=record.name,
                classes=match.classes,
                times=None if use.times is None else tuple(_clock.resolve(t, slots) for t in use.times),
                given=position,
            )
        )


def _resolve_conditions(ctx: Context) -> None:
    """The person's conditions with every condition each implies; a life stage given as a condition is noted."""
    kb = ctx.kb
    profile = ctx.regimen.profile
    stages = dict(profile.life_stage_conditions())
    for name in profile.conditions:
        condition = kb.condition(name)
        flag = stages.get(name)
        if flag is not None:
            ctx.findings.append(life_stage_finding(name, flag))
            if condition is None:
                continue  # a life stage, not a condition the knowledge base should know
        if condition is None:
            ctx.findings.append(unrecognized("condition", name, kb.suggestions("condition", name)))
            continue
        for implied in kb.condition_closure(condition):
            # Every condition that implies it, not the first: which came first must not change the report.
            given = ctx.conditions.get(implied, ())
            if condition not in given:
                ctx.conditions[implied] = (*given, condition)
