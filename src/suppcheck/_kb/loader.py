"""Loading, merging and cross-checking knowledge-base files.

The bundled file is parsed on first use, once per process (thread-safe), and
never at import; what passed every check is kept between processes by
:mod:`.cache`. Every problem is reported with its JSON path, e.g.
``rules[41].references[0]: unknown reference 'ods-zink'``.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .._codes import code_key
from .._errors import KnowledgeBaseError
from .._names import name_key
from .._reading import loads_json
from . import cache
from .base import KnowledgeBase
from .models import Code, CodeAssignment, KnowledgeFile, LimitBasis, LimitType, Rule
from .paths import bundled_path

__all__ = [
    "build",
    "bundled_path",
    "default_knowledge",
    "load_knowledge",
    "mark_local",
    "parse",
    "read_file",
    "stats",
]

SECTIONS = (
    "references",
    "substances",
    "forms",
    "limits",
    "medication_classes",
    "medications",
    "conditions",
    "rules",
    "constituents",
    "food_categories",
    "foods",
    "food_rules",
)
StrPath = str | PathLike[str]

_default: KnowledgeBase | None = None
_default_lock = threading.Lock()


def _fresh_lock_in_child() -> None:
    # A child forked while another thread loaded the knowledge base would wait forever on
    # the copy of its lock; the child has no such thread, so it gets a lock of its own.
    global _default_lock
    _default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_fresh_lock_in_child)


def default_knowledge() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = _load((bundled_path(),))
    return _default


def load_knowledge(path: StrPath | None = None, extra: Iterable[StrPath] = ()) -> KnowledgeBase:
    """Load and validate a knowledge base, merging extra rules files.

    With no arguments this returns the bundled knowledge base (cached). Each
    ``extra`` file has the same shape as the bundled one, every section
    optional; an entry whose id exists already must set ``"override": true``.
    Raises :class:`~suppcheck.KnowledgeBaseError` naming each problem's JSON
    path.

    >>> kb = load_knowledge()
    >>> kb.substance("magnesium").unit
    'mg'
    """
    extras = tuple(Path(fspath(p)).resolve() for p in extra)
    if path is None and not extras:
        return default_knowledge()
    base = bundled_path() if path is None else Path(fspath(path)).resolve()
    paths = (base, *extras)
    return _load_cached(paths, tuple(_fingerprint(p) for p in paths))


def _fingerprint(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)  # read_file reports the problem
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_cached(paths: tuple[Path, ...], fingerprints: tuple[tuple[int, int], ...]) -> KnowledgeBase:
    # Keyed on each file's mtime and size too, so an edited file is read again.
    return _load(paths)


def _load(paths: Sequence[Path]) -> KnowledgeBase:
    contents = [_read_bytes(p) for p in paths]
    sources = tuple(str(p) for p in paths)
    entry = cache.key(contents)
    cached = cache.load(entry) if entry is not None else None
    if cached is not None:
        cached.sources = sources  # the same files may have been cached from another path
        return cached
    kb = build([(source, _decode(data, source)) for source, data in zip(sources, contents, strict=True)])
    if len(contents) > 1:
        mark_local(kb, contents)
    if entry is not None:
        cache.store(entry, kb)
    return kb


def mark_local(kb: KnowledgeBase, contents: Sequence[bytes]) -> None:
    """Record each file's digest and make the version say the knowledge base is not the bundled one.

    ``2026.11.2+local.1a2b3c4d``: the base file's version, then the first 8 hex
    digits of the SHA-256 over the extra files' SHA-256 digests, in order.
    """
    import hashlib

    digests = [hashlib.sha256(data).digest() for data in contents]
    kb.digests = tuple(d.hex() for d in digests)
    kb.version = f"{kb.version}+local.{hashlib.sha256(b''.join(digests[1:])).hexdigest()[:8]}"


def read_file(path: Path) -> KnowledgeFile:
    """Parse and validate one file against the models (no cross-references)."""
    return _decode(_read_bytes(path), str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None


def _decode(data: bytes, source: str) -> KnowledgeFile:
    # Nesting bounded before parsing and every key given once, as for a regimen
    # (see _reading); a clinic's rules file is otherwise trusted for its size.
    raw = loads_json(data, source=source, limits=None, error=KnowledgeBaseError)
    return parse(raw, source=source)


def parse(raw: Any, *, source: str | None = None) -> KnowledgeFile:
    """Validate a decoded document against the models."""
    try:
        return KnowledgeFile.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem(e["loc"], e["msg"].removeprefix("Value error, ")) for e in exc.errors(include_url=False)]
        raise KnowledgeBaseError(problems, source=source) from None


# A record's validator names the item it rejects ("severity_steps[1]: ..."): that
# item's path is joined to the record's, so every problem reads as one JSON path.
_ITEM_PREFIX = re.compile(r"^([a-z_]+(?:\[\d+\])*): (.+)$", re.DOTALL)


def _problem(loc: Sequence[int | str], message: str) -> str:
    path = json_path(loc)
    item = _ITEM_PREFIX.match(message)
    if item is not None and loc:
        return f"{path}.{item.group(1)}: {item.group(2)}"
    return f"{path}: {message}"


def json_path(loc: Sequence[int | str]) -> str:
    """``rules[41].references[0]`` from a pydantic location."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(document)"


