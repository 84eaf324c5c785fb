"""Loopback load test of the production server at a fixed request rate, cached and uncached.

    .venv/bin/python benchmarks/bench_api_load.py                  # 200 req/s, 60 s of mix per server
    .venv/bin/python benchmarks/bench_api_load.py --seconds 10     # quicker
    .venv/bin/python benchmarks/bench_api_load.py --rate 300 --json

It builds a throwaway SQLite store and runs the server the way ``scripts/start.sh`` does
(``normwatch serve --workers 2``, ``--workers`` changes it; log level ``warning``, so no
access log) on 127.0.0.1 and a free port, twice: with the response cache (:mod:`normwatch.service.cache`) and without it
(``NORMWATCH_RESPONSE_CACHE=0``, the baseline), one after the other in the same run.

The load generator is open-loop, written on asyncio with raw keep-alive HTTP/1.1
connections (no third-party client, so it costs little CPU): request *i* is due at
``t0 + i / rate`` whatever happened before, and its latency is measured **from that due
time**, so a server that falls behind shows it in the tail (no coordinated omission).
Per server:

1. ``warm``: every distinct address of the mix, in rounds, each request on a new
   connection so that they reach every worker, until two rounds in a row were all
   answered from the cache (``X-Cache: hit``), or three rounds without the cache: a
   server that has run a while has seen them all;
2. ``trivial``: ``GET /api/health`` at the target rate, showing that the generator itself
   keeps the rate on its core;
3. ``mix``: 13 endpoints taken in turn, each cycling through its addresses: the incident
   page, a state page, the charts page, a chart figure, ``/api/assessments?limit=100``,
   the TAXII incident objects and assessment manifest, the HTML crisis brief, the home
   page, the incident list, an incident (Contract 1), a scorecard and a norm page.

It prints, per server and phase: requests sent, achieved rate, errors (non-200, transport
errors and requests still unanswered ``--drain`` seconds after the last was due), p50,
p95, p99 and max; per endpoint of the mix; and the ratios uncached/cached. With ``--pin``
(default when ``taskset`` and ≥ 2 CPUs are there) the server runs on CPU 0 and the load
generator on CPU 1. Only 127.0.0.1 is ever contacted; the run is bounded in requests
(rate × seconds, at most 200,000 a phase) and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
TAXII = "application/taxii+json;version=2.1"
MAX_REQUESTS = 200_000
REQUEST_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(database: Path, port: int, workers: int, cached: bool, pin: bool,
                 log: Path) -> subprocess.Popen[bytes]:
    """What ``normwatch serve`` runs (:func:`normwatch.service.app.serve`), in its own process
    group so that stopping it stops its workers."""
    code = ("import sys; from normwatch.service.app import serve; "
            "serve(host=sys.argv[1], port=int(sys.argv[2]), url=sys.argv[3], log_level='warning', "
            "workers=int(sys.argv[4]))")
    command = [sys.executable, "-c", code, HOST, str(port), str(database), str(workers)]
    if pin:
        command = ["taskset", "-c", "0", *command]
    size = os.environ.get("NORMWATCH_RESPONSE_CACHE", "64") if cached else "0"
    env = {**os.environ, "NORMWATCH_RESPONSE_CACHE": size}
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=sink, start_new_session=True)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        return cls(reader, writer)

    async def get(self, path: str, accept: str, close: bool = False) -> tuple[int, str]:
        """Status and ``X-Cache`` header ("" when absent) of ``GET path``; the body is read."""
        extra = "Connection: close\r\n" if close else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: {accept}\r\n{extra}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, cache = 0, False, ""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "x-cache":
                cache = value.strip()
        if not chunked:
            await self.reader.readexactly(length)
            return status, cache
        while True:
            chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self.reader.readexactly(chunk + 2)
            if chunk == 0:
                return status, cache

    def close(self) -> None:
        self.writer.close()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def add(self, other: Stats) -> None:
        self.latencies += other.latencies
        self.sent += other.sent
        for kind, n in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + n

    def summary(self, seconds: float) -> dict[str, Any]:
        done = sorted(self.latencies)

        def pct(p: float) -> float:
            if not done:
                return float("nan")
            return round(done[min(len(done) - 1, int(p / 100 * len(done)))] * 1000, 1)

        return {
            "sent": self.sent, "ok": len(done), "errors": sum(self.errors.values()), "error_kinds": self.errors,
            "achieved_rps": round(len(done) / seconds, 1) if seconds > 0 else 0.0,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "max_ms": round(done[-1] * 1000, 1) if done else float("nan"),
        }


Endpoint = tuple[str, list[str], str]
"""(label, addresses cycled through, Accept header)."""


def mix(ids: list[str], states: list[str], norms: list[str], figures: list[str]) -> list[Endpoint]:
    """The 13 endpoints of the mix (see the module docstring)."""
    html, js = "text/html", "application/json"
    total = len(ids)
    return [
        ("page /incidents/{id}", [f"/incidents/{i}" for i in ids], html),
        ("page /states/{iso3}", [f"/states/{s}" for s in states], html),
        ("page /charts", ["/charts"], html),
        ("figure /charts/figures/*.svg", [f"/charts/figures/{f}.svg" for f in figures], "image/svg+xml"),
        ("api /assessments?limit=100", [f"/api/assessments?limit=100&offset={o}" for o in range(0, total, 100)], js),
        ("taxii incidents objects", ["/taxii2/normwatch/collections/incidents/objects/?limit=50",
                                     "/taxii2/normwatch/collections/incidents/objects/?limit=100",
                                     "/taxii2/normwatch/collections/incidents/objects/?match[type]=campaign"],
         TAXII),
        ("taxii assessments manifest", ["/taxii2/normwatch/collections/assessments/manifest/?limit=100"], TAXII),
        ("api /briefs/{id}?format=html", [f"/api/briefs/{i}?format=html" for i in ids], "text/html"),
        ("page /", ["/"], html),
        ("page /incidents?page=n", [f"/incidents?page={n}" for n in range(1, (total + 24) // 25 + 1)], html),
        ("api /incidents/{id}", [f"/api/incidents/{i}" for i in ids], js),
        ("api /scorecards/{iso3}", [f"/api/scorecards/{s}" for s in states], js),
        ("page /norms/{id}", [f"/norms/{n}" for n in norms], html),
    ]


def schedule(endpoints: list[Endpoint], count: int) -> list[tuple[str, str, str]]:
    """``count`` requests: the endpoints in turn, each cycling through its addresses."""
    out = []
    for i in range(count):
        label, paths, accept = endpoints[i % len(endpoints)]
        out.append((label, paths[(i // len(endpoints)) % len(paths)], accept))
    return out


async def wait_ready(port: int, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode}); its log: {log}")
        try:
            conn = await Connection.open(port)
            status, _ = await conn.get("/api/health", "application/json")
            conn.close()
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def warm(port: int, endpoints: list[Endpoint], parallel: int, cached: bool,
               max_rounds: int = 12) -> dict[str, Any]:
    """Bring every worker to the state of a server that has run a while: every distinct
    address of the mix in rounds, each request on a new connection (so that they spread
    over the workers). With the cache on, until two rounds in a row found every answer
    cached (``X-Cache: hit``); without it, three rounds (the internal caches)."""
    work = [(path, accept) for _, paths, accept in endpoints for path in paths]
    errors, misses_per_round = 0, []
    began = time.monotonic()
    clean = 0
    for _ in range(max_rounds if cached else 3):
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        for item in work:
            queue.put_nowait(item)
        misses = 0

        async def worker(queue: asyncio.Queue[tuple[str, str]]) -> None:
            nonlocal errors, misses
            while not queue.empty():
                path, accept = queue.get_nowait()
                conn = await Connection.open(port)
                try:
                    status, how = await asyncio.wait_for(conn.get(path, accept, close=True), 120)
                finally:
                    conn.close()
                errors += status != 200
                misses += how != "hit"

        await asyncio.gather(*(worker(queue) for _ in range(parallel)))
        misses_per_round.append(misses)
        clean = clean + 1 if misses == 0 else 0
        if cached and clean == 2:
            break
    return {"addresses": len(work), "rounds": len(misses_per_round), "errors": errors,
            "misses_per_round": misses_per_round if cached else None,
            "seconds": round(time.monotonic() - began, 1)}


async def run_phase(port: int, plan: list[tuple[str, str, str]], rate: float, connections: int,
                    drain: float) -> tuple[dict[str, Stats], float]:
    """Fire ``plan`` at ``rate`` requests a second; per-label stats and the phase's seconds."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(port))
    stats: dict[str, Stats] = {}
    for label, _, _ in plan:
        stats.setdefault(label, Stats())
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    last_done = start
    tasks: list[asyncio.Task[None]] = []

    async def one(label: str, path: str, accept: str, due: float) -> None:
        nonlocal last_done
        conn = await pool.get()
        try:
            status, _ = await asyncio.wait_for(conn.get(path, accept), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError):
            stats[label].error("transport")
            conn.close()
            pool.put_nowait(await Connection.open(port))
            return
        pool.put_nowait(conn)
        last_done = loop.time()
        if status == 200:
            stats[label].latencies.append(last_done - due)
        else:
            stats[label].error(str(status))

    for i, (label, path, accept) in enumerate(plan):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        stats[label].sent += 1
        tasks.append(asyncio.create_task(one(label, path, accept, due)))
    _, pending = await asyncio.wait(tasks, timeout=drain)
    for task in pending:  # still unanswered long after the end: count them, don't wait for them
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    unanswered = Stats()
    unanswered.errors["unanswered"] = len(pending)
    if pending:
        stats.setdefault("(unanswered)", unanswered)
    elapsed = max(len(plan) / rate, last_done - start)
    while not pool.empty():
        pool.get_nowait().close()
    return stats, elapsed


