"""The FastAPI handler that docs/regimen-format.md shows, run under uvicorn on loopback and called over HTTP."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[1]


def _documented_app() -> Any:
    text = (ROOT / "docs" / "regimen-format.md").read_text(encoding="utf-8")
    section = text[text.index("**Structured errors.**") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None, "the structured-errors section shows a FastAPI handler"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "docs/regimen-format.md", "exec"), namespace)  # the docs' own example
    return namespace["app"]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = uvicorn.Config(_documented_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_good_regimen_gets_its_report(base_url: str) -> None:
    body = {
        "id": "p-7",
        "profile": {"age": 40},
        "regimen": [{"substance": "magnesium", "amount": "400 mg", "per_day": 2}],
    }
    response = httpx.post(f"{base_url}/check", json=body, timeout=30)
    assert response.status_code == 200
    report = response.json()
    assert report["id"] == "p-7"
    assert report["max_severity"] == "major"


def test_a_bad_regimen_is_a_422_with_structured_problems(base_url: str) -> None:
    body = {
        "profile": {"age": "old"},
        "regimen": [{"substance": "magnesium", "amount": "400 IU"}, {"substance": "zinc"}],
    }
    response = httpx.post(f"{base_url}/check", json=body, timeout=30)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["profile", "age"], "float_parsing"),
        (["regimen", 1], "amount_required"),
    ]
    assert problem["errors"][0]["input"] == "old"


def test_a_unit_that_cannot_apply_is_located(base_url: str) -> None:
    body = {"regimen": [{"substance": "magnesium", "amount": "400 IU"}]}
    problem = httpx.post(f"{base_url}/check", json=body, timeout=30).json()
    assert problem["errors"] == [
        {
            "loc": ["regimen", 0, "amount"],
            "type": "unit_not_applicable",
            "msg": problem["errors"][0]["msg"],
            "input": "400 IU",
        }
    ]
    assert "IU" in problem["errors"][0]["msg"]
