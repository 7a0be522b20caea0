"""What the engine derives from one knowledge base, once, for every check.

A rule's partner sets and sources, a substance's rules by family and its
limits at a life stage depend on the knowledge base alone: they are computed
on first use and kept beside the knowledge base, in a table keyed by the
knowledge-base object that lets go of an entry when the knowledge base is
collected, so a check costs what its regimen holds, never a scan of the
rules. The knowledge base itself holds knowledge only: it pickles (the
knowledge cache, Dask workers) without any of this, and a process that
reads it back derives its own.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import cast

from .._kb.base import CACHE_SIZE, KnowledgeBase
from .._kb.models import Limit, LimitType, Reference, Rule, RuleFamily, Timing
from .._names import in_sentence
from .._report import ReferenceInfo
from .._severity import Evidence

__all__ = [
    "CONDITION_FAMILIES",
    "INTERACTION_FAMILIES",
    "Derived",
    "RuleView",
    "SubstanceLimits",
    "SubstanceRules",
]

# The rule families each family module reads: one list, read by the families and the planner.
INTERACTION_FAMILIES = frozenset(
    {
        RuleFamily.INTERACTION_MEDICATION,
        RuleFamily.INTERACTION_SUPPLEMENT,
        RuleFamily.ABSORPTION_REDUCED,
        RuleFamily.ABSORPTION_ENHANCED,
    }
)
CONDITION_FAMILIES = frozenset({RuleFamily.CONTRAINDICATION_CONDITION, RuleFamily.CONTRAINDICATION_LIFE_STAGE})


# Plain classes with __slots__, not dataclasses: creating a dataclass costs about
# a millisecond at import, on every start of the command line.


class RuleView:
    """A rule with what every check asks of it computed once (read-only by convention)."""

    __slots__ = (
        "code",
        "condition_set",
        "conditions",
        "evidence",
        "excluded",
        "first_sentence",
        "forms",
        "labs",
        "life_stages",
        "medication_keys",
        "partners",
        "references",
        "rule",
        "with_substances",
    )

    def __init__(self, rule: Rule, references: tuple[ReferenceInfo, ...]) -> None:
        head, dot, _ = rule.mechanism.partition(". ")
        self.rule = rule
        self.code: str = rule.family.value
        self.evidence = Evidence(rule.evidence)
        self.forms = frozenset(rule.forms)
        self.with_substances = frozenset(rule.with_substances)  # any one must be in the regimen
        self.partners = tuple(sorted(self.with_substances))  # the partners a finding is raised for
        self.medication_keys = frozenset(rule.medications) | frozenset(rule.medication_classes)  # any one taken
        self.excluded = frozenset(rule.except_medications)  # class members the rule does not apply to
        self.conditions = rule.conditions
        self.condition_set = frozenset(rule.conditions)  # any one present
        self.life_stages: frozenset[str] = frozenset(rule.life_stages)
        self.labs = rule.labs  # any one holding satisfies the rule as a condition would
        self.references = references
        self.first_sentence = head + "." if dot else rule.mechanism  # of the mechanism


class SubstanceLimits:
    """A substance's limits at one life stage: each the first limit of its type with a value there."""

    __slots__ = ("per_dose", "recommended", "upper", "usual_max", "usual_min")

    def __init__(
        self,
        upper: tuple[Limit, float] | None,
        recommended: tuple[Limit, float] | None,
        usual_max: tuple[Limit, float] | None,
        usual_min: tuple[Limit, float] | None,
        per_dose: tuple[Limit, float] | None,
    ) -> None:
        self.upper = upper
        self.recommended = recommended
        self.usual_max = usual_max
        self.usual_min = usual_min
        self.per_dose = per_dose


class SubstanceRules:
    """A substance's rules (depletions aside), split by the family that reads them."""

    __slots__ = ("conditions", "interactions", "timing")

    def __init__(
        self,
        interactions: tuple[RuleView, ...],
        timing: tuple[tuple[RuleView, Timing], ...],
        conditions: tuple[RuleView, ...],
    ) -> None:
        self.interactions = interactions
        self.timing = timing
        self.conditions = conditions


