"""FHIR R4 in and out; the public names are in :mod:`suppcheck.fhir`."""
