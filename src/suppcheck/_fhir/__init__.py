"""FHIR R4 in and out; the public names are in :mod:`suppcheck.fhir`.

Only :func:`is_fhir` lives here, so that a reader of any document can ask
whether it is FHIR without importing the FHIR reader.
"""

from collections.abc import Mapping

__all__ = ["is_fhir"]


def is_fhir(document: object) -> bool:
    """Whether a decoded document is FHIR JSON: a resource, or a list of resources, with ``resourceType``.

    >>> is_fhir({"resourceType": "Bundle", "type": "collection"}), is_fhir({"regimen": []})
    (True, False)
    """
    if isinstance(document, Mapping):
        return isinstance(document.get("resourceType"), str)
    if isinstance(document, list) and document:
        return all(isinstance(item, Mapping) and isinstance(item.get("resourceType"), str) for item in document)
    return False
