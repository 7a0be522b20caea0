"""suppcheck: check dietary-supplement regimens against a sourced knowledge base.

>>> import suppcheck
>>> report = suppcheck.check({"profile": {"age": 40},
...                           "regimen": [{"substance": "vitamin D", "amount": "1,000 IU"}]})
>>> report.totals[0].daily_amount, report.totals[0].unit
(25.0, 'mcg')

Importing this package parses no knowledge base and imports neither pint,
rich nor yaml: the knowledge base loads on first use, once per process.
"""

from __future__ import annotations

from ._check import check
from ._errors import InputError, KnowledgeBaseError, SuppcheckError
from ._files import load_regimen
from ._kb.base import KnowledgeBase
from ._kb.loader import load_knowledge
from ._plan import Plan, PlannedDose, PlannedMedication, PlannedSplit, RuleStatus, plan
from ._regimen import Amount, Day, Ingredient, MedicationUse, Profile, RegimenEntry, RegimenFile
from ._report import Finding, ReferenceInfo, Report, Total
from ._severity import Evidence, Severity
from ._version import __version__

__all__ = [
    "Amount",
    "Day",
    "Evidence",
    "Finding",
    "Ingredient",
    "InputError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MedicationUse",
    "Plan",
    "PlannedDose",
    "PlannedMedication",
    "PlannedSplit",
    "Profile",
    "ReferenceInfo",
    "RegimenEntry",
    "RegimenFile",
    "Report",
    "RuleStatus",
    "Severity",
    "SuppcheckError",
    "Total",
    "__version__",
    "check",
    "load_knowledge",
    "load_regimen",
    "plan",
]
