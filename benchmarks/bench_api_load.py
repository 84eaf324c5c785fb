"""Loopback load test of the REST API at a fixed request rate.

    .venv/bin/python benchmarks/bench_api_load.py                 # 500 req/s, 60 s per phase
    .venv/bin/python benchmarks/bench_api_load.py --seconds 10    # quicker
    .venv/bin/python benchmarks/bench_api_load.py --rate 800 --json

It builds a throwaway SQLite store, starts ``uvicorn`` (one process) on 127.0.0.1 and a
free port, and drives it with an open-loop load generator written on asyncio (keep-alive
HTTP/1.1 connections, no third-party client): request *i* is due at ``t0 + i / rate``
whatever happened before, and its latency is measured **from that due time**, so a
server that falls behind shows it in the tail (no coordinated omission). Two phases:

1. ``baseline``: ``GET /api/health`` (the cost of the stack itself);
2. ``api``: an even mix of ``GET /api/assessments/{id}`` (Contract 3),
   ``GET /api/incidents/{id}`` (Contract 1) and ``GET /api/incidents?limit=20&offset=…``,
   cycling through every incident.

It reports, per phase and per endpoint: requests sent, achieved rate, errors (non-200 or
transport errors), p50, p90, p99 and max latency, and the ratio of the API's p99 to the
baseline's. ``--pin`` (default on with ≥ 2 CPUs) puts the server on CPU 0 and the load
generator on CPU 1: two cores in all. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(database: Path, port: int, pin: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "normwatch.service.app:app_from_environment",
               "--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    if pin:
        command = ["taskset", "-c", "0", *command]
    env = {**os.environ, "NORMWATCH_DATABASE_URL": str(database)}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = await Connection.open(port)
            status, _ = await conn.get("/api/health")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def get(self, path: str) -> tuple[int, int]:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: application/json\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        body = await self.reader.readexactly(length)
        return status, len(body)

    def close(self) -> None:
        self.writer.close()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        done = sorted(self.latencies)

        def pct(p: float) -> float:
            if not done:
                return float("nan")
            return round(done[min(len(done) - 1, int(p / 100 * len(done)))] * 1000, 2)

        return {
            "sent": self.sent, "ok": len(done), "errors": self.errors,
            "achieved_rps": round(len(done) / seconds, 1),
            "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
            "max_ms": round(done[-1] * 1000, 2) if done else float("nan"),
            "mean_ms": round(statistics.fmean(done) * 1000, 2) if done else float("nan"),
        }


async def run_phase(port: int, paths: list[tuple[str, str]], rate: float, seconds: float,
                    connections: int) -> tuple[dict[str, Stats], float]:
    """Fire ``rate`` requests a second for ``seconds``; paths are (label, path), cycled."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(port))
    stats: dict[str, Stats] = {label: Stats() for label, _ in paths}
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    tasks: list[asyncio.Task[None]] = []

    async def one(label: str, path: str, due: float) -> None:
        conn = await pool.get()
        try:
            status, _ = await conn.get(path)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            stats[label].errors += 1
            conn.close()
            pool.put_nowait(await Connection.open(port))
            return
        pool.put_nowait(conn)
        if status == 200:
            stats[label].latencies.append(loop.time() - due)
        else:
            stats[label].errors += 1

    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        label, path = paths[i % len(paths)]
        stats[label].sent += 1
        tasks.append(asyncio.create_task(one(label, path, due)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(30.0, seconds))
    elapsed = loop.time() - start
    while not pool.empty():
        pool.get_nowait().close()
    return stats, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (default 500)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase (default 60)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=(os.cpu_count() or 1) >= 2,
                        help="server on CPU 0, load generator on CPU 1")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not 0 < args.rate <= 20_000 or not 0 < args.seconds <= 600:
        parser.error("rate must be in (0, 20000] and seconds in (0, 600]")

    from normwatch import load_kb
    from normwatch.service.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="normwatch-load-"))
    database = folder / "load.sqlite"
    open_store(str(database)).close()
    ids = sorted(i.id for i in load_kb().incidents)
    port = free_port()
    server = start_server(database, port, args.pin)
    if args.pin:
        os.sched_setaffinity(0, {1})
    try:
        asyncio.run(wait_ready(port))
        # warm the caches (assessments, encoded bodies) the way a running server would be
        async def warm() -> None:
            conn = await Connection.open(port)
            for incident_id in ids:
                await conn.get(f"/api/assessments/{incident_id}")
                await conn.get(f"/api/incidents/{incident_id}")
            conn.close()

        asyncio.run(warm())
        baseline, base_elapsed = asyncio.run(run_phase(
            port, [("GET /api/health", "/api/health")], args.rate, args.seconds, args.connections))
        mixed: list[tuple[str, str]] = []
        for n, incident_id in enumerate(ids):
            mixed.append(("GET /api/assessments/{id}", f"/api/assessments/{incident_id}"))
            mixed.append(("GET /api/incidents/{id}", f"/api/incidents/{incident_id}"))
            mixed.append(("GET /api/incidents?limit=20", f"/api/incidents?limit=20&offset={(n * 20) % len(ids)}"))
        api, api_elapsed = asyncio.run(run_phase(port, mixed, args.rate, args.seconds, args.connections))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()

    everything = Stats()
    for item in api.values():
        everything.latencies += item.latencies
        everything.errors += item.errors
        everything.sent += item.sent
    report: dict[str, Any] = {
        "rate_target": args.rate, "seconds": args.seconds, "connections": args.connections,
        "pinned": args.pin, "cpus": os.cpu_count(),
        "baseline": {k: v.summary(base_elapsed) for k, v in baseline.items()},
        "api": {k: v.summary(api_elapsed) for k, v in api.items()},
        "api_all": everything.summary(api_elapsed),
    }
    base_p99 = next(iter(report["baseline"].values()))["p99_ms"]
    report["p99_ratio_api_to_baseline"] = round(report["api_all"]["p99_ms"] / base_p99, 2) if base_p99 else None
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"target {args.rate:.0f} req/s for {args.seconds:.0f} s per phase, {args.connections} connections, "
          f"{'server on CPU 0, load on CPU 1' if args.pin else 'unpinned'} ({os.cpu_count()} CPUs)")
    print(f"{'endpoint':32} {'sent':>7} {'rps':>7} {'errors':>6} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
    rows = [*report["baseline"].items(), *report["api"].items(), ("API (all three)", report["api_all"])]
    for label, s in rows:
        print(f"{label:32} {s['sent']:>7} {s['achieved_rps']:>7} {s['errors']:>6} {s['p50_ms']:>6}ms "
              f"{s['p90_ms']:>6}ms {s['p99_ms']:>6}ms {s['max_ms']:>6}ms")
    print(f"p99 ratio API / baseline: {report['p99_ratio_api_to_baseline']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
