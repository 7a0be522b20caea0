"""The loaded knowledge base: validated records plus the indexes a check uses.

Every lookup a check makes is a dictionary access built here once, so the
cost of a check depends on the regimen, not on how many rules exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple, TypeVar

from .._codes import code_key, parse_code, prefixes
from .._names import name_key
from .._units import UnitError, UnitSpec, canonical_factor, parse_unit
from .models import (
    Code,
    Condition,
    Constituent,
    Food,
    FoodCategory,
    FoodRule,
    Form,
    KnowledgeFile,
    Limit,
    LimitType,
    Medication,
    MedicationClass,
    Reference,
    Rule,
    RuleFamily,
    Substance,
)

_EMPTY: tuple[Rule, ...] = ()
CODED_SECTIONS = ("substances", "forms", "medication_classes", "medications", "conditions")
_MEMOS = frozenset({"_resolved", "_medication_cache", "_amount_problems"})
_MISSING: Final[Any] = object()
# Each name cache holds at most this many spellings: a server sees a few
# hundred; an adversarial stream of new names cannot grow memory without bound.
CACHE_SIZE = 4096
_T = TypeVar("_T", Reference, Substance, Form, Limit, MedicationClass, Medication, Condition, Rule)


def _code_index(
    data: KnowledgeFile,
) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[tuple[str, str], tuple[Code, ...]]]:
    """Terminology codes: (system, code) -> (section, id), and each record's codes.

    The loader has checked that each code names one record.
    """
    coded: dict[tuple[str, str], tuple[str, str]] = {}
    codes_of: dict[tuple[str, str], list[Code]] = defaultdict(list)
    for section in CODED_SECTIONS:
        for record in getattr(data, section):
            for code in record.codes:
                coded.setdefault(code_key(code.system, code.code), (section, record.id))
                codes_of[(section, record.id)].append(code)
    for assignment in getattr(data, "codes", ()):
        coded.setdefault(code_key(assignment.system, assignment.code), (assignment.section, assignment.id))
        codes_of[(assignment.section, assignment.id)].append(
            Code(
                system=assignment.system,
                code=assignment.code,
                display=assignment.display,
                references=assignment.references,
            )
        )
    return coded, {k: tuple(v) for k, v in codes_of.items()}


class MedicationMatch(NamedTuple):
    """A resolved medication name: a medication, or a whole class."""

    id: str
    is_class: bool
    classes: frozenset[str]


class KnowledgeBase:
    """A validated knowledge base with lookup indexes.

    Obtain one with :func:`suppcheck.load_knowledge`; instances are immutable
    and safe to share between threads.
    """

    def __init__(
        self,
        data: KnowledgeFile,
        *,
        sources: tuple[str, ...] = (),
        overrides: tuple[tuple[str, str, int], ...] = (),
    ) -> None:
        self.data = data
        self.sources = sources
        self.version: str = data.knowledge_version or "unversioned"
        # What the extra files changed, as plain data (the cache pickles it): (section, id,
        # index in ``sources`` of the file that replaced the record), in the files' order.
        self.overrides = overrides
        # The SHA-256 of each source file's bytes, in ``sources`` order; set by the loader
        # when extra files are merged, empty for one file.
        self.digests: tuple[str, ...] = ()
        self.references: Mapping[str, Reference] = _by_id(data.references)
        self.substances: Mapping[str, Substance] = _by_id(data.substances)
        self.forms: Mapping[str, Form] = _by_id(data.forms)
        self.limits: Mapping[str, Limit] = _by_id(data.limits)
        self.medication_classes: Mapping[str, MedicationClass] = _by_id(data.medication_classes)
        self.medications: Mapping[str, Medication] = _by_id(data.medications)
        self.conditions: Mapping[str, Condition] = _by_id(data.conditions)
        self.rules: Mapping[str, Rule] = _by_id(data.rules)
        # Foods and drinks: records, names (a category's name stands for itself, not a food), rules.
        self.constituents: Mapping[str, Constituent] = MappingProxyType({c.id: c for c in data.constituents})
        self.food_categories: Mapping[str, FoodCategory] = MappingProxyType({c.id: c for c in data.food_categories})
        self.foods: Mapping[str, Food] = MappingProxyType({f.id: f for f in data.foods})
        self.food_rules: Mapping[str, FoodRule] = MappingProxyType({r.id: r for r in data.food_rules})
        self._food_keys = _keys((f.id, (f.id, f.name, *f.synonyms)) for f in data.foods)
        self._food_category_keys = _keys((c.id, (c.id, c.name, *c.synonyms)) for c in data.food_categories)

        self._substance_keys = _keys((s.id, (s.id, s.name, *s.synonyms)) for s in data.substances)
        forms_by_substance: dict[str, list[Form]] = defaultdict(list)
        for form in data.forms:
            forms_by_substance[form.substance].append(form)
        self.forms_by_substance: Mapping[str, tuple[Form, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in forms_by_substance.items()}
        )
        self._form_keys: dict[str, dict[str, str]] = {
            substance: _keys((f.id, (f.id, f.name, *f.synonyms)) for f in forms)
            for substance, forms in forms_by_substance.items()
        }
        # A form name used as a substance ("ferrous sulfate", "vitamin D3") names
        # its substance too, where no other form shares the name.
        form_owners: dict[str, set[str]] = defaultdict(set)
        for form in data.forms:
            for name in (form.id, form.name, *form.synonyms):
                form_owners[name_key(name)].add(form.id)
        self._global_form_keys = {k: next(iter(v)) for k, v in form_owners.items() if len(v) == 1}
        limits: dict[tuple[str, LimitType], list[Limit]] = defaultdict(list)
        for limit in data.limits:
            limits[(limit.substance, limit.type)].append(limit)
        self._limits = {k: tuple(v) for k, v in limits.items()}

        self._class_closure = _closure({c.id: c.parents for c in data.medication_classes})
        self._condition_closure = _closure({c.id: c.implies for c in data.conditions})
        self._medication_keys = _keys(
            (f"class:{c.id}", (c.id, c.name, *c.synonyms)) for c in data.medication_classes
        ) | _keys((f"medication:{m.id}", (m.id, m.name, *m.synonyms, *m.brands)) for m in data.medications)
        self._condition_keys = _keys((c.id, (c.id, c.name, *c.synonyms)) for c in data.conditions)
        self._coded, self._codes_of = _code_index(data)

        by_substance: dict[str, list[Rule]] = defaultdict(list)
        depletions: dict[str, list[Rule]] = defaultdict(list)
        for rule in data.rules:
            if rule.family is RuleFamily.DEPLETION_MEDICATION:
                for target in (*rule.medications, *rule.medication_classes):
                    depletions[target].append(rule)
            else:
                for substance in rule.substances:
                    by_substance[substance].append(rule)
        self._rules_by_substance = {k: tuple(v) for k, v in by_substance.items()}
        self._depletions = {k: tuple(v) for k, v in depletions.items()}
        self._start_memos()

    def _start_memos(self) -> None:
        # What the engine derives from the records lives beside the knowledge base, in
        # suppcheck._engine.derived. Here: answers to name and amount questions, by the spelling asked about.
        self._resolved: dict[tuple[str, str | None], tuple[Substance, Form | None] | None] = {}
        self._medication_cache: dict[str, MedicationMatch | None] = {}
        self._amount_problems: dict[tuple[str, str | None, str, str], str | None] = {}

    @property
    def extra_files(self) -> tuple[tuple[str, str], ...]:
        """Each extra file merged over the base file: its name and the SHA-256 of its bytes."""
        return tuple(
            (_file_name(path), digest) for path, digest in zip(self.sources[1:], self.digests[1:], strict=False)
        )

    def overridden(self) -> tuple[tuple[str, str, str], ...]:
        """Each record an extra file replaced: section, id, and the name of the file."""
        names = [_file_name(path) for path in self.sources]
        return tuple((section, ident, names[i] if i < len(names) else "") for section, ident, i in self.overrides)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {self.version}: {len(self.rules)} rules>"

    # The knowledge cache (cache.py) pickles a knowledge base with its indexes, so that a
    # process that reads it back need not build them; memos stay with the process.

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in _MEMOS}
        views = tuple(k for k, v in state.items() if isinstance(v, MappingProxyType))
        state.update({k: dict(state[k]) for k in views})  # a mapping proxy cannot be pickled
        return {"state": state, "views": views}

    def __setstate__(self, saved: dict[str, Any]) -> None:
        state: dict[str, Any] = saved["state"]
        state.update({k: MappingProxyType(state[k]) for k in saved["views"]})
        self.__dict__.update(state)
        self._start_memos()

    # -- names -------------------------------------------------------------

    def substance(self, name: str) -> Substance | None:
        """The substance a name or synonym refers to, or None.

        >>> from suppcheck import load_knowledge
        >>> load_knowledge().substance("Cholecalciferol").id
        'vitamin_d'
        """
        found = self._substance_keys.get(name_key(name))
        return self.substances[found] if found else None

    def resolve(self, name: str, form_name: str | None = None) -> tuple[Substance, Form | None] | None:
        """A substance entry's substance and form; a form's name may stand for both.

        >>> from suppcheck import load_knowledge
        >>> substance, form = load_knowledge().resolve("ferrous sulfate")
        >>> substance.id, form.id
        ('iron', 'ferrous_sulfate')
        """
        cache_key = (name, form_name)
        found = self._resolved.get(cache_key, _MISSING)
        if found is _MISSING:
            found = self._resolve(name, form_name)
            _remember(self._resolved, cache_key, found)
        return found  # type: ignore[no-any-return]

    def _resolve(self, name: str, form_name: str | None) -> tuple[Substance, Form | None] | None:
        coded = parse_code(name) if ":" in name or "|" in name else None
        if coded is not None:
            # "rxnorm:1151" or "system|code": the record the code names.
            record = self.by_code(*coded)
            if isinstance(record, Form):
                return self.substances[record.substance], record
            if not isinstance(record, Substance):
                return None
            return record, (self.form(record.id, form_name) if form_name else None)
        substance = self.substance(name)
        implied: Form | None = None
        if substance is None:
            form_id = self._global_form_keys.get(name_key(name))
            if form_id is None:
                return None
            implied = self.forms[form_id]
            substance = self.substances[implied.substance]
        if form_name:
            return substance, self.form(substance.id, form_name)
        if implied is None:
            # "folic acid" and "cholecalciferol" name a substance and its form at once.
            implied = self.form(substance.id, name)
        return substance, implied

    def form(self, substance_id: str, name: str) -> Form | None:
        """A form of ``substance_id`` by name or synonym (``citrate``), or None."""
        keys = self._form_keys.get(substance_id, {})
        found = keys.get(name_key(name))
        if found is None:
            # "magnesium citrate" for magnesium: drop the substance's own name.
            substance = self.substances.get(substance_id)
            if substance is not None:
                key = name_key(name)
                for prefix in {name_key(n) for n in (substance.id, substance.name, *substance.synonyms)}:
                    if key.startswith(prefix) and key[len(prefix) :] in keys:
                        found = keys[key[len(prefix) :]]
                        break
        return self.forms[found] if found else None

    def medication(self, name: str) -> MedicationMatch | None:
        """A medication (with all its classes) or a class, by any name or brand."""
        match = self._medication_cache.get(name, _MISSING)
        if match is _MISSING:
            match = self._medication(name)
            _remember(self._medication_cache, name, match)
        return match  # type: ignore[no-any-return]

    def _medication(self, name: str) -> MedicationMatch | None:
        coded = parse_code(name) if ":" in name or "|" in name else None
        if coded is not None:
            owner = self.code_owner(*coded)
            if owner is None or owner[0] not in ("medications", "medication_classes"):
                return None
            found: str | None = ("class:" if owner[0] == "medication_classes" else "medication:") + owner[1]
        else:
            found = self._medication_keys.get(name_key(name))
        if found is None:
            return None
        kind, ident = found.split(":", 1)
        if kind == "class":
            return MedicationMatch(ident, True, self._class_closure[ident])
        classes: frozenset[str] = frozenset().union(*(self._class_closure[c] for c in self.medications[ident].classes))
        return MedicationMatch(ident, False, classes)

    def food(self, name: str) -> Food | None:
        """The food or drink a name or synonym refers to (case, spaces and punctuation ignored), or None.

        >>> from suppcheck import load_knowledge
        >>> load_knowledge().food("Latte").id
        'coffee_with_milk'
        """
        found = self._food_keys.get(name_key(name))
        return None if found is None else self.foods[found]

    def food_category(self, name: str) -> FoodCategory | None:
        """The food category a name or synonym refers to (``alcohol``, ``dairy``), or None."""
        found = self._food_category_keys.get(name_key(name))
        return None if found is None else self.food_categories[found]

    def condition(self, name: str) -> str | None:
        """The condition id a name, synonym or code (``icd10:N18.4``) refers to, or None."""
        if ":" in name or "|" in name:
            coded = parse_code(name)
            if coded is not None:
                return self.condition_by_code(*coded)
        return self._condition_keys.get(name_key(name))

    # -- codes -------------------------------------------------------------

    def code_owner(self, system: str, code: str) -> tuple[str, str] | None:
        """The ``(section, id)`` a terminology code names, or None.

        ICD-10-CM is matched by category where the knowledge base holds the
        category: ``E83.110`` is found under ``E83.11``.

        >>> from suppcheck import load_knowledge
        >>> load_knowledge().code_owner("http://hl7.org/fhir/sid/icd-10-cm", "E83.110")
        ('conditions', 'hemochromatosis')
        """
        system, code = code_key(system, code)
        for candidate in prefixes(system, code):
            found = self._coded.get((system, candidate))
            if found is not None:
                return found
        return None

    def by_code(self, system: str, code: str) -> Substance | Form | MedicationClass | Medication | Condition | None:
        """The record a terminology code names (a life stage is no record: see :meth:`life_stage_by_code`)."""
        owner = self.code_owner(system, code)
        if owner is None or owner[0] not in CODED_SECTIONS:
            return None
        section, ident = owner
        table: Mapping[str, Any] = getattr(self, section)
        found: Substance | Form | MedicationClass | Medication | Condition = table[ident]
        return found

    def condition_by_code(self, system: str, code: str) -> str | None:
        """The condition id a code names, or None."""
        owner = self.code_owner(system, code)
        return owner[1] if owner is not None and owner[0] == "conditions" else None

    def life_stage_by_code(self, system: str, code: str) -> str | None:
        """``pregnant`` or ``lactating`` when the code states that life stage (ICD-10-CM Z33.1), else None."""
        owner = self.code_owner(system, code)
        return owner[1] if owner is not None and owner[0] == "life_stages" else None

    def codes_of(self, section: str, ident: str) -> tuple[Code, ...]:
        """Every code of a record, its own and those extra files gave it."""
        return self._codes_of.get((section, ident), ())

    def condition_closure(self, condition_id: str) -> frozenset[str]:
        """The condition and every condition it implies."""
        return self._condition_closure[condition_id]

    def suggestions(self, kind: str, name: str, *, substance_id: str | None = None, limit: int = 3) -> list[str]:
        """Up to ``limit`` known names (display names) a misspelling of ``name`` could mean.

        Only close matches: the spelling keys (case, spaces and punctuation
        ignored) must be within a few edits, fewer for short names, so an
        unrelated name ("boswellia") suggests nothing rather than whatever
        scores best.

        >>> from suppcheck import load_knowledge
        >>> load_knowledge().suggestions("substance", "magnesum")
        ['Magnesium']
        """
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        key = name_key(name)
        if not key:
            return []
        choices = self._suggestion_choices(kind, substance_id)
        if not choices:
            return []
        matches = process.extract(
            key, list(choices), scorer=Levenshtein.distance, score_cutoff=edit_budget(len(key)), limit=limit * 4
        )
        if not matches:
            return []
        # Only the closest: a one-edit slip does not also suggest every two-edit neighbour.
        # Among equals, the longest shared beginning first (vitamin D before B3 for "vitamin d3").
        best = min(distance for _, distance, _ in matches)
        closest = sorted((m for m in matches if m[1] == best), key=lambda m: (-_shared_start(key, m[0]), m[2]))
        out: list[str] = []
        for choice, _, _ in closest:
            display = choices[choice]
            if display not in out:
                out.append(display)
        return out[:limit]

    def _suggestion_choices(self, kind: str, substance_id: str | None) -> dict[str, str]:
        """Spelling key -> the display name a suggestion shows, for one kind of name."""
        if kind == "substance":
            # A form's name stands for its substance ("ferrous sulfate"): suggest the form's name.
            choices = {k: self.forms[v].name for k, v in self._global_form_keys.items()}
            choices.update({k: self.substances[v].name for k, v in self._substance_keys.items()})
            return choices
        if kind == "form":
            keys = self._form_keys.get(substance_id or "", {})
            return {k: self.forms[v].name for k, v in keys.items()}
        if kind == "medication":
            choices = {}
            for k, v in self._medication_keys.items():
                kind_, ident = v.split(":", 1)
                record = self.medication_classes[ident] if kind_ == "class" else self.medications[ident]
                choices[k] = record.name
            return choices
        if kind == "food":
            return {k: self.foods[v].name for k, v in self._food_keys.items()}
        return {k: self.conditions[v].name for k, v in self._condition_keys.items()}

    # -- units -------------------------------------------------------------

    def unit_factor(self, substance: Substance, form: Form | None, spec: UnitSpec, *, for_upper_limit: bool) -> float:
        """Canonical units of ``substance`` per one ``spec`` unit (raises UnitError)."""
        per_unit = None
        if not spec.is_mass and spec.dimension != substance.unit:
            tables: list[Mapping[str, float]] = []
            if for_upper_limit:
                tables += [form.upper_limit_unit_factors] if form else []
                tables.append(substance.upper_limit_unit_factors)
            tables += [form.unit_factors] if form else []
            tables.append(substance.unit_factors)
            per_unit = next((t[spec.dimension] for t in tables if spec.dimension in t), None)
        try:
            return canonical_factor(spec, substance.unit, per_unit)
        except UnitError:
            raise UnitError(self._inapplicable(substance, form, spec)) from None

    def _inapplicable(self, substance: Substance, form: Form | None, spec: UnitSpec) -> str:
        if spec.dimension == "volume":
            return f"unit {spec.text!r} does not apply to {substance.id}: no known concentration; give a mass"
        accepted = sorted({*substance.unit_factors, *(form.unit_factors if form else {})})
        of = f"{substance.id} ({form.name})" if form else substance.id
        hint = f"; use a mass or {', '.join(accepted)}" if accepted else "; use a mass unit (mg, mcg, g)"
        return f"unit {spec.text!r} does not apply to {of}{hint}"

    def amount_problem(self, substance_name: str, form_name: str | None, unit: str, basis: str) -> str | None:
        """Why an amount cannot be converted for this substance and form, or None if it can."""
        cache_key = (substance_name, form_name, unit, basis)
        problem = self._amount_problems.get(cache_key, _MISSING)
        if problem is _MISSING:
            problem = self._amount_problem(substance_name, form_name, unit, basis)
            _remember(self._amount_problems, cache_key, problem)
        return problem  # type: ignore[no-any-return]

    def _amount_problem(self, substance_name: str, form_name: str | None, unit: str, basis: str) -> str | None:
        resolved = self.resolve(substance_name, form_name)
        if resolved is None:
            return None  # reported as an unrecognized substance, not an input error
        substance, form = resolved
        if basis == "compound" and form is not None and form.elemental_fraction is None:
            return (
                f"basis 'compound' needs an elemental fraction, and none is known for {form.name}; "
                "give the elemental amount from the label"
            )
        try:
            spec = parse_unit(unit)
            self.unit_factor(substance, form, spec, for_upper_limit=False)
        except UnitError as exc:
            return str(exc)
        return None

    # -- limits and rules --------------------------------------------------

    def limits_for(self, substance_id: str, kind: LimitType) -> tuple[Limit, ...]:
        """The limits of one type (upper limit, recommended intake, ...) for a substance, every life stage in each."""
        return self._limits.get((substance_id, kind), ())

    def rules_for_substance(self, substance_id: str) -> tuple[Rule, ...]:
        """Rules (other than depletions) whose subject is ``substance_id``."""
        return self._rules_by_substance.get(substance_id, _EMPTY)

    def depletion_rules(self, medication_or_class_ids: Iterable[str]) -> list[Rule]:
        """Depletion rules on any of these medications or classes, each once."""
        seen: dict[str, Rule] = {}
        for ident in medication_or_class_ids:
            for rule in self._depletions.get(ident, _EMPTY):
                seen.setdefault(rule.id, rule)
        return list(seen.values())


def _shared_start(a: str, b: str) -> int:
    """How many leading characters two strings share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def edit_budget(length: int) -> int:
    """How many edits a misspelling of a name ``length`` characters long may have.

    One for short names (``zink``), two up to ten characters (``magnesum``),
    three beyond (``ferous sulfate``): enough for a slip, too few to turn one
    name into another.

    >>> [edit_budget(n) for n in (3, 4, 5, 10, 11, 30)]
    [1, 1, 2, 2, 3, 3]
    """
    return 1 if length <= 4 else 2 if length <= 10 else 3


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


def _by_id(records: Iterable[_T]) -> Mapping[str, _T]:
    return MappingProxyType({r.id: r for r in records})


def _keys(items: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for target, names in items:
        for name in names:
            out.setdefault(name_key(name), target)
    return out


def _closure(edges: Mapping[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """Each node with everything reachable from it (the graph is acyclic)."""
    done: dict[str, frozenset[str]] = {}

    def visit(node: str) -> frozenset[str]:
        if node not in done:
            done[node] = frozenset({node}).union(*(visit(p) for p in edges.get(node, ()) if p in edges))
        return done[node]

    for node in edges:
        visit(node)
    return done
