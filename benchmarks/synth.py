"""Synthetic inputs for the benchmarks, generated deterministically (fixed seeds).

- :func:`scaled_regimen`: the reference regimen's entries repeated to ``n``
  entries (product names numbered, times shifted), same profile.
- :func:`extra_rules`: an extra rules file with synthetic substances,
  medications, classes and conditions and ``n`` rules on them, none of which
  a real regimen can reach.
- :func:`batch_lines`: JSONL regimens for ``suppcheck check --batch``: random
  realistic regimens drawn from the bundled knowledge base's names, a few with
  a misspelled name or a unit error, as patient exports have.
- :func:`plan_regimen`: the planner's 12-entry regimen with 4 medications.

Run ``python benchmarks/synth.py OUT_DIR`` to write them all to files.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "regimen-10.json"
PLAN_REGIMEN = HERE / "regimen-plan.json"


def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


# -- regimen scaling -------------------------------------------------------------

_TIMES = ["06:45", "07:15", "08:00", "09:30", "11:00", "12:30", "14:00", "16:00", "18:30", "21:00"]


def scaled_regimen(n: int) -> dict[str, Any]:
    """The reference regimen with its entries repeated to ``n`` entries.

    Copy ``k`` of an entry keeps its substances and amounts; clock times move
    to other times of day and products are renamed, so that every entry is a
    distinct input to resolve, schedule and report.
    """
    base = reference()
    entries: list[dict[str, Any]] = base["regimen"]
    out: list[dict[str, Any]] = []
    copy_index = 0
    while len(out) < n:
        for entry in entries:
            if len(out) == n:
                break
            item = copy.deepcopy(entry)
            if copy_index:
                if "product" in item:
                    item["product"] = f"{item['product']} {copy_index + 1}"
                times = item.get("times")
                if times:
                    item["times"] = [_TIMES[(copy_index + i * 3) % len(_TIMES)] for i in range(len(times))]
            out.append(item)
        copy_index += 1
    return {"profile": base["profile"], "regimen": out}


# -- knowledge-base scaling --------------------------------------------------------


def extra_rules(n_rules: int, *, substances: int = 200, medications: int = 500, conditions: int = 50) -> dict[str, Any]:
    """An extra rules file: ``n_rules`` rules on synthetic records only."""
    reference_id = "synthetic-benchmark"
    doc: dict[str, Any] = {
        "references": [
            {
                "id": reference_id,
                "title": "Synthetic record for the suppcheck benchmarks",
                "publisher": "suppcheck benchmarks",
                "url": "https://example.org/suppcheck/benchmarks",
                "accessed": "2026-11-22",
            }
        ],
        "substances": [
            {
                "id": f"synth_substance_{i:04d}",
                "name": f"Synthetic substance {i:04d}",
                "kind": "other",
                "unit": "mg",
                "synonyms": [f"synthsub{i:04d}"],
                "references": [reference_id],
            }
            for i in range(substances)
        ],
        "medication_classes": [
            {"id": f"synth_class_{i:03d}", "name": f"Synthetic class {i:03d}"} for i in range(medications // 25)
        ],
        "medications": [
            {
                "id": f"synth_medication_{i:04d}",
                "name": f"Synthetic medication {i:04d}",
                "brands": [f"Synthbrand{i:04d}"],
                "classes": [f"synth_class_{i % (medications // 25):03d}"],
            }
            for i in range(medications)
        ],
        "conditions": [
            {"id": f"synth_condition_{i:03d}", "name": f"Synthetic condition {i:03d}"} for i in range(conditions)
        ],
        "rules": [],
    }
    rng = random.Random(6)
    families = [
        "interaction.medication",
        "interaction.medication",
        "interaction.supplement",
        "absorption.reduced",
        "contraindication.condition",
        "contraindication.life_stage",
        "timing.advice",
        "depletion.medication",
    ]
    rules: list[dict[str, Any]] = doc["rules"]
    for i in range(n_rules):
        family = families[i % len(families)]
        subject = f"synth_substance_{rng.randrange(substances):04d}"
        rule: dict[str, Any] = {
            "id": f"synthetic.{family}.{i:05d}",
            "family": family,
            "severity": rng.choice(["info", "minor", "moderate", "major"]),
            "evidence": rng.choice("ABCD"),
            "substances": [subject],
            "mechanism": f"Synthetic mechanism {i}. It exists to load the index.",
            "recommendation": f"Synthetic recommendation {i}.",
            "references": [reference_id],
        }
        if family in ("interaction.medication", "depletion.medication"):
            if rng.random() < 0.5:
                rule["medications"] = [f"synth_medication_{rng.randrange(medications):04d}"]
            else:
                rule["medication_classes"] = [f"synth_class_{rng.randrange(medications // 25):03d}"]
            if family == "interaction.medication" and rng.random() < 0.3:
                rule["separation"] = {"other_before_hours": 2, "other_after_hours": 4}
        elif family == "interaction.supplement":
            partner = f"synth_substance_{rng.randrange(substances):04d}"
            rule["with_substances"] = [partner if partner != subject else "synth_substance_0000"]
            if rule["with_substances"] == [subject]:
                rule["with_substances"] = ["synth_substance_0001"]
        elif family == "absorption.reduced":
            rule["medications"] = [f"synth_medication_{rng.randrange(medications):04d}"]
            rule["separation"] = {"other_before_hours": 1, "other_after_hours": 2}
        elif family == "contraindication.condition":
            rule["conditions"] = [f"synth_condition_{rng.randrange(conditions):03d}"]
        elif family == "contraindication.life_stage":
            rule["life_stages"] = [rng.choice(["pregnancy", "older_adult", "child"])]
        elif family == "timing.advice":
            rule["timing"] = {"anchor": "bedtime", "earliest_minutes": -60, "latest_minutes": 0}
        rules.append(rule)
    return doc


# -- batch -------------------------------------------------------------------------

# (substance, form or None, amounts to choose from): what people take, in label units.
_SUPPLEMENTS: list[tuple[str, str | None, list[str]]] = [
    ("magnesium", "citrate", ["100 mg", "200 mg", "400 mg"]),
    ("magnesium", "glycinate", ["120 mg", "240 mg"]),
    ("magnesium", "oxide", ["250 mg", "500 mg"]),
    ("vitamin D", "D3", ["1,000 IU", "2,000 IU", "5,000 IU"]),
    ("vitamin D", None, ["25 mcg", "50 mcg"]),
    ("calcium", "carbonate", ["500 mg", "600 mg"]),
    ("calcium", "citrate", ["315 mg", "630 mg"]),
    ("iron", "ferrous sulfate", ["65 mg", "325 mg"]),
    ("iron", "bisglycinate", ["25 mg", "36 mg"]),
    ("zinc", "gluconate", ["15 mg", "30 mg", "50 mg"]),
    ("vitamin B12", "methylcobalamin", ["500 mcg", "1000 mcg"]),
    ("vitamin B6", None, ["25 mg", "100 mg"]),
    ("vitamin C", None, ["500 mg", "1000 mg"]),
    ("vitamin E", "d-alpha-tocopherol", ["200 IU", "400 IU"]),
    ("vitamin A", "retinyl palmitate", ["3,000 IU", "10,000 IU"]),
    ("vitamin K", "K2", ["90 mcg", "180 mcg"]),
    ("folate", "folic acid", ["400 mcg", "800 mcg"]),
    ("fish oil", None, ["1000 mg", "2000 mg"]),
    ("melatonin", None, ["1 mg", "3 mg", "10 mg"]),
    ("ginkgo", None, ["60 mg", "120 mg"]),
    ("St. John's wort", None, ["300 mg", "900 mg"]),
    ("coenzyme Q10", None, ["100 mg", "200 mg"]),
    ("5-HTP", None, ["50 mg", "100 mg"]),
    ("valerian", None, ["450 mg", "900 mg"]),
    ("potassium", "potassium citrate", ["99 mg"]),
    ("selenium", None, ["55 mcg", "200 mcg"]),
    ("niacin", "nicotinic acid", ["250 mg", "500 mg"]),
]
_SLOTS = ["breakfast", "lunch", "dinner", "bedtime", "morning", "08:00", "13:00", "21:30"]
_MULTI = [
    {"substance": "iron", "form": "ferrous fumarate", "amount": "8 mg"},
    {"substance": "calcium", "form": "carbonate", "amount": "200 mg"},
    {"substance": "vitamin D", "form": "D3", "amount": "800 IU"},
    {"substance": "vitamin B12", "form": "cyanocobalamin", "amount": "25 mcg"},
    {"substance": "zinc", "form": "zinc oxide", "amount": "11 mg"},
    {"substance": "vitamin A", "form": "beta-carotene", "amount": "2,500 IU"},
]


def _names(section: str) -> list[str]:
    data = json.loads((HERE.parent / "data" / "interactions.json").read_text(encoding="utf-8"))
    return sorted(record["name"] for record in data[section])


def _random_entry(rng: random.Random, substance: str, form: str | None, amounts: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"substance": substance, "amount": rng.choice(amounts)}
    if form is not None:
        entry["form"] = form
    per_day = rng.choice([1, 1, 1, 2])
    if per_day > 1:
        entry["per_day"] = per_day
    if rng.random() < 0.7:
        entry["times"] = rng.sample(_SLOTS, per_day)
    if rng.random() < 0.3:
        entry["with_food"] = rng.random() < 0.7
    return entry


def random_regimen(rng: random.Random, medications: list[str], conditions: list[str]) -> dict[str, Any]:
    """One realistic patient: 2-12 entries, 0-6 medications, 0-3 conditions."""
    profile: dict[str, Any] = {"age": rng.randint(18, 92), "sex": rng.choice(["female", "male"])}
    if profile["sex"] == "female" and profile["age"] < 45 and rng.random() < 0.05:
        profile["pregnant"] = True
    if rng.random() < 0.6:
        profile["conditions"] = rng.sample(conditions, rng.randint(1, 3))
    meds: list[Any] = []
    for name in rng.sample(medications, rng.choice([0, 1, 2, 2, 3, 4, 5, 6])):
        meds.append({"name": name, "times": [rng.choice(_SLOTS)]} if rng.random() < 0.5 else name)
    if meds:
        profile["medications"] = meds
    entries: list[dict[str, Any]] = []
    if rng.random() < 0.4:
        entries.append({"product": "Daily Multi", "ingredients": _MULTI, "times": ["breakfast"], "with_food": True})
    for substance, form, amounts in rng.sample(_SUPPLEMENTS, rng.randint(2, 11)):
        entries.append(_random_entry(rng, substance, form, amounts))
    regimen = {"profile": profile, "regimen": entries}
    roll = rng.random()
    if roll < 0.02:
        entries[0 if "substance" in entries[0] else -1]["substance"] = "magnesum"  # a typo: suggestions
    elif roll < 0.03:
        entries[-1]["amount"] = "400 IU" if "magnesium" in str(entries[-1]) else "12 bananas"
    return regimen


def batch_lines(n: int, seed: int = 2026) -> Iterator[str]:
    """``n`` JSONL lines of random regimens (deterministic for a seed)."""
    rng = random.Random(seed)
    medications = _names("medications")
    conditions = _names("conditions")
    for _ in range(n):
        yield json.dumps(random_regimen(rng, medications, conditions), separators=(",", ":"))


def write_batch(path: Path, n: int) -> Path:
    """Write ``n`` lines to ``path`` unless it already holds exactly them (from this generator)."""
    import hashlib

    stamp = path.with_suffix(".stamp")
    version = f"{n} {hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}"
    if path.exists() and stamp.exists() and stamp.read_text() == version:
        return path
    with path.open("w", encoding="utf-8") as out:
        for line in batch_lines(n):
            out.write(line + "\n")
    stamp.write_text(version)
    return path


def plan_regimen() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN_REGIMEN.read_text(encoding="utf-8"))
    return data


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else HERE / "out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "regimen-100.json").write_text(json.dumps(scaled_regimen(100), indent=1), encoding="utf-8")
    (out / "extra-rules-10000.json").write_text(json.dumps(extra_rules(10_000)), encoding="utf-8")
    write_batch(out / "batch-1000.jsonl", 1000)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
