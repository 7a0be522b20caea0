"""FHIR R4 in and out: a regimen from a bundle, DetectedIssues from a report.

>>> import datetime as dt
>>> from suppcheck import check
>>> from suppcheck.fhir import detected_issues, regimen_from_fhir
>>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
...     {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1960-05-01", "gender": "female"}},
...     {"resource": {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
...                   "medicationCodeableConcept": {"text": "ferrous sulfate 325 MG Oral Tablet"},
...                   "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 1, "code": "{tablet}",
...                                                                 "system": "http://unitsofmeasure.org"}}]}]}}]}
>>> regimen = regimen_from_fhir(bundle, as_of=dt.date(2026, 6, 1))
>>> report = check(regimen)
>>> [t.daily_amount for t in report.totals if t.substance == "iron"]
[65.0]
>>> detected_issues(report, regimen=regimen, as_of=dt.date(2026, 6, 1))["type"]
'collection'

The reader works on plain JSON and needs nothing beyond suppcheck itself.
``fhir.resources`` (the ``suppcheck[fhir]`` extra) is imported only when
:func:`detected_issues` is asked for models (``as_models=True``); neither
``import suppcheck`` nor a check imports this module. Mapping rules:
``docs/fhir.md``.
"""

from ._fhir.reader import is_fhir, regimen_from_fhir
from ._fhir.writer import SUPPCHECK_CODES, detected_issues, regimen_to_fhir
from ._sourced import SourcedRegimen

__all__ = ["SUPPCHECK_CODES", "SourcedRegimen", "detected_issues", "is_fhir", "regimen_from_fhir", "regimen_to_fhir"]
