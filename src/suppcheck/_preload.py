"""``suppcheck.preload()``: everything a check loads on first use, loaded now.

A check imports some modules only when first needed (the models' validators
are built on first use, pint only for an unusual unit, rapidfuzz only to
suggest a name) and loads the knowledge base on first use. A process that
forks while another of its threads is inside such a first use can leave the
child waiting forever on a lock the other thread held (Python's per-module
import locks among them): the child has a copy of the lock but not of the
thread that would release it. Pre-fork servers (gunicorn's ``preload_app``,
uWSGI, multiprocessing's ``fork`` start method) therefore call
:func:`preload` once before they fork; after it, a check imports nothing
and takes none of those locks.
"""

from __future__ import annotations

from typing import Any

__all__ = ["preload"]

# One regimen that goes down every path that loads something on first use: an
# unknown substance, form, medication and condition (name suggestions), a unit
# only pint knows, a product with ingredients, compound and activity units,
# clock times and meal slots, and medications that interact.
_WARM_UP: dict[str, Any] = {
    "profile": {
        "age": 67,
        "sex": "female",
        "conditions": ["chronic kidney disease", "no such condition"],
        "medications": [
            {"name": "furosemide", "times": ["08:00"]},
            {"name": "doxycycline", "times": ["breakfast"]},
            "warfarin",
            "no such medication",
        ],
        "day": {"wake": "06:30", "breakfast": "07:00", "bedtime": "22:30"},
    },
    "regimen": [
        {
            "substance": "magnesium",
            "form": "citrate",
            "amount": "200 mg",
            "per_day": 2,
            "times": ["breakfast", "bedtime"],
        },
        {"substance": "calcium", "form": "carbonate", "amount": "0.6 g", "basis": "compound", "with_food": True},
        {"substance": "vitamin D", "amount": "2,000 IU", "per_week": 7, "times": ["bedtime"]},
        {"substance": "vitamin A", "amount": "900 mcg RAE"},
        {"substance": "folate", "form": "folic acid", "amount": "400 mcg DFE"},
        {"substance": "iron", "form": "ferrous sulfate", "amount": "0.018 gm"},  # "gm": through pint
        {"substance": "melatonin", "amount": "10 mg", "times": ["22:00"]},
        {"substance": "zinc", "form": "no such form", "amount": "50 mg"},
        {"substance": "no such substance", "amount": "5 mg"},
        {
            "product": "Senior Multi",
            "ingredients": [
                {"substance": "vitamin B12", "amount": "500 mcg"},
                {"substance": "potassium", "amount": "99 mg"},
            ],
            "times": ["lunch"],
        },
    ],
}


def preload() -> None:
    """Import every module a check imports lazily, and load and index the bundled knowledge base.

    Call it once in a process that will fork while other threads may be
    checking (a pre-fork web server, before it starts its workers); it is
    cheap to call again. It is not needed otherwise: without it everything
    loads on first use.

    >>> import suppcheck
    >>> suppcheck.preload()
    """
    import suppcheck

    from ._check import check
    from ._files import validate_document
    from ._kb.loader import default_knowledge
    from ._regimen import RegimenFile
    from ._units import registry

    for name in suppcheck.__all__:
        getattr(suppcheck, name)  # each public name's module, imported through the package's lazy lookup
    kb = default_knowledge()
    registry()  # pint, for units outside the built-in table
    regimen = validate_document(_WARM_UP, source="preload", knowledge=kb)
    report = check(regimen, knowledge=kb)
    check(_WARM_UP, knowledge=kb)  # the mapping path too
    report.model_dump_json()
    report.model_dump(mode="json")
    RegimenFile.model_validate_json(regimen.model_dump_json(exclude_none=True), context={"knowledge": kb})
