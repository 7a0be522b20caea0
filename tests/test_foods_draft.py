"""The foods draft (data/foods-draft.json) is well formed before the engine loads it.

The draft is not read by suppcheck yet. These checks keep it ready to be moved into
the knowledge base with small changes: every member it names exists, every source
it cites exists with a URL, grades are A-D, and no reader-visible text says how the
data was gathered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from suppcheck._kb import models
from suppcheck._severity import Evidence, Severity

from .test_reader_text import SHARING_HOSTS, STAGING_HOSTS, SUMMARY_HOSTS, _normalised, _strings, banned_words

DRAFT = Path(__file__).resolve().parents[1] / "data" / "foods-draft.json"

# Fields the draft adds to the knowledge-base rule shape; everything else is a Rule field.
FOOD_RULE_FIELDS = {"foods", "food_categories", "food_taken_alone", "food_amount", "food_time_window"}
SECTIONS = ("references", "constituents", "food_categories", "foods", "rules", "considered_not_encoded")


@pytest.fixture(scope="module")
def draft() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DRAFT.read_text(encoding="utf-8"))
    return doc


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _ref_ids(draft: dict[str, Any], raw_kb: dict[str, Any]) -> set[str]:
    return set(_ids(draft["references"])) | set(_ids(raw_kb["references"]))


def _cited(draft: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (where, reference id) the draft cites, from rules, servings, carried amounts and thresholds."""
    cited = []
    for rule in draft["rules"]:
        cited += [(rule["id"], r) for r in rule["references"]]
        cited += [(f"{rule['id']}.food_amount", r) for r in (rule["food_amount"] or {}).get("references", [])]
    for food in draft["foods"]:
        cited += [(f"{food['id']}.serving", r) for r in food["serving"]["references"]]
        for item in food["carries"]:
            cited += [(f"{food['id']}.carries", r) for r in item["references"]]
    for entry in draft["considered_not_encoded"]:
        cited += [(entry["id"], r) for r in entry["references"]]
    return cited


def test_the_draft_has_its_sections_and_json_formatting(draft: dict[str, Any]) -> None:
    assert set(SECTIONS) <= set(draft)
    text = DRAFT.read_text(encoding="utf-8")
    assert text == json.dumps(draft, indent=1, ensure_ascii=False), "write it as json.dumps(doc, indent=1)"
    for section in ("foods", "rules", "references"):
        assert draft[section], section


