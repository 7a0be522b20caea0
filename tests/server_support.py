"""Real servers for the service's tests: uvicorn on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "https://ehr.test/"
KID = "test-key-1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: Any, port: int | None = None) -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 (on ``port``, else a free one) until the block ends; yields its URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def log_lines(caplog: Any, marker: str, count: int = 1) -> list[dict[str, Any]]:
    """The JSON log lines holding ``marker``, once at least ``count`` are there.

    The server writes a request's line after the response has gone out, from
    its own thread, so the client may read the answer first.
    """
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(r.getMessage()) for r in caplog.records if marker in r.getMessage()]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


class Keys:
    """An EHR's ES384 key pair, its JWK Set in a file, and tokens it signs."""

    def __init__(self, folder: Path, kid: str = KID) -> None:
        self.private = ec.generate_private_key(ec.SECP384R1())
        self.kid = kid
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key()))
        public.update({"kid": kid, "use": "sig", "alg": "ES384"})
        self.jwks = {"keys": [public]}
        self.jwks_file = folder / f"jwks-{kid}.json"
        self.jwks_file.write_text(json.dumps(self.jwks), encoding="utf-8")

    def token(self, aud: str, *, iss: str = ISSUER, exp_in: int = 300, **override: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": iss, "aud": aud, "exp": now + exp_in, "iat": now, "jti": str(uuid.uuid4())}
        claims.update(override)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private, algorithm="ES384", headers={"kid": self.kid, "typ": "JWT"})
