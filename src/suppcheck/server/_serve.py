"""``suppcheck serve``: the service under uvicorn, with its settings from the command line."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from ._settings import is_loopback, issuers_from_json


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
    sock = _listen(host, port)
    if workers > 1:
        return _supervise(sock, workers, settings, common)
    from ._app import create_app

    config = uvicorn.Config(create_app(**settings), **common)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, made here rather than by uvicorn.

    uvicorn's own socket for several workers has protocol 0, and asyncio then
    leaves Nagle's algorithm on for its connections: a response written in two
    parts waits for the client's delayed ACK, 40 ms a call on Linux. A socket
    made with IPPROTO_TCP gets TCP_NODELAY on every connection.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(sock: socket.socket, settings: dict[str, Any], common: dict[str, Any]) -> None:
    import uvicorn

    from ._app import create_app

    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(uvicorn.Config(create_app(**settings), **common)).run(sockets=[sock])


def _supervise(sock: socket.socket, workers: int, settings: dict[str, Any], common: dict[str, Any]) -> int:
    """``workers`` processes serving one socket; a worker that dies is replaced; SIGINT or SIGTERM stops all."""
    import multiprocessing
    import signal
    import threading

    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no lock held by a thread of ours
    stop = threading.Event()

    def start() -> Any:
        process = spawn.Process(target=_worker, args=(sock, settings, common), daemon=True)
        process.start()
        return process

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if not process.is_alive():
                    processes[i] = start()
    finally:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGINT)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