def build(files: Sequence[tuple[str, KnowledgeFile]]) -> KnowledgeBase:
    """Merge validated files (the first is the base) and cross-check the result."""
    merged: dict[str, dict[str, tuple[BaseModel, str]]] = {s: {} for s in SECTIONS}
    problems: list[str] = []
    overrides: list[tuple[str, str, int]] = []
    assignments: list[tuple[CodeAssignment, str]] = []
    for file_index, (source, data) in enumerate(files):
        prefix = "" if file_index == 0 else f"{source}: "
        assignments.extend((a, f"{prefix}codes[{i}]") for i, a in enumerate(data.codes))
        for section in SECTIONS:
            for index, record in enumerate(getattr(data, section)):
                where = f"{prefix}{section}[{index}]"
                ident = record.id
                if ident in merged[section] and not (file_index > 0 and record.override):
                    earlier = merged[section][ident][1]
                    hint = ' (set "override": true to replace it)' if file_index > 0 else ""
                    problems.append(f"{where}.id: duplicate id {ident!r}, already at {earlier}{hint}")
                    continue
                if file_index > 0 and record.override and ident not in merged[section]:
                    problems.append(f"{where}.override: nothing to override: no {section} entry {ident!r}")
                    continue
                if ident in merged[section]:
                    overrides.append((section, ident, file_index))
                merged[section][ident] = (record, where)
    versions = [d.knowledge_version for _, d in files if d.knowledge_version]
    fields: dict[str, Any] = {s: tuple(r for r, _ in merged[s].values()) for s in SECTIONS}
    document = KnowledgeFile.model_construct(
        knowledge_version=versions[0] if versions else None, codes=tuple(a for a, _ in assignments), **fields
    )
    locations = {s: {ident: w for ident, (_, w) in merged[s].items()} for s in SECTIONS}
    problems.extend(cross_check(document, locations))
    problems.extend(code_claims(document, locations, [w for _, w in assignments]))
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(document, sources=tuple(s for s, _ in files), overrides=tuple(overrides))


def cross_check(doc: KnowledgeFile, where: dict[str, dict[str, str]]) -> Iterator[str]:
    """Every problem of referential integrity, each with its JSON path."""
    known = _Known(doc, where)
    yield from _substances_and_forms(doc, known)
    yield from _limits(doc, known)
    yield from _recommended_within_upper(doc, where)
    yield from _medications_and_conditions(doc, known)
    for rule in doc.rules:
        yield from _rule(rule, known)
    yield from _food_problems(doc, where, known.check_ids, known.check_refs)


class _Known:
    """The ids a knowledge file defines, and where each record is, for its cross-checks."""

    def __init__(self, doc: KnowledgeFile, where: dict[str, dict[str, str]]) -> None:
        self.where = where
        self.refs = {r.id for r in doc.references}
        self.substances = {s.id: s for s in doc.substances}
        self.forms = {f.id: f for f in doc.forms}
        self.classes = {c.id for c in doc.medication_classes}
        self.meds = {m.id for m in doc.medications}
        self.conditions = {c.id for c in doc.conditions}
        self.rule_ids = {r.id for r in doc.rules}
        self.member_of = _member_of(doc)

    def check_refs(self, section: str, ident: str, ids: Iterable[str]) -> Iterator[str]:
        """Each reference id that the file does not define."""
        for i, ref in enumerate(ids):
            if ref not in self.refs:
                yield f"{self.where[section][ident]}.references[{i}]: unknown reference {ref!r}"

    def check_ids(
        self, section: str, ident: str, field: str, ids: Iterable[str], known: Iterable[str], what: str
    ) -> Iterator[str]:
        """Each id in ``field`` that is not among ``known``."""
        known_set = set(known)
        for i, value in enumerate(ids):
            if value not in known_set:
                yield f"{self.where[section][ident]}.{field}[{i}]: unknown {what} {value!r}"