@pytest.mark.parametrize("section", SECTIONS)
def test_ids_are_unique_within_each_section(draft: dict[str, Any], section: str) -> None:
    ids = _ids(draft[section])
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_draft_ids_do_not_collide_with_the_knowledge_base(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    assert not set(_ids(draft["references"])) & set(_ids(raw_kb["references"]))
    assert not set(_ids(draft["rules"])) & set(_ids(raw_kb["rules"]))
    kb_names = {s["id"] for s in raw_kb["substances"]} | {m["id"] for m in raw_kb["medications"]}
    assert not set(_ids(draft["foods"])) & kb_names, "a food id must not shadow a substance or medication"


def test_every_reference_is_a_valid_record_with_a_public_url(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    kb_urls = {_normalised(r["url"]) for r in raw_kb["references"]}
    for ref in draft["references"]:
        models.Reference.model_validate(ref)  # the knowledge-base shape, URL pattern included
        host = urlsplit(ref["url"]).hostname or ""
        assert not SHARING_HOSTS.search(host), ref["id"]
        assert not STAGING_HOSTS.search(host), ref["id"]
        assert _normalised(ref["url"]) not in kb_urls, f"{ref['id']}: cite the knowledge base's reference instead"


def test_every_cited_reference_exists(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    known = _ref_ids(draft, raw_kb)
    missing = [f"{where}: {ref}" for where, ref in _cited(draft) if ref not in known]
    assert not missing, missing


def test_every_draft_reference_is_cited(draft: dict[str, Any]) -> None:
    cited = {ref for _, ref in _cited(draft)}
    assert not set(_ids(draft["references"])) - cited


def test_foods_name_known_categories_substances_and_constituents(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    categories = set(_ids(draft["food_categories"]))
    constituents = set(_ids(draft["constituents"]))
    units = {s["id"]: s["unit"] for s in raw_kb["substances"]}
    for food in draft["foods"]:
        assert set(food["categories"]) <= categories, food["id"]
        assert food["serving"]["amount"] > 0, food["id"]
        assert food["serving"]["unit"], food["id"]
        for item in food["carries"]:
            if "substance" in item:
                assert item["substance"] in units, (food["id"], item)
                if item["amount"] is not None:
                    assert item["unit"] == units[item["substance"]], (food["id"], item)
            else:
                assert item["constituent"] in constituents, (food["id"], item)
            if item["amount"] is not None:
                assert item["amount"] > 0, (food["id"], item)
                assert item["references"], (food["id"], item)


def test_no_two_foods_share_a_name_or_synonym(draft: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for food in draft["foods"]:
        for name in {food["name"].casefold(), *(s.casefold() for s in food["synonyms"])}:
            if name in seen and seen[name] != food["id"]:
                clashes.append(f"{name!r}: {seen[name]} and {food['id']}")
            seen.setdefault(name, food["id"])
    assert not clashes, clashes


def test_plain_water_is_the_one_drink_outside_food_or_drink(draft: dict[str, Any]) -> None:
    outside = [f["id"] for f in draft["foods"] if "food_or_drink" not in f["categories"]]
    assert outside == ["plain_water"]


def test_every_rule_keeps_the_knowledge_base_shape(draft: dict[str, Any]) -> None:
    allowed = set(models.Rule.model_fields) | FOOD_RULE_FIELDS
    for rule in draft["rules"]:
        assert set(rule) <= allowed, (rule["id"], set(rule) - allowed)
        assert models.RuleFamily(rule["family"])
        assert Severity(rule["severity"])
        assert Evidence(rule["evidence"])
        assert rule["evidence"] in ("A", "B", "C", "D")
        assert rule["mechanism"].strip(), rule["id"]
        assert rule["recommendation"].strip(), rule["id"]
        assert rule["references"], rule["id"]


def test_every_rule_member_exists(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    known = {
        "substances": {s["id"] for s in raw_kb["substances"]},
        "with_substances": {s["id"] for s in raw_kb["substances"]},
        "forms": {f["id"] for f in raw_kb["forms"]},
        "medications": {m["id"] for m in raw_kb["medications"]},
        "except_medications": {m["id"] for m in raw_kb["medications"]},
        "medication_classes": {c["id"] for c in raw_kb["medication_classes"]},
        "conditions": {c["id"] for c in raw_kb["conditions"]},
        "foods": set(_ids(draft["foods"])),
        "food_categories": set(_ids(draft["food_categories"])),
    }
    missing = [
        f"{rule['id']}.{field}: {member}"
        for rule in draft["rules"]
        for field, ids in known.items()
        for member in rule[field]
        if member not in ids
    ]
    assert not missing, missing


def test_every_rule_has_a_food_partner_and_a_subject(draft: dict[str, Any]) -> None:
    for rule in draft["rules"]:
        assert rule["foods"] or rule["food_categories"], rule["id"]
        subject = rule["substances"] or rule["medications"] or rule["medication_classes"] or rule["conditions"]
        assert subject, rule["id"]


def test_separation_windows_fit_a_day(draft: dict[str, Any]) -> None:
    for rule in draft["rules"]:
        window = rule["separation"]
        if window is None:
            continue
        first = window.get("before_first_food_of_day", False)
        before, after = window["other_before_hours"], window["other_after_hours"]
        # Only a dose due before the day's first food or drink may leave the before-window open.
        assert before is not None or first, rule["id"]
        assert after is not None, rule["id"]
        assert 0 < after <= 12, rule["id"]
        if before is not None:
            models.Separation(other_before_hours=before, other_after_hours=after)


def test_drink_thresholds_are_sourced_and_positive(draft: dict[str, Any]) -> None:
    with_amount = [r for r in draft["rules"] if r["food_amount"]]
    assert with_amount
    for rule in with_amount:
        amount = rule["food_amount"]
        assert amount["references"], rule["id"]
        for key in ("above_per_day", "above_per_week"):
            assert set(amount[key]) == {"female", "male"}, rule["id"]
            assert all(v > 0 for v in amount[key].values()), rule["id"]


def test_a_rule_resting_only_on_summaries_is_graded_c_or_d(draft: dict[str, Any], raw_kb: dict[str, Any]) -> None:
    urls = {r["id"]: r["url"] for r in [*raw_kb["references"], *draft["references"]]}

    def summary(ref: str) -> bool:
        host = urlsplit(urls[ref]).hostname or ""
        return any(host == s or host.endswith("." + s) for s in SUMMARY_HOSTS)

    strong = [r["id"] for r in draft["rules"] if all(map(summary, r["references"])) and r["evidence"] in "AB"]
    assert not strong, strong


def test_no_reader_visible_text_says_how_it_was_gathered(draft: dict[str, Any]) -> None:
    found = [
        f"{where}: {names}: {text[:120]!r}" for where, text in _strings(draft, "$") if (names := banned_words(text))
    ]
    assert not found, found


def test_the_gathering_check_reads_the_draft(draft: dict[str, Any]) -> None:
    # Provenance is where the sourcing notes go, and the check above must skip it, not miss the draft.
    provenance = [r["provenance"] for r in draft["references"] if r.get("provenance")]
    assert provenance
    assert any(banned_words(p) for p in provenance)
    assert any(where.endswith(".mechanism") for where, _ in _strings(draft, "$"))


def test_time_windows_use_the_knowledge_base_timing_shape(draft: dict[str, Any]) -> None:
    windows = [(r["id"], r["food_time_window"]) for r in draft["rules"] if r["food_time_window"]]
    assert windows
    for rule_id, window in windows:
        timing = models.Timing.model_validate(window)
        assert timing.anchor is not None, rule_id
        assert timing.latest_minutes is not None, rule_id
        assert timing.latest_minutes <= 0, rule_id  # a window before the anchor: drinks leading up to bedtime
