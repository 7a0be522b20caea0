"""The planner: a daily timetable that keeps every separation window and timing rule it can."""

from __future__ import annotations

from .model import FoodMove, Plan, PlannedDose, PlannedFood, PlannedMedication, PlannedSplit, Prefer, RuleStatus
from .planner import plan

__all__ = [
    "FoodMove",
    "Plan",
    "PlannedDose",
    "PlannedFood",
    "PlannedMedication",
    "PlannedSplit",
    "Prefer",
    "RuleStatus",
    "plan",
]
