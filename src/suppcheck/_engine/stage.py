"""Life stages: which limit value applies to a person."""

from __future__ import annotations

from typing import Literal, NamedTuple

from .._kb.models import Limit

__all__ = ["ASSUMED_ADULT_BAND", "Stage", "band_for_age"]

_BANDS: tuple[tuple[float, str], ...] = (
    (0.5, "0-6mo"),
    (1, "7-12mo"),
    (4, "1-3"),
    (9, "4-8"),
    (14, "9-13"),
    (19, "14-18"),
    (31, "19-30"),
    (51, "31-50"),
    (71, "51-70"),
)
ASSUMED_ADULT_BAND = "19-30"


def band_for_age(age: float) -> str:
    """The NASEM age band of an age in years (51 is the first year of 51-70).

    >>> band_for_age(50), band_for_age(51), band_for_age(70.9), band_for_age(71)
    ('31-50', '51-70', '51-70', '71+')
    >>> band_for_age(0.5), band_for_age(8), band_for_age(9)
    ('7-12mo', '4-8', '9-13')
    """
    for upper, band in _BANDS:
        if age < upper:
            return band
    return "71+"


class Stage(NamedTuple):
    """A person's life stage as the limit tables see it."""

    band: str
    sex: Literal["female", "male"] | None
    pregnant: bool
    lactating: bool
    age: float | None

    @classmethod
    def of(cls, age: float | None, sex: Literal["female", "male"] | None, pregnant: bool, lactating: bool) -> Stage:
        """A person's life stage: the age band (19-50 when no age is given), sex, pregnancy or lactation."""
        band = ASSUMED_ADULT_BAND if age is None else band_for_age(age)
        return cls(band, sex, pregnant, lactating, age)

    def key(self) -> tuple[object, ...]:
        """What :meth:`value` depends on: equal keys give equal values for every limit."""
        return (self.band, self.sex, self.pregnant, self.lactating, self.adult, self.reproductive_band)

    @property
    def adult(self) -> bool:
        """Whether the person is 19 or over (or of no given age, so treated as an adult)."""
        return self.age is None or self.age >= 19

    @property
    def tags(self) -> frozenset[str]:
        """The rule life stages that apply: infant, child, pregnancy, lactation, older_adult."""
        tags = set()
        if self.pregnant:
            tags.add("pregnancy")
        if self.lactating:
            tags.add("lactation")
        if self.age is not None:
            if self.age < 1:
                tags.add("infant")
            elif self.age < 18:
                tags.add("child")
            elif self.age >= 65:
                tags.add("older_adult")
        return frozenset(tags)

    @property
    def reproductive_band(self) -> str:
        """The pregnancy and lactation band of NASEM's tables (14-18, 19-30, 31-50) for this age."""
        if self.age is None or self.age >= 31:
            return "31-50"
        return "19-30" if self.age >= 19 else "14-18"

    def label(self) -> str:
        """How a message names the person's stage: ``women 51-70``, ``pregnancy 19-30``."""
        if self.pregnant:
            return f"pregnancy {self.reproductive_band}"
        if self.lactating:
            return f"lactation {self.reproductive_band}"
        if self.age is None:
            who = {"female": "women", "male": "men", None: "adults"}[self.sex]
            return f"{who} 19-50 (age not given)"
        band = self.band.replace("mo", " months")
        if self.age < 1:
            return f"infants {band}"
        if self.age < 14:
            return f"children {band}"
        if self.age < 19:
            return {"female": "girls", "male": "boys", None: "adolescents"}[self.sex] + f" {band}"
        return {"female": "women", "male": "men", None: "adults"}[self.sex] + f" {band}"

    def value(self, limit: Limit, *, prefer: Literal["low", "high"]) -> float | None:
        """The limit's value at this stage, or None where it sets none.

        With no sex given and values that differ by sex, ``prefer`` picks the
        lower or the higher one.
        """
        values = limit.values
        candidates: list[list[str]] = []
        if self.pregnant:
            candidates.append([f"pregnancy {self.reproductive_band}"])
        if self.lactating:
            candidates.append([f"lactation {self.reproductive_band}"])
        sexes = [self.sex] if self.sex else ["female", "male"]
        candidates.append([f"{s} {self.band}" for s in sexes])
        candidates.append([self.band])
        if self.adult:
            candidates.append([f"{s} adult" for s in sexes])
            candidates.append(["adult"])
        candidates.append(["all"])
        for keys in candidates:
            found = [values[k] for k in keys if k in values]
            if found:
                return min(found) if prefer == "low" else max(found)
        return None