_EMPTY_RULES = SubstanceRules((), (), ())


class Derived:
    """Values derived from one knowledge base, computed on first use and kept for its lifetime.

    :meth:`of` gives the one every check of a knowledge base shares; every
    table is filled from the knowledge base's indexes (``rules_for_substance``,
    ``limits_for``), never by a scan. Thread-safe: a value computed twice by
    two threads is the same value.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        # A proxy, not the knowledge base: the shared table's entry for a knowledge
        # base must not keep it alive, or it would never be collected.
        self.kb = cast("KnowledgeBase", weakref.proxy(kb))
        self.rule_views: dict[str, RuleView] = {}
        self.substance_rules: dict[str, SubstanceRules] = {}
        self.references: dict[tuple[str, ...], tuple[ReferenceInfo, ...]] = {}
        # (substance id, limit type, prefer, stage key) -> the first limit with a value, and the value
        self.first_limits: dict[tuple[str, LimitType, str, tuple[object, ...]], tuple[Limit, float] | None] = {}
        # (substance id, form id, unit) -> (canonical factor, factor counted for the upper limit)
        self.factors: dict[tuple[str, str | None, str], tuple[float, float]] = {}
        self.substance_limits: dict[tuple[str, tuple[object, ...]], SubstanceLimits] = {}
        self.names: dict[str, str] = {}  # display name -> the same inside a sentence

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Derived:
        """The indexes derived from ``kb``, built once per knowledge base and shared by every check."""
        found = _by_knowledge.get(kb)
        if found is None:
            with _derived_lock:
                found = _by_knowledge.get(kb)
                if found is None:
                    found = _by_knowledge[kb] = cls(kb)
        return found

    def view(self, rule: Rule) -> RuleView:
        """The rule's precomputed view (its partner sets and references), built on first use."""
        found = self.rule_views.get(rule.id)
        if found is None or found.rule is not rule:
            found = self.rule_views[rule.id] = self._view(rule)
        return found

    def _view(self, rule: Rule) -> RuleView:
        return RuleView(rule, self.reference_infos(rule.references))

    def rules_of(self, substance_id: str) -> SubstanceRules:
        """The interaction, timing and condition rules of one substance, as views."""
        found = self.substance_rules.get(substance_id)
        if found is None:
            rules = self.kb.rules_for_substance(substance_id)
            if not rules:
                return _EMPTY_RULES
            found = SubstanceRules(
                interactions=tuple(self.view(r) for r in rules if r.family in INTERACTION_FAMILIES),
                timing=tuple(
                    (self.view(r), r.timing)
                    for r in rules
                    if r.family is RuleFamily.TIMING_ADVICE and r.timing is not None
                ),
                conditions=tuple(self.view(r) for r in rules if r.family in CONDITION_FAMILIES),
            )
            self.substance_rules[substance_id] = found
        return found

    def reference_infos(self, ids: tuple[str, ...]) -> tuple[ReferenceInfo, ...]:
        """The references with these ids as a report shows them, built once per tuple of ids."""
        found = self.references.get(ids)
        if found is None:
            refs = self.kb.references
            found = tuple(_reference_info(refs[i]) for i in ids if i in refs)
            self.references[ids] = found
        return found

    def in_sentence(self, name: str) -> str:
        """A display name as it reads inside a sentence (remembered)."""
        found = self.names.get(name)
        if found is None:
            found = in_sentence(name)
            if len(self.names) < CACHE_SIZE:
                self.names[name] = found
        return found


# Knowledge base -> what is derived from it; an entry goes when its knowledge base is collected.
_by_knowledge: weakref.WeakKeyDictionary[KnowledgeBase, Derived] = weakref.WeakKeyDictionary()
_derived_lock = threading.Lock()


def _fresh_lock_in_child() -> None:
    # See _kb/loader.py: a forked child must not wait on a lock held by a thread it lacks.
    global _derived_lock
    _derived_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_fresh_lock_in_child)


def _reference_info(ref: Reference) -> ReferenceInfo:
    return ReferenceInfo(id=ref.id, title=ref.title, publisher=ref.publisher, url=ref.url, pmid=ref.pmid)
