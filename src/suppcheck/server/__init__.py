"""suppcheck as a CDS Hooks 2.0 service (``pip install 'suppcheck[server]'``).

``suppcheck serve`` runs it with uvicorn; :func:`create_app` gives the ASGI
application for any ASGI server::

    from suppcheck.server import TrustedIssuer, create_app

    app = create_app(
        trusted_issuers=[TrustedIssuer("https://ehr.example.org", jwks_url="https://ehr.example.org/jwks")],
        public_url="https://cds.example.org",
    )

Endpoints: ``GET /cds-services`` (discovery: an ``order-select`` and an
``order-sign`` service), ``POST /cds-services/{id}`` (a hook call: cards),
``POST /cds-services/{id}/feedback``, ``POST /check`` (a regimen in, a
report out), ``GET /rules/{id}``, ``GET /openapi.json`` and ``GET /healthz``.
Errors are RFC 9457 problem details. Mapping rules and deployment:
``docs/server.md``.

Neither ``import suppcheck`` nor a check imports this module, Starlette,
uvicorn, httpx or PyJWT.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("suppcheck.server needs the server extra: pip install 'suppcheck[server]'") from exc

from ._app import create_app
from ._settings import TrustedIssuer

__all__ = ["TrustedIssuer", "create_app"]