def measure(name: str, cached: bool, args: argparse.Namespace, database: Path, endpoints: list[Endpoint],
            log: Path) -> dict[str, Any]:
    port = free_port()
    server = start_server(database, port, args.workers, cached, args.pin, log)
    try:
        began = time.monotonic()
        asyncio.run(wait_ready(port, server, log))
        startup = time.monotonic() - began
        warmed = asyncio.run(warm(port, endpoints, 2 * args.workers, cached))
        count = min(MAX_REQUESTS, int(args.rate * args.trivial_seconds))
        trivial, trivial_elapsed = asyncio.run(run_phase(
            port, [("GET /api/health", "/api/health", "application/json")] * count, args.rate,
            args.connections, args.drain))
        plan = schedule(endpoints, min(MAX_REQUESTS, int(args.rate * args.seconds)))
        per_endpoint, mix_elapsed = asyncio.run(run_phase(port, plan, args.rate, args.connections, args.drain))
    finally:
        stop_server(server)
    everything = Stats()
    for item in per_endpoint.values():
        everything.add(item)
    return {
        "server": name, "cache": cached, "startup_s": round(startup, 1),
        "warm": warmed,
        "trivial": next(iter(trivial.values())).summary(trivial_elapsed),
        "mix": everything.summary(mix_elapsed),
        "endpoints": {label: s.summary(mix_elapsed) for label, s in per_endpoint.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of the mix per server (default 60)")
    parser.add_argument("--trivial-seconds", type=float, default=10.0,
                        help="seconds of GET /api/health per server (default 10)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (default 64)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2, as scripts/start.sh)")
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds to wait for answers after the last request is due (default 30)")
    parser.add_argument("--only", choices=("cached", "uncached"), help="measure one server only")
    can_pin = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=can_pin,
                        help="server on CPU 0, load generator on CPU 1")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not 0 < args.rate <= 5_000 or not 0 < args.seconds <= 600 or not 0 < args.trivial_seconds <= 600:
        parser.error("rate must be in (0, 5000], seconds and trivial-seconds in (0, 600]")
    if not 1 <= args.connections <= 1024 or not 1 <= args.workers <= 16 or not 0 < args.drain <= 600:
        parser.error("connections must be in [1, 1024], workers in [1, 16], drain in (0, 600]")

    from normwatch import load_kb
    from normwatch.engine.responsibility import responsible_states
    from normwatch.service.store import open_store
    from normwatch.service.web.pages import FIGURES

    folder = Path(tempfile.mkdtemp(prefix="normwatch-load-"))
    database = folder / "load.sqlite"
    open_store(str(database)).close()
    kb = load_kb()
    ids = sorted(i.id for i in kb.incidents)
    states = sorted({r.state for i in kb.incidents for r in responsible_states(i)}
                    | {t.country for i in kb.incidents for t in i.targets if len(t.country) == 3})
    norms = sorted(kb.norms)
    endpoints = mix(ids, states, norms, sorted(FIGURES))
    if args.pin:
        os.sched_setaffinity(0, {1})
    log = folder / "server.log"
    load_before = [round(x, 2) for x in os.getloadavg()]
    results = [measure(name, name == "cached", args, database, endpoints, log)
               for name in ("cached", "uncached") if args.only in (None, name)]
    report: dict[str, Any] = {
        "rate_target": args.rate, "seconds": args.seconds, "connections": args.connections,
        "workers": args.workers, "pinned": args.pin, "cpus": os.cpu_count(),
        "load_average_before": load_before, "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "servers": results,
    }
    if len(results) == 2:
        cached, uncached = (r["mix"] for r in results)
        report["uncached_over_cached"] = {
            "p99": round(uncached["p99_ms"] / cached["p99_ms"], 1) if cached["p99_ms"] else None,
            "p50": round(uncached["p50_ms"] / cached["p50_ms"], 1) if cached["p50_ms"] else None,
        }
        report["cached_over_uncached_achieved_rps"] = (
            round(cached["achieved_rps"] / uncached["achieved_rps"], 2) if uncached["achieved_rps"] else None)
    shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"target {args.rate:.0f} req/s; mix {args.seconds:.0f} s, trivial {args.trivial_seconds:.0f} s per server; "
          f"{args.workers} workers, {args.connections} connections; "
          f"{'server on CPU 0, load on CPU 1' if args.pin else 'unpinned'} ({os.cpu_count()} CPUs, "
          f"load average {report['load_average_before'][0]} before, {report['load_average_after'][0]} after)")
    header = f"{'':34} {'sent':>6} {'rps':>7} {'errors':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"
    for result in results:
        w = result["warm"]
        print(f"\n== {result['server']} server (startup {result['startup_s']} s; warm: {w['addresses']} addresses, "
              f"{w['rounds']} rounds in {w['seconds']} s, {w['errors']} errors"
              + (f", misses per round {w['misses_per_round']})" if w["misses_per_round"] else ")"))
        print(header)
        rows = [("trivial GET /api/health", result["trivial"]), ("MIX (13 endpoints)", result["mix"]),
                *[(f"  {k}", v) for k, v in result["endpoints"].items()]]
        for label, s in rows:
            print(f"{label:34} {s['sent']:>6} {s['achieved_rps']:>7} {s['errors']:>6} {s['p50_ms']:>7}ms "
                  f"{s['p95_ms']:>7}ms {s['p99_ms']:>7}ms {s['max_ms']:>7}ms")
    if "uncached_over_cached" in report:
        ratio = report["uncached_over_cached"]
        print(f"\nuncached / cached: p99 x{ratio['p99']}, p50 x{ratio['p50']}; "
              f"achieved rate cached / uncached x{report['cached_over_uncached_achieved_rps']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
