"""The service's settings: plain data, importable without Starlette."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .._severity import Severity

# CDS Hooks 2.0 recommends ES384 and RS384 and forbids `none` and every symmetric (HMAC) algorithm.
ASYMMETRIC_ALGORITHMS: tuple[str, ...] = (
    "ES384",
    "RS384",
    "ES256",
    "RS256",
    "ES512",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
)


@dataclass(frozen=True)
class TrustedIssuer:
    """A CDS client whose JWTs the service accepts: its ``iss`` and where its public keys are.

    Exactly one of ``jwks_file`` (a JWK Set in a local JSON file, read at
    start-up) and ``jwks_url`` (fetched on first use and cached) is given; a
    ``jku`` header in a token is never followed.
    """

    issuer: str
    jwks_file: str | Path | None = None
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ASYMMETRIC_ALGORITHMS

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ValueError("a trusted issuer needs its iss value")
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError(f"trusted issuer {self.issuer!r}: give exactly one of jwks_file and jwks_url")
        if self.jwks_url is not None and not _https_or_loopback(self.jwks_url):
            raise ValueError(f"trusted issuer {self.issuer!r}: the JWKS URL must be https (http only on loopback)")
        unsafe = [a for a in self.algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if unsafe:
            raise ValueError(
                f"trusted issuer {self.issuer!r}: {', '.join(unsafe)} not allowed "
                f"(CDS Hooks forbids 'none' and symmetric algorithms; use {', '.join(ASYMMETRIC_ALGORITHMS)})"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TrustedIssuer:
        """One issuer from its JSON form: ``{"issuer": ..., "jwks_file" | "jwks_url": ..., "algorithms": [...]}``."""
        unknown = set(data) - {"issuer", "jwks_file", "jwks_url", "algorithms"}
        if unknown:
            raise ValueError(f"trusted issuer: unknown field(s) {', '.join(sorted(unknown))}")
        algorithms = data.get("algorithms")
        return cls(
            issuer=str(data.get("issuer") or ""),
            jwks_file=data.get("jwks_file"),
            jwks_url=data.get("jwks_url"),
            algorithms=tuple(algorithms) if algorithms else ASYMMETRIC_ALGORITHMS,
        )


@dataclass(frozen=True)
class Settings:
    """Everything :func:`~suppcheck.server.create_app` is configured with."""

    rules: tuple[str, ...] = ()
    min_severity: Severity = Severity.MODERATE
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    public_url: str | None = None
    max_body_bytes: int = 1_000_000
    cors_origins: tuple[str, ...] = ()
    fetch_timeout: float = 5.0
    allow_http_fhir: bool = False
    log_patient_ids: bool = False
    loopback_only: bool = field(init=False, default=True)

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be at least 1")
        if not 0 < self.fetch_timeout <= 120:
            raise ValueError("fetch_timeout must be between 0 and 120 seconds")
        if self.public_url is not None and not self.public_url.startswith(("https://", "http://")):
            raise ValueError("public_url must be an http(s) URL, such as https://cds.example.org")
        if self.trusted_issuers and self.public_url is None:
            # Taken from the request, the audience would be whatever Host header the caller sent: a token
            # made for another service of the same EHR would pass.
            raise ValueError("trusted issuers need public_url: the JWT audience is this service's own URL")
        object.__setattr__(self, "loopback_only", not self.trusted_issuers)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine's loopback interface."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))


def issuers_from_json(data: Any) -> tuple[TrustedIssuer, ...]:
    """The ``trusted_issuers`` list of a settings file."""
    if not isinstance(data, Sequence) or isinstance(data, str):
        raise ValueError("trusted_issuers must be a list of {issuer, jwks_file | jwks_url}")
    return tuple(TrustedIssuer.from_mapping(item) for item in data)
