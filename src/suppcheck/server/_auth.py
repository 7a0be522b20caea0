"""CDS client authentication: the EHR's signed JWT, checked as CDS Hooks 2.0 says.

Each call carries ``Authorization: Bearer <JWT>``. The token's ``iss`` must
be a configured trusted issuer; its signature must verify with that issuer's
key named by ``kid`` (an asymmetric algorithm: never ``none`` nor HMAC); its
``aud`` must be the URL being called; ``exp``, ``iat`` and ``jti`` must be
present, ``exp`` not past, and a ``jti`` is accepted once (replay).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt

from ._settings import TrustedIssuer

_LEEWAY_SECONDS = 30  # clocks of the EHR and the service drift apart
_MAX_SEEN = 100_000  # jti values remembered until their token expires
_MAX_JWKS_BYTES = 1_000_000


class AuthError(Exception):
    """A request's token is missing or not acceptable; the message is safe to show the caller."""


class Verifier:
    """Verifies bearer JWTs against the trusted issuers' keys; thread-safe."""

    def __init__(self, issuers: Sequence[TrustedIssuer]) -> None:
        self._issuers = {i.issuer: i for i in issuers}
        self._file_keys: dict[str, jwt.PyJWKSet] = {}
        self._clients: dict[str, jwt.PyJWKClient] = {}
        for issuer in issuers:
            if issuer.jwks_file is not None:
                self._file_keys[issuer.issuer] = _read_jwks(Path(issuer.jwks_file), issuer.issuer)
            else:
                assert issuer.jwks_url is not None
                self._clients[issuer.issuer] = jwt.PyJWKClient(
                    issuer.jwks_url, cache_keys=True, lifespan=3600, timeout=5
                )
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, audiences: Sequence[str]) -> dict[str, Any]:
        """The verified claims of the request's bearer token; :class:`AuthError` when it is not acceptable."""
        if not authorization:
            raise AuthError("an Authorization: Bearer <JWT> header is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <JWT>'")
        token = token.strip()
        issuer, kid = self._claimed(token)
        claims = _decoded(token, self._key(issuer, kid), issuer, audiences)
        self._once(issuer.issuer, str(claims["jti"]), float(claims["exp"]))
        return claims

    def _claimed(self, token: str) -> tuple[TrustedIssuer, str]:
        """The trusted issuer and key id the token claims, before its signature is checked."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError("the bearer token is not a JWT") from None
        issuer = self._issuers.get(str(unverified.get("iss", "")))
        if issuer is None:
            raise AuthError("the token's issuer (iss) is not trusted by this service")
        alg = header.get("alg")
        if alg not in issuer.algorithms:
            raise AuthError(f"the token's algorithm is not accepted (use one of {', '.join(issuer.algorithms)})")
        if str(header.get("typ", "")).upper() != "JWT":
            raise AuthError("the token's header must have typ JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("the token's header has no kid")
        return issuer, kid

    def _key(self, issuer: TrustedIssuer, kid: str) -> Any:
        keys = self._file_keys.get(issuer.issuer)
        if keys is not None:
            for found in keys.keys:
                if found.key_id == kid:
                    return found
            raise AuthError("no key of the token's issuer has the token's kid")
        client = self._clients[issuer.issuer]
        try:
            return client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise AuthError("the issuer's keys (JWKS) could not be fetched") from None
        except jwt.PyJWTError:
            raise AuthError("no key of the token's issuer has the token's kid") from None

    def _once(self, issuer: str, jti: str, exp: float) -> None:
        now = time.time()
        with self._lock:
            while self._seen:
                oldest_key, oldest_exp = next(iter(self._seen.items()))
                if oldest_exp + _LEEWAY_SECONDS >= now and len(self._seen) < _MAX_SEEN:
                    break
                del self._seen[oldest_key]
            key = (issuer, jti)
            if key in self._seen:
                raise AuthError("the token was already used (jti seen before)")
            self._seen[key] = exp


def _read_jwks(path: Path, issuer: str) -> jwt.PyJWKSet:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_JWKS_BYTES + 1)
        if len(data) > _MAX_JWKS_BYTES:
            raise ValueError(f"more than {_MAX_JWKS_BYTES:,} bytes")
        return jwt.PyJWKSet.from_dict(json.loads(data))
    except OSError as exc:
        raise ValueError(f"trusted issuer {issuer!r}: cannot read the JWK Set {path}: {exc.strerror}") from None
    except (ValueError, jwt.PyJWTError) as exc:
        raise ValueError(f"trusted issuer {issuer!r}: {path} is not a JWK Set: {exc}") from None


def _decoded(token: str, key: Any, issuer: TrustedIssuer, audiences: Sequence[str]) -> dict[str, Any]:
    """The token's claims, its signature, audience, issuer and required claims verified."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=list(issuer.algorithms),
            audience=list(audiences),
            issuer=issuer.issuer,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise AuthError("the token's audience (aud) is not this endpoint's URL") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"the token has no {exc.claim} claim") from None
    except jwt.InvalidSignatureError:
        raise AuthError("the token's signature does not verify") from None
    except jwt.PyJWTError:
        raise AuthError("the token is not valid") from None
    return claims
