"""suppcheck: check dietary-supplement regimens against a sourced knowledge base.

>>> import suppcheck
>>> report = suppcheck.check({"profile": {"age": 40},
...                           "regimen": [{"substance": "vitamin D", "amount": "1,000 IU"}]})
>>> report.totals[0].daily_amount, report.totals[0].unit
(25.0, 'mcg')

Importing this package parses no knowledge base and imports neither pint,
rich nor yaml: the knowledge base loads on first use, once per process, and
each public name on first access.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._check import check
    from ._errors import ErrorDetails, InputError, KnowledgeBaseError, Problem, SuppcheckError, SuppcheckWarning
    from ._files import load_regimen
    from ._html import html_report
    from ._kb.base import KnowledgeBase
    from ._kb.loader import load_knowledge
    from ._plan import FoodMove, Plan, PlannedDose, PlannedFood, PlannedMedication, PlannedSplit, RuleStatus, plan
    from ._plan.html import html_handout
    from ._preload import preload
    from ._readers import read_regimen, read_regimens
    from ._reading import Limits
    from ._regimen import Amount, Day, Ingredient, Labs, MedicationUse, Profile, RegimenEntry, RegimenFile
    from ._report import (
        EntryInfo,
        ExtraFile,
        Finding,
        FoodInfo,
        MedicationInfo,
        Override,
        PersonInfo,
        ReferenceInfo,
        Report,
        Total,
    )
    from ._screen import screen, screen_columns, screen_schema
    from ._severity import Evidence, Severity

# Public names load on first access: `suppcheck --version`, or a worker that
# only needs the errors, builds no pydantic model it does not use.
_WHERE = {
    "check": "._check",
    "ErrorDetails": "._errors",
    "InputError": "._errors",
    "Problem": "._errors",
    "KnowledgeBaseError": "._errors",
    "SuppcheckError": "._errors",
    "SuppcheckWarning": "._errors",
    "load_regimen": "._files",
    "html_report": "._html",
    "html_handout": "._plan.html",
    "KnowledgeBase": "._kb.base",
    "load_knowledge": "._kb.loader",
    "Limits": "._reading",
    "read_regimen": "._readers",
    "read_regimens": "._readers",
    "Plan": "._plan",
    "PlannedDose": "._plan",
    "PlannedMedication": "._plan",
    "PlannedFood": "._plan",
    "FoodMove": "._plan",
    "PlannedSplit": "._plan",
    "RuleStatus": "._plan",
    "plan": "._plan",
    "preload": "._preload",
    "Amount": "._regimen",
    "Day": "._regimen",
    "Ingredient": "._regimen",
    "Labs": "._regimen",
    "MedicationUse": "._regimen",
    "Profile": "._regimen",
    "RegimenEntry": "._regimen",
    "RegimenFile": "._regimen",
    "EntryInfo": "._report",
    "FoodInfo": "._report",
    "ExtraFile": "._report",
    "Finding": "._report",
    "Override": "._report",
    "MedicationInfo": "._report",
    "PersonInfo": "._report",
    "ReferenceInfo": "._report",
    "Report": "._report",
    "Total": "._report",
    "screen": "._screen",
    "screen_columns": "._screen",
    "screen_schema": "._screen",
    "Evidence": "._severity",
    "Severity": "._severity",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'suppcheck' has no attribute {name!r}")
    value = getattr(import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "Amount",
    "Day",
    "EntryInfo",
    "ErrorDetails",
    "Evidence",
    "ExtraFile",
    "Finding",
    "FoodInfo",
    "FoodMove",
    "Ingredient",
    "InputError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Labs",
    "Limits",
    "MedicationInfo",
    "MedicationUse",
    "Override",
    "PersonInfo",
    "Plan",
    "PlannedDose",
    "PlannedFood",
    "PlannedMedication",
    "PlannedSplit",
    "Problem",
    "Profile",
    "ReferenceInfo",
    "RegimenEntry",
    "RegimenFile",
    "Report",
    "RuleStatus",
    "Severity",
    "SuppcheckError",
    "SuppcheckWarning",
    "Total",
    "__version__",
    "check",
    "html_handout",
    "html_report",
    "load_knowledge",
    "load_regimen",
    "plan",
    "preload",
    "read_regimen",
    "read_regimens",
    "screen",
    "screen_columns",
    "screen_schema",
]
