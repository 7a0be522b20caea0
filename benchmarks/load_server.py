"""A bounded load run of the CDS Hooks service, on loopback only; it stops by itself.

Usage::

    python benchmarks/load_server.py                      # 5,000 order-sign calls at concurrency 1, then 8
    python benchmarks/load_server.py --calls 500 --workers 2

It starts ``suppcheck serve`` on 127.0.0.1 on a free port (``--workers``
uvicorn processes), warms it up, then sends ``--calls`` order-sign calls
(the doxycycline draft order, a magnesium statement and a chronic kidney
disease condition in the prefetch, a new hookInstance each) at each
concurrency, and prints p50/p95/p99 latency, throughput, errors (any answer
but 200 with cards, or a failed connection) and the server's resident memory
(all its processes) before and after each run. Then it stops the server.
Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOST = "127.0.0.1"  # never anything else: this is a load generator

UCUM = "http://unitsofmeasure.org"
TWICE = {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00", "20:00:00"]}}
CALL: dict[str, Any] = {
    "hook": "order-sign",
    "context": {
        "userId": "Practitioner/dr1",
        "patientId": "p1",
        "draftOrders": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationRequest",
                        "id": "mr1",
                        "status": "draft",
                        "intent": "order",
                        "medicationCodeableConcept": {"text": "doxycycline 100 MG Oral Capsule"},
                        "subject": {"reference": "Patient/p1"},
                        "dosageInstruction": [
                            {
                                "timing": TWICE,
                                "doseAndRate": [
                                    {
                                        "doseQuantity": {
                                            "value": 1,
                                            "unit": "capsule",
                                            "system": UCUM,
                                            "code": "{capsule}",
                                        }
                                    }
                                ],
                            }
                        ],
                    }
                }
            ],
        },
    },
    "prefetch": {
        "patient": {"resourceType": "Patient", "id": "p1", "birthDate": "1954-03-02", "gender": "female"},
        "conditions": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Condition",
                        "id": "c1",
                        "clinicalStatus": {
                            "coding": [
                                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
                            ]
                        },
                        "code": {
                            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "N18.4"}],
                            "text": "Chronic kidney disease",
                        },
                        "subject": {"reference": "Patient/p1"},
                    }
                }
            ],
        },
        "medicationStatements": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "resource": {
                        "resourceType": "MedicationStatement",
                        "id": "ms1",
                        "status": "active",
                        "medicationCodeableConcept": {"text": "magnesium"},
                        "subject": {"reference": "Patient/p1"},
                        "dosage": [
                            {
                                "timing": TWICE,
                                "doseAndRate": [
                                    {"doseQuantity": {"value": 400, "unit": "mg", "system": UCUM, "code": "mg"}}
                                ],
                            }
                        ],
                    }
                }
            ],
        },
        "medicationRequests": {"resourceType": "Bundle", "type": "searchset", "entry": []},
    },
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            out.extend(_tree(int(child)))
    return out


def _rss_mib(pid: int) -> float:
    total = 0
    for each in _tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


async def _run(url: str, calls: int, concurrency: int) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    cards = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
        remaining = iter(range(calls))

        async def worker() -> None:
            nonlocal errors, cards
            for _ in remaining:
                body = dict(CALL, hookInstance=str(uuid.uuid4()))
                start = time.perf_counter()
                try:
                    response = await client.post(url, json=body)
                    ok = response.status_code == 200 and bool(response.json().get("cards"))
                    cards += len(response.json().get("cards", ())) if ok else 0
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - start) * 1000)
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "calls": calls,
        "concurrency": concurrency,
        "errors": errors,
        "cards_per_call": round(cards / max(1, calls - errors), 2),
        "p50_ms": round(_percentile(latencies, 50), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
        "p99_ms": round(_percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "throughput_per_s": round(calls / elapsed, 1),
        "seconds": round(elapsed, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000, help="calls per concurrency level (default 5000)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--concurrency", default="1,8", help="levels, comma-separated (default 1,8)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    port = _free_port()
    command = [sys.executable, "-m", "suppcheck", "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    url = f"http://{HOST}:{port}/cds-services/suppcheck-order-sign"
    results: dict[str, Any] = {"workers": args.workers, "cpus": os.cpu_count(), "runs": []}
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://{HOST}:{port}/healthz", trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        asyncio.run(_run(url, 50 * max(1, args.workers), max(1, args.workers)))  # warm every worker
        for level in (int(c) for c in args.concurrency.split(",")):
            before = _rss_mib(server.pid)
            run = asyncio.run(_run(url, args.calls, level))
            run["rss_before_mib"] = round(before, 1)
            run["rss_after_mib"] = round(_rss_mib(server.pid), 1)
            results["runs"].append(run)
            if not args.json:
                print(
                    f"concurrency {level}: {run['calls']} calls in {run['seconds']} s, "
                    f"{run['throughput_per_s']}/s; p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
                    f"p99 {run['p99_ms']} ms; errors {run['errors']}; "
                    f"RSS {run['rss_before_mib']} -> {run['rss_after_mib']} MiB"
                )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(r["errors"] == 0 for r in results["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
