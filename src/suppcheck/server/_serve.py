"""``suppcheck serve``: the service under uvicorn, with its settings from the command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from ._settings import is_loopback, issuers_from_json

SETTINGS_ENV = "SUPPCHECK_SERVER_SETTINGS"


def read_issuers(path: str) -> list[dict[str, Any]]:
    """The trusted issuers file: a JSON list of ``{issuer, jwks_file | jwks_url, algorithms?}``.

    A relative ``jwks_file`` is relative to the issuers file.
    """
    where = Path(path)
    data = json.loads(where.read_text(encoding="utf-8"))
    issuers = issuers_from_json(data)  # checked now: a bad file stops the start, not the first call
    out = []
    for issuer in issuers:
        item: dict[str, Any] = {"issuer": issuer.issuer, "algorithms": list(issuer.algorithms)}
        if issuer.jwks_file is not None:
            item["jwks_file"] = str((where.parent / issuer.jwks_file).resolve())
        else:
            item["jwks_url"] = issuer.jwks_url
        out.append(item)
    return out


def app_from_env() -> Starlette:
    """The application from ``SUPPCHECK_SERVER_SETTINGS`` (JSON): how each uvicorn worker process builds it."""
    from ._app import create_app

    return create_app(**json.loads(os.environ[SETTINGS_ENV]))


def serve(
    *,
    host: str,
    port: int,
    workers: int,
    settings: dict[str, Any],
    log_level: str = "info",
) -> int:
    """Run the service until interrupted; the return value is the exit code."""
    import uvicorn

    logger = logging.getLogger("suppcheck.server")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not settings.get("trusted_issuers"):
        if not is_loopback(host):
            print(
                f"suppcheck serve: refusing to listen on {host}: no trusted issuers are configured, so calls "
                "would not be authenticated. Give --issuers FILE, or listen on 127.0.0.1.",
                file=sys.stderr,
            )
            return 2
        print(
            "suppcheck serve: no trusted issuers configured: calls are not authenticated, so the service listens "
            f"on loopback only ({host}:{port}) and refuses calls from any other address.",
            file=sys.stderr,
        )
    else:
        names = ", ".join(i["issuer"] for i in settings["trusted_issuers"])
        print(f"suppcheck serve: accepting JWTs from {names}", file=sys.stderr)
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,  # our own log line per request, with no patient data
        "log_level": log_level,
        "server_header": False,
        "proxy_headers": False,
    }
    if workers > 1:
        os.environ[SETTINGS_ENV] = json.dumps(settings)
        uvicorn.run("suppcheck.server._serve:app_from_env", factory=True, workers=workers, **common)
    else:
        from ._app import create_app

        uvicorn.run(create_app(**settings), **common)
    return 0
