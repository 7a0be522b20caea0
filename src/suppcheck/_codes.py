"""Terminology codes as people write them: ``rxnorm:3640``, ``icd10:N18.4``, ``system|code``.

>>> parse_code("rxnorm:3640")
('http://www.nlm.nih.gov/research/umls/rxnorm', '3640')
>>> parse_code("http://hl7.org/fhir/sid/icd-10-cm|n18.4")
('http://hl7.org/fhir/sid/icd-10-cm', 'N18.4')
>>> parse_code("magnesium") is None, parse_code("Calcium | D3") is None
(True, True)
"""

from __future__ import annotations

import re

__all__ = ["ICD10CM", "RXNORM", "SYSTEM_ALIASES", "UNII", "code_key", "parse_code", "prefixes"]

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UNII = "http://fdasis.nlm.nih.gov"
# The short prefixes the regimen format and ``lookup`` accept, to the FHIR system URIs.
SYSTEM_ALIASES: dict[str, str] = {
    "rxnorm": RXNORM,
    "icd10": ICD10CM,
    "icd10cm": ICD10CM,
    "icd-10-cm": ICD10CM,
    "unii": UNII,
}


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def code_key(system: str, code: str) -> tuple[str, str]:
    """The form a code is compared in: ICD-10-CM in capitals, every code without surrounding spaces.

    >>> code_key("http://hl7.org/fhir/sid/icd-10-cm", " e83.11 ")
    ('http://hl7.org/fhir/sid/icd-10-cm', 'E83.11')
    """
    system = system.strip()
    code = code.strip()
    if system in (ICD10CM, UNII):
        code = code.upper()
    return system, code


def parse_code(text: str) -> tuple[str, str] | None:
    """``system|code`` (FHIR token style) or ``alias:code``; None when the text is not a code."""
    text = text.strip()
    if "|" in text:
        system, _, code = text.partition("|")
        system = SYSTEM_ALIASES.get(system.strip().casefold(), system.strip())
        # A system is a URI (http://..., urn:...): "Calcium | D3" is a name, not a code.
        if _URI.match(system) and code.strip():
            return code_key(system, code)
        return None
    alias, sep, code = text.partition(":")
    if sep and alias.strip().casefold() in SYSTEM_ALIASES and code.strip():
        return code_key(SYSTEM_ALIASES[alias.strip().casefold()], code)
    return None


def prefixes(system: str, code: str) -> list[str]:
    """The codes to try, most specific first: an ICD-10-CM code, then each category it belongs to.

    >>> prefixes(ICD10CM, "E83.110")
    ['E83.110', 'E83.11', 'E83.1', 'E83']
    >>> prefixes(RXNORM, "3640")
    ['3640']
    """
    if system != ICD10CM:
        return [code]
    out = [code]
    current = code
    while len(current.replace(".", "")) > 3:
        current = current[:-1].rstrip(".")
        out.append(current)
    return out
