"""The one line that says who a regimen is for, as every report shows it."""

from __future__ import annotations

from ._regimen import Profile

__all__ = ["describe_person"]


def describe_person(profile: Profile, stage: str) -> str:
    """``female, 58 years (women 51-70); conditions: ...; medications: ...; labs: eGFR 20 mL/min/1.73 m²``."""
    if profile.age is None:
        parts = [stage]  # the label already says "women 19-50 (age not given)"
    else:
        who = f"{profile.sex}, " if profile.sex else ""
        parts = [f"{who}{profile.age:g} years ({stage})"]
    if profile.pregnant:
        parts.append("pregnant")
    if profile.lactating:
        parts.append("lactating")
    if profile.conditions:
        parts.append("conditions: " + ", ".join(profile.conditions))
    if profile.medications:
        meds = [m.name + (f" at {', '.join(m.times)}" if m.times else "") for m in profile.medications]
        parts.append("medications: " + ", ".join(meds))
    labs = profile.labs.given()
    if labs:
        shown = {
            "egfr": ("eGFR", "mL/min/1.73 m²"),
            "potassium": ("serum potassium", "mmol/L"),
            "ferritin": ("ferritin", "ng/mL"),
        }
        parts.append("labs: " + ", ".join(f"{shown[k][0]} {v:g} {shown[k][1]}" for k, v in labs.items()))
    return "; ".join(parts)