def _substances_and_forms(doc: KnowledgeFile, known: _Known) -> Iterator[str]:
    where, substances = known.where, known.substances
    yield from _duplicate_names("substances", ((s.id, (s.id, s.name, *s.synonyms)) for s in doc.substances), where)
    for s in doc.substances:
        yield from known.check_refs("substances", s.id, s.references)
    for f in doc.forms:
        if f.substance not in substances:
            yield f"{where['forms'][f.id]}.substance: unknown substance {f.substance!r}"
        yield from known.check_refs("forms", f.id, f.references)
    for substance_id in substances:
        own = [f for f in doc.forms if f.substance == substance_id]
        yield from _duplicate_names("forms", ((f.id, (f.id, f.name, *f.synonyms)) for f in own), where)


def _limits(doc: KnowledgeFile, known: _Known) -> Iterator[str]:
    for limit in doc.limits:
        loc = known.where["limits"][limit.id]
        if limit.id in known.rule_ids:
            yield f"{loc}.id: {limit.id!r} is also a rule id"
        yield from known.check_refs("limits", limit.id, limit.references)
        yield from _nested_refs(loc, "severity_steps", limit.severity_steps, known.refs)
        substance = known.substances.get(limit.substance)
        if substance is None:
            yield f"{loc}.substance: unknown substance {limit.substance!r}"
        elif limit.unit != substance.unit and limit.unit not in substance.unit_factors:
            yield f"{loc}.unit: {limit.unit!r} is neither {substance.id}'s unit ({substance.unit}) nor converts to it"
        elif limit.severity_steps and limit.unit != substance.unit:
            # Steps are compared with the daily total, which is in the substance's unit.
            yield f"{loc}.severity_steps: a limit with steps is in {substance.id}'s unit ({substance.unit})"
        if limit.type is LimitType.RECOMMENDED and limit.intake_kind is None:
            yield f"{loc}.intake_kind: a recommended intake says RDA or AI"


def _medications_and_conditions(doc: KnowledgeFile, known: _Known) -> Iterator[str]:
    where, classes = known.where, known.classes
    for c in doc.medication_classes:
        yield from known.check_ids("medication_classes", c.id, "parents", c.parents, classes, "medication class")
    yield from _cycles("medication_classes", {c.id: c.parents for c in doc.medication_classes}, where)
    for m in doc.medications:
        yield from known.check_ids("medications", m.id, "classes", m.classes, classes, "medication class")
    yield from _duplicate_names(
        "medications",
        [(c.id, (c.id, c.name, *c.synonyms)) for c in doc.medication_classes]
        + [(m.id, (m.id, m.name, *m.synonyms, *m.brands)) for m in doc.medications],
        {"medications": {**where["medication_classes"], **where["medications"]}},
    )
    for cond in doc.conditions:
        yield from known.check_ids("conditions", cond.id, "implies", cond.implies, known.conditions, "condition")
    yield from _cycles("conditions", {c.id: c.implies for c in doc.conditions}, where)
    yield from _duplicate_names("conditions", ((c.id, (c.id, c.name, *c.synonyms)) for c in doc.conditions), where)


def _rule(rule: Rule, known: _Known) -> Iterator[str]:
    loc = known.where["rules"][rule.id]
    ids = known.check_ids
    yield from ids("rules", rule.id, "substances", rule.substances, known.substances, "substance")
    yield from ids("rules", rule.id, "with_substances", rule.with_substances, known.substances, "substance")
    yield from ids("rules", rule.id, "medications", rule.medications, known.meds, "medication")
    yield from ids("rules", rule.id, "medication_classes", rule.medication_classes, known.classes, "medication class")
    yield from ids("rules", rule.id, "except_medications", rule.except_medications, known.meds, "medication")
    member_of = known.member_of
    for i, med_id in enumerate(rule.except_medications):
        if med_id in member_of and member_of[med_id].isdisjoint(rule.medication_classes):
            yield f"{loc}.except_medications[{i}]: {med_id!r} is in none of the rule's medication_classes"
    yield from ids("rules", rule.id, "conditions", rule.conditions, known.conditions, "condition")
    yield from known.check_refs("rules", rule.id, rule.references)
    yield from _nested_refs(loc, "severity_steps", rule.severity_steps, known.refs)
    yield from _nested_refs(loc, "labs", rule.labs, known.refs)
    for i, form_id in enumerate(rule.forms):
        form = known.forms.get(form_id)
        if form is None:
            yield f"{loc}.forms[{i}]: unknown form {form_id!r}"
        elif form.substance not in rule.substances:
            yield f"{loc}.forms[{i}]: form {form_id!r} is not a form of {', '.join(rule.substances)}"


