"""The foods and drinks of the bundled knowledge base: well formed, sourced, and checked by the loader.

The loader checks that every member and source a food or food rule names
exists (tests below break a copy of the bundled file to prove it); these
checks add what the loader cannot: sources on public hosts, honest grades,
plain water outside ``food_or_drink``, drinking levels by sex, and no
reader-visible text about how the data was gathered.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from suppcheck import KnowledgeBaseError, load_knowledge
from suppcheck._kb import models

from .conftest import DATA
from .test_reader_text import SHARING_HOSTS, STAGING_HOSTS, SUMMARY_HOSTS, _strings, banned_words

SECTIONS = ("constituents", "food_categories", "foods", "food_rules")


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _food_ref_ids(raw_kb: dict[str, Any]) -> set[str]:
    """Every reference a food, a serving, a carried amount, a food rule or a drinking level cites."""
    cited: set[str] = set()
    for rule in raw_kb["food_rules"]:
        cited |= set(rule["references"]) | set((rule.get("food_amount") or {}).get("references", []))
    for food in raw_kb["foods"]:
        cited |= set(food["serving"]["references"])
        for item in food["carries"]:
            cited |= set(item["references"])
    return cited


def test_the_food_sections_are_there(raw_kb: dict[str, Any]) -> None:
    kb = load_knowledge()
    for section in SECTIONS:
        assert raw_kb[section], section
    assert len(kb.foods) == len(raw_kb["foods"])
    assert len(kb.food_rules) == len(raw_kb["food_rules"])


@pytest.mark.parametrize("section", SECTIONS)
def test_ids_are_unique_within_each_section(raw_kb: dict[str, Any], section: str) -> None:
    ids = _ids(raw_kb[section])
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_food_rule_ids_do_not_collide_with_other_rules(raw_kb: dict[str, Any]) -> None:
    others = set(_ids(raw_kb["rules"])) | set(_ids(raw_kb["limits"]))
    assert not set(_ids(raw_kb["food_rules"])) & others


def test_food_sources_are_on_public_hosts(raw_kb: dict[str, Any]) -> None:
    refs = {r["id"]: r for r in raw_kb["references"]}
    for ref_id in sorted(_food_ref_ids(raw_kb)):
        host = urlsplit(refs[ref_id]["url"]).hostname or ""
        assert not SHARING_HOSTS.search(host), ref_id
        assert not STAGING_HOSTS.search(host), ref_id


def test_plain_water_is_the_one_drink_outside_food_or_drink(raw_kb: dict[str, Any]) -> None:
    outside = [f["id"] for f in raw_kb["foods"] if "food_or_drink" not in f["categories"]]
    assert outside == ["plain_water"]


def test_carried_amounts_are_sourced_estimates(raw_kb: dict[str, Any]) -> None:
    units = {s["id"]: s["unit"] for s in raw_kb["substances"]}
    for food in raw_kb["foods"]:
        for item in food["carries"]:
            if item.get("amount") is not None:
                assert item["references"], food["id"]
                assert item["estimate"], food["id"]
                if "substance" in item:
                    assert item["unit"] == units[item["substance"]], food["id"]


def test_every_food_rule_has_a_food_partner_and_a_subject(raw_kb: dict[str, Any]) -> None:
    for rule in raw_kb["food_rules"]:
        assert rule["foods"] or rule["food_categories"], rule["id"]
        subject = rule["substances"] or rule["medications"] or rule["medication_classes"] or rule["conditions"]
        assert subject, rule["id"]
        assert rule["evidence"] in ("A", "B", "C", "D")
        assert rule["mechanism"].strip(), rule["id"]
        assert rule["recommendation"].strip(), rule["id"]


def test_separation_windows_fit_a_day(raw_kb: dict[str, Any]) -> None:
    windows = [(r["id"], r["separation"]) for r in raw_kb["food_rules"] if r["separation"]]
    assert windows
    for rule_id, window in windows:
        parsed = models.FoodSeparation.model_validate(window)
        assert 0 < parsed.other_after_hours <= 12, rule_id
        if parsed.other_before_hours is not None:
            models.Separation(other_before_hours=parsed.other_before_hours, other_after_hours=parsed.other_after_hours)


def test_drink_thresholds_are_sourced_and_positive(raw_kb: dict[str, Any]) -> None:
    with_amount = [r for r in raw_kb["food_rules"] if r["food_amount"]]
    assert with_amount
    for rule in with_amount:
        amount = rule["food_amount"]
        assert amount["references"], rule["id"]
        for key in ("above_per_day", "above_per_week"):
            assert set(amount[key]) == {"female", "male"}, rule["id"]
            assert all(v > 0 for v in amount[key].values()), rule["id"]


def test_a_food_rule_resting_only_on_summaries_is_graded_c_or_d(raw_kb: dict[str, Any]) -> None:
    urls = {r["id"]: r["url"] for r in raw_kb["references"]}

    def summary(ref: str) -> bool:
        host = urlsplit(urls[ref]).hostname or ""
        return any(host == s or host.endswith("." + s) for s in SUMMARY_HOSTS)

    strong = [r["id"] for r in raw_kb["food_rules"] if all(map(summary, r["references"])) and r["evidence"] in "AB"]
    assert not strong, strong


def test_no_reader_visible_food_text_says_how_it_was_gathered(raw_kb: dict[str, Any]) -> None:
    part = {s: raw_kb[s] for s in SECTIONS}
    found = [
        f"{where}: {names}: {text[:120]!r}" for where, text in _strings(part, "$") if (names := banned_words(text))
    ]
    assert not found, found
    assert any(where.endswith(".mechanism") for where, _ in _strings(part, "$")), "the check reads the rules"


def test_time_windows_are_before_their_anchor(raw_kb: dict[str, Any]) -> None:
    windows = [(r["id"], r["food_time_window"]) for r in raw_kb["food_rules"] if r["food_time_window"]]
    assert windows
    for rule_id, window in windows:
        timing = models.Timing.model_validate(window)
        assert timing.anchor is not None, rule_id
        assert timing.latest_minutes is not None, rule_id
        assert timing.latest_minutes <= 0, rule_id


def test_food_names_and_categories_resolve() -> None:
    kb = load_knowledge()
    assert kb.food("Latte") == kb.food("latte")
    assert kb.food("latte").id == "coffee_with_milk"  # type: ignore[union-attr]
    assert kb.food("glass of wine").id == "wine"  # type: ignore[union-attr]
    assert kb.food("kombucha") is None
    assert kb.food_category("alcohol").id == "alcoholic_drink"  # type: ignore[union-attr]
    assert kb.suggestions("food", "cofee") == ["Coffee"]


# -- the loader refuses a broken food section, naming the path ----------------------


def _error(tmp_path: Path, edit: Any) -> str:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    edit(broken)
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(path)
    return str(info.value)


def test_unknown_members_of_a_food_rule_are_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["food_rules"][0]["food_categories"] = ["cafeinated_drink"]
        data["food_rules"][0]["substances"] = ["irn"]
        data["food_rules"][0]["references"] = ["nowhere"]

    message = _error(tmp_path, edit)
    assert "food_rules[0].food_categories[0]: unknown food category 'cafeinated_drink'" in message
    assert "food_rules[0].substances[0]: unknown substance 'irn'" in message
    assert "food_rules[0].references[0]: unknown reference 'nowhere'" in message


def test_unknown_members_of_a_food_are_refused(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        milk = next(f for f in data["foods"] if f["id"] == "milk")
        milk["categories"].append("dairyy")
        milk["carries"][0]["substance"] = "calcum"
        data["foods"].append({**copy.deepcopy(milk), "id": "milk_again"})

    message = _error(tmp_path, edit)
    assert "unknown food category 'dairyy'" in message
    assert "unknown substance 'calcum'" in message
    assert "also names 'milk'" in message


def test_a_food_rule_needs_a_food_partner(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["food_rules"][0]["food_categories"] = []

    assert "a food rule needs foods or food_categories" in _error(tmp_path, edit)


def test_kb_stats_count_the_foods() -> None:
    from suppcheck._kb.loader import stats

    kb = load_knowledge()
    counts = stats(kb)
    assert (counts["foods"], counts["food_categories"], counts["food_rules"]) == (
        len(kb.foods),
        len(kb.food_categories),
        len(kb.food_rules),
    )
    assert counts["food_rules"] > 0
