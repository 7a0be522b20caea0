"""The engine (context, derived indexes, rule selection) on a small knowledge base built for these tests.

``tests/data/small-kb.json`` holds a few records of each kind, so that an edit
to the bundled ``data/interactions.json`` never moves a test here; what the
bundled data says is the data tests' to check.
"""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest

from suppcheck import KnowledgeBase, RegimenFile, check, load_knowledge
from suppcheck._engine import derived
from suppcheck._engine.context import Context, build_context
from suppcheck._engine.derived import Derived
from suppcheck._engine.select import interaction_pairs, separation_pairs, timing_doses
from suppcheck._kb.base import CACHE_SIZE
from suppcheck._plan.problem import build

SMALL = Path(__file__).parent / "data" / "small-kb.json"
KB = load_knowledge(SMALL)


def context(*entries: dict[str, Any], kb: KnowledgeBase = KB, **profile: Any) -> Context:
    data = {"profile": {"age": 40, "sex": "female", **profile}, "regimen": list(entries)}
    return build_context(RegimenFile.model_validate(data, context={"knowledge": kb}), kb)


MAGNESIUM = {"substance": "magnesium", "amount": "200 mg", "times": ["08:00"]}
IRON = {"substance": "iron", "amount": "18 mg", "times": ["08:00"]}
CALCIUM = {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "basis": "compound", "times": ["08:00"]}


# -- the context's questions --------------------------------------------------------------


def test_applies_matched_conditions_and_partners_by_rule_view() -> None:
    ctx = context(MAGNESIUM, conditions=["renal failure"])
    view = ctx.derived.view(KB.rules["cond.magnesium.kidney_failure"])
    assert [d.substance.id for d in ctx.applies(view, "magnesium")] == ["magnesium"]
    assert ctx.applies(view, "iron") == []
    assert ctx.matched_conditions(view) == ["kidney_failure"]
    assert ctx.partners_ok(view)
    healthy = context(MAGNESIUM)
    assert healthy.applies(view, "magnesium") == []
    assert healthy.matched_conditions(view) == []
    assert not healthy.partners_ok(view)


def test_a_class_member_is_matched_by_its_class_and_an_exception_is_not() -> None:
    ctx = context(IRON, CALCIUM, medications=["Vibramycin", "minocycline"])
    view = ctx.derived.view(KB.rules["abs.iron.calcium_with_tetracyclines"])
    assert [m.id for m in ctx.matched_medications(view)] == ["doxycycline"]
    view = ctx.derived.view(KB.rules["med.magnesium.tetracyclines"])
    assert [m.id for m in ctx.matched_medications(view)] == ["doxycycline", "minocycline"]


# -- the one rule selection ---------------------------------------------------------------


def test_interaction_pairs_give_one_pair_per_partner() -> None:
    ctx = context(MAGNESIUM, IRON, CALCIUM, medications=["doxycycline", "minocycline", "levothyroxine"])
    pairs = [
        (p.view.rule.id, p.subject[0].substance.id, tuple(d.substance.id for d in p.partner_doses), p.medications)
        for p in interaction_pairs(ctx)
    ]
    assert [(rule, subject, partner, [m.id for m in meds]) for rule, subject, partner, meds in pairs] == [
        ("med.iron.levothyroxine", "iron", (), ["levothyroxine"]),
        ("supp.iron.calcium", "iron", ("calcium",), []),
        ("abs.iron.calcium_with_tetracyclines", "iron", ("calcium",), ["doxycycline"]),
        ("med.magnesium.tetracyclines", "magnesium", (), ["doxycycline"]),
        ("med.magnesium.tetracyclines", "magnesium", (), ["minocycline"]),
    ]
    assert [p.view.rule.id for p in separation_pairs(ctx)] == [
        "med.iron.levothyroxine",
        "supp.iron.calcium",
        "med.magnesium.tetracyclines",
        "med.magnesium.tetracyclines",
    ]


def test_a_rule_naming_medications_needs_one_taken_that_is_not_an_exception() -> None:
    # Minocycline is a tetracycline the rule excepts: with calcium there, the rule still does not apply.
    excepted = context(IRON, CALCIUM, medications=["minocycline"])
    assert "abs.iron.calcium_with_tetracyclines" not in {p.view.rule.id for p in interaction_pairs(excepted)}
    report = check({"profile": {"age": 40, "medications": ["minocycline"]}, "regimen": [IRON, CALCIUM]}, knowledge=KB)
    assert "abs.iron.calcium_with_tetracyclines" not in {f.rule_id for f in report.findings}
    taken = check({"profile": {"age": 40, "medications": ["doxycycline"]}, "regimen": [IRON, CALCIUM]}, knowledge=KB)
    (finding,) = [f for f in taken.findings if f.rule_id == "abs.iron.calcium_with_tetracyclines"]
    assert (finding.substances, finding.medications) == (("calcium", "iron"), ("doxycycline",))