def _food_problems(
    doc: KnowledgeFile, where: dict[str, dict[str, str]], check_ids: Any, check_refs: Any
) -> Iterator[str]:
    """Foods name known categories, substances and constituents; food rules name known members and sources."""
    refs = {r.id for r in doc.references}
    substances = {s.id: s for s in doc.substances}
    constituents = {c.id for c in doc.constituents}
    categories = {c.id for c in doc.food_categories}
    foods = {f.id for f in doc.foods}
    yield from _duplicate_names(
        "food_categories", ((c.id, (c.id, c.name, *c.synonyms)) for c in doc.food_categories), where
    )
    yield from _duplicate_names("foods", ((f.id, (f.id, f.name, *f.synonyms)) for f in doc.foods), where)
    for food in doc.foods:
        loc = where["foods"][food.id]
        yield from check_ids("foods", food.id, "categories", food.categories, categories, "food category")
        yield from _nested_refs(loc, "serving", (food.serving,), refs)
        yield from _nested_refs(loc, "carries", food.carries, refs)
        for i, item in enumerate(food.carries):
            if item.substance is not None:
                substance = substances.get(item.substance)
                if substance is None:
                    yield f"{loc}.carries[{i}].substance: unknown substance {item.substance!r}"
                elif item.amount is not None and item.unit != substance.unit:
                    yield f"{loc}.carries[{i}].unit: {item.unit!r} is not {substance.id}'s unit ({substance.unit})"
            elif item.constituent not in constituents:
                yield f"{loc}.carries[{i}].constituent: unknown constituent {item.constituent!r}"
    meds = {m.id for m in doc.medications}
    classes = {c.id for c in doc.medication_classes}
    conditions = {c.id for c in doc.conditions}
    other_ids = {r.id for r in doc.rules} | {limit.id for limit in doc.limits}
    for rule in doc.food_rules:
        loc = where["food_rules"][rule.id]
        if rule.id in other_ids:
            yield f"{loc}.id: {rule.id!r} is also a rule or limit id"
        yield from check_ids("food_rules", rule.id, "substances", rule.substances, substances, "substance")
        yield from check_ids("food_rules", rule.id, "medications", rule.medications, meds, "medication")
        yield from check_ids(
            "food_rules", rule.id, "medication_classes", rule.medication_classes, classes, "medication class"
        )
        yield from check_ids("food_rules", rule.id, "conditions", rule.conditions, conditions, "condition")
        yield from check_ids("food_rules", rule.id, "foods", rule.foods, foods, "food")
        yield from check_ids(
            "food_rules", rule.id, "food_categories", rule.food_categories, categories, "food category"
        )
        yield from check_refs("food_rules", rule.id, rule.references)
        if rule.food_amount is not None:
            yield from _nested_refs(loc, "food_amount", (rule.food_amount,), refs)


CODED_SECTIONS = ("substances", "forms", "medication_classes", "medications", "conditions")
LIFE_STAGES = ("pregnant", "lactating")


def code_claims(doc: KnowledgeFile, where: dict[str, dict[str, str]], assigned_at: Sequence[str]) -> Iterator[str]:
    """Each code cites a known reference and names one record (or life stage) only.

    A code is compared as :func:`suppcheck._codes.code_key` writes it, so
    ``icd10 n18.4`` and ``N18.4`` are one code.
    """
    refs = {r.id for r in doc.references}
    owner: dict[tuple[str, str], tuple[str, str, str]] = {}

    def claim(code: Code, section: str, ident: str, loc: str) -> Iterator[str]:
        for j, ref in enumerate(code.references):
            if ref not in refs:
                yield f"{loc}.references[{j}]: unknown reference {ref!r}"
        key = code_key(code.system, code.code)
        earlier = owner.get(key)
        if earlier is not None:
            what = "again" if earlier[:2] == (section, ident) else f"by {earlier[0]} {earlier[1]!r}"
            yield f"{loc}: code {key[0]}|{key[1]} is claimed {what}, already at {earlier[2]}"
            return
        owner[key] = (section, ident, loc)

    for section in CODED_SECTIONS:
        for record in getattr(doc, section):
            for i, code in enumerate(record.codes):
                yield from claim(code, section, record.id, f"{where[section][record.id]}.codes[{i}]")
    for assignment, loc in zip(doc.codes, assigned_at, strict=True):
        if assignment.section == "life_stages":
            if assignment.id not in LIFE_STAGES:
                yield f"{loc}.id: life stage {assignment.id!r} is not one of {', '.join(LIFE_STAGES)}"
                continue
        elif assignment.id not in where[assignment.section]:
            yield f"{loc}.id: no {assignment.section} entry {assignment.id!r} to give the code to"
            continue
        yield from claim(assignment, assignment.section, assignment.id, loc)