def test_timing_doses_are_the_doses_of_the_rules_form() -> None:
    ctx = context(CALCIUM, {"substance": "calcium", "amount": "200 mg"})
    assert [(t.view.rule.id, t.dose.entry, t.timing.food) for t in timing_doses(ctx)] == [
        ("timing.calcium.carbonate_with_food", 0, "with")
    ]


def test_the_planners_groups_are_the_selections_pairs_and_doses() -> None:
    ctx = context(MAGNESIUM, IRON, CALCIUM, medications=[{"name": "doxycycline", "times": ["08:00"]}, "levothyroxine"])
    problem = build(ctx)
    separation = [(g.rule_id, g.substances, g.medications) for g in problem.groups if g.kind == "separation"]
    assert separation == [
        ("med.iron.levothyroxine", ("iron",), ("levothyroxine",)),
        ("supp.iron.calcium", ("calcium", "iron"), ()),
        ("med.magnesium.tetracyclines", ("magnesium",), ("doxycycline",)),
    ]
    assert [(g.rule_id, g.subject_entries) for g in problem.groups if g.kind == "timing"] == [
        ("timing.calcium.carbonate_with_food", (2,))
    ]
    report = check(ctx.regimen, knowledge=KB)
    windowed = {r.id for r in KB.rules.values() if r.separation is not None}
    assert sorted(separation) == sorted(
        (f.rule_id, f.substances, f.medications) for f in report.findings if f.rule_id in windowed
    )


# -- what is derived from a knowledge base --------------------------------------------------


def test_what_is_derived_from_a_knowledge_base_is_derived_once() -> None:
    assert Derived.of(KB) is Derived.of(KB)
    table = Derived(KB)  # a table of its own, so the one every check shares is left alone
    rule = KB.rules["cond.magnesium.kidney_failure"]
    view = table.view(rule)
    assert table.view(rule) is view
    assert table.rules_of("magnesium") is table.rules_of("magnesium")
    assert [v.rule.id for v in table.rules_of("magnesium").conditions] == ["cond.magnesium.kidney_failure"]
    assert [v.rule.id for v in table.rules_of("magnesium").interactions] == ["med.magnesium.tetracyclines"]
    assert [v.rule.id for v, _ in table.rules_of("calcium").timing] == ["timing.calcium.carbonate_with_food"]
    assert table.reference_infos(rule.references) is table.reference_infos(rule.references)
    assert table.in_sentence("Vitamin D") == "vitamin D"
    assert table.in_sentence("Vitamin D") is table.in_sentence("Vitamin D")
    # A clinic's replacement of the rule, under the same id, gets a view of its own.
    replaced = rule.model_copy(update={"mechanism": "Replaced. Mechanism."})
    assert table.view(replaced).rule is replaced
    assert table.view(replaced).first_sentence == "Replaced."


def test_what_is_derived_from_a_knowledge_base_goes_with_it() -> None:
    kb = KnowledgeBase(KB.data)
    assert Derived.of(kb).rules_of("magnesium").conditions
    assert kb in derived._by_knowledge
    gone = weakref.ref(kb)
    del kb
    gc.collect()
    assert gone() is None, "the table of derived values kept the knowledge base alive"


def test_remembered_names_are_bounded() -> None:
    table = Derived(KB)
    table.names.update((f"name {i}", f"name {i}") for i in range(CACHE_SIZE))
    assert table.in_sentence("Vitamin D") == "vitamin D"
    assert "Vitamin D" not in table.names
    assert len(table.names) == CACHE_SIZE


def test_a_forked_child_gets_a_lock_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    held = threading.Lock()
    held.acquire()  # as if another thread of the parent held it when the process forked
    monkeypatch.setattr(derived, "_derived_lock", held)
    derived._fresh_lock_in_child()  # what os.register_at_fork runs in the child
    fresh = derived._derived_lock
    assert fresh is not held
    assert fresh.acquire(blocking=False)
    fresh.release()