def _nested_refs(loc: str, field: str, items: Iterable[Any], known: set[str]) -> Iterator[str]:
    for i, item in enumerate(items):
        for j, ref in enumerate(item.references):
            if ref not in known:
                yield f"{loc}.{field}[{i}].references[{j}]: unknown reference {ref!r}"


def _duplicate_names(
    section: str, items: Iterable[tuple[str, tuple[str, ...]]], where: dict[str, dict[str, str]]
) -> Iterator[str]:
    owner: dict[str, str] = {}
    for ident, names in items:
        for name in names:
            key = name_key(name)
            if not key:
                yield f"{where[section][ident]}: name {name!r} is empty once punctuation is ignored"
            elif owner.setdefault(key, ident) != ident:
                yield f"{where[section][ident]}: name {name!r} also names {owner[key]!r}"


def _cycles(section: str, edges: dict[str, tuple[str, ...]], where: dict[str, dict[str, str]]) -> Iterator[str]:
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1 or (nxt in edges and state.get(nxt) is None and visit(nxt)):
                return True
        state[node] = 2
        return False

    for node in edges:
        if state.get(node) is None and visit(node):
            yield f"{where[section][node]}: cycle through {node!r}"
            return


def _member_of(doc: KnowledgeFile) -> dict[str, frozenset[str]]:
    """Each medication's classes with all their ancestors (safe on cycles, reported elsewhere)."""
    parents = {c.id: c.parents for c in doc.medication_classes}
    member_of: dict[str, frozenset[str]] = {}
    for m in doc.medications:
        seen: set[str] = set()
        todo = list(m.classes)
        while todo:
            cls = todo.pop()
            if cls not in seen:
                seen.add(cls)
                todo.extend(parents.get(cls, ()))
        member_of[m.id] = frozenset(seen)
    return member_of


def _recommended_within_upper(doc: KnowledgeFile, where: dict[str, dict[str, str]]) -> Iterator[str]:
    # Magnesium's upper limit counts supplements only while its RDA counts food too:
    # the two measure different intakes, so only comparable limits are compared.
    upper = {
        (lim.substance, lim.unit): lim
        for lim in doc.limits
        if lim.type is LimitType.UPPER_LIMIT and lim.basis is not LimitBasis.SUPPLEMENTAL
    }
    for lim in doc.limits:
        if lim.type is not LimitType.RECOMMENDED:
            continue
        ul = upper.get((lim.substance, lim.unit))
        if ul is None:
            continue
        for stage, value in lim.values.items():
            bound = ul.values.get(stage)
            if bound is None and " " in stage and not stage.startswith(("pregnancy", "lactation")):
                bound = ul.values.get(stage.split(" ", 1)[1])
            if bound is not None and value > bound:
                yield (
                    f"{where['limits'][lim.id]}.values[{stage!r}]: recommended {value:g} {lim.unit} is above "
                    f"the upper limit {bound:g} ({ul.id})"
                )


def stats(kb: KnowledgeBase) -> dict[str, Any]:
    """Counts for ``suppcheck kb stats``."""
    families = Counter(r.family.value for r in kb.rules.values())
    return {
        "knowledge_version": kb.version,
        "substances": len(kb.substances),
        "forms": len(kb.forms),
        "limits": len(kb.limits),
        "medications": len(kb.medications),
        "medication_classes": len(kb.medication_classes),
        "conditions": len(kb.conditions),
        "rules": len(kb.rules),
        "rules_by_family": dict(sorted(families.items())),
        "references": len(kb.references),
        "rules_without_reference": sum(1 for r in kb.rules.values() if not r.references),
        "foods": len(kb.foods),
        "food_categories": len(kb.food_categories),
        "food_rules": len(kb.food_rules),
    }
