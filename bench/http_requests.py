"""What submitting a request costs over HTTP: POST /api/v1/requests next to GET /healthz.

Both are driven the same way by N concurrent clients against one running server, which this
script starts itself (`minsheng init`, `minsheng demo`, `minsheng serve` on a fresh database)
unless pointed at one with --url.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from minsheng.accounts.demo import DEMO_PASSWORD

MINSHENG = Path(sys.executable).parent / "minsheng"
TOWN_LEVELS = {"town", "zone"}

# One call against the server with a client of its own; returns the response.
Call = Callable[[httpx.Client, int], httpx.Response]


@dataclass
class Result:
    """What one endpoint did under load: latencies of the answers that were right."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 of the latencies, in the same unit."""
    if len(latencies) < 2:
        only = latencies[0] if latencies else float("nan")
        return only, only
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


def drive(base_url: str, call: Call, *, clients: int, seconds: float, expect: int) -> Result:
    """Every client calls in a loop, one call at a time, until the time is up."""
    results = [Result(seconds) for _ in range(clients)]
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        out = results[n]
        with httpx.Client(base_url=base_url, timeout=60) as http:
            start.wait()
            stop = time.perf_counter() + seconds
            i = n - clients
            while time.perf_counter() < stop:
                i += clients
                t0 = time.perf_counter()
                try:
                    response = call(http, i)
                except httpx.HTTPError as exc:
                    out.failures[type(exc).__name__] += 1
                    continue
                elapsed = time.perf_counter() - t0
                if response.status_code == expect:
                    out.latencies.append(elapsed)
                else:
                    out.failures[str(response.status_code)] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    total = Result(time.perf_counter() - began)
    for r in results:
        total.latencies.extend(r.latencies)
        total.failures.update(r.failures)
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A temporary SQLite file, or the named PostgreSQL database created now and dropped after."""
    if not url:
        with tempfile.TemporaryDirectory(prefix="minsheng-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # Never reuse or drop a database this run did not create.
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            sys.exit(f"database {name} already exists: drop it or name another in --database-url")
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def own_server(database_url: str, workers: int) -> Iterator[str]:
    """init, demo and serve on a free port; the base URL until the server is stopped."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "MINSHENG_ENV": "development",
        "MINSHENG_DATABASE_URL": database_url,
        "MINSHENG_BASE_URL": base_url,
        # Every client is 127.0.0.1: the hourly limit would stop the run after ten requests.
        "MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR": str(10**9),
    }
    for step in (["init"], ["demo"]):
        subprocess.run([MINSHENG, *step], env=env, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [MINSHENG, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(base_url: str, server: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            sys.exit(f"the server did not start:\n{log.read().decode(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    sys.exit("the server was not up within 60 s")


def demo_token(http: httpx.Client) -> str:
    """A token of the demo administrator, to read the region tree (staff only)."""
    response = http.post(
        "/api/v1/auth/token", json={"username": "admin", "password": DEMO_PASSWORD}
    )
    if response.status_code != 200:
        sys.exit(
            "reading the regions needs a staff token: pass --token (no demo admin on this server)"
        )
    return str(response.json()["access_token"])


def choices(http: httpx.Client, token: str) -> tuple[list[str], list[str]]:
    """Codes of the categories residents may pick, and of the active towns."""
    categories = http.get("/api/v1/categories").raise_for_status().json()
    auth = {"Authorization": f"Bearer {token}"}
    regions = http.get("/api/v1/regions", headers=auth).raise_for_status().json()
    codes = [c["code"] for c in categories if c["accepts_public"] and c["active"]]
    towns = [r["code"] for r in regions if r["level"] in TOWN_LEVELS and r["active"] and r["code"]]
    if not codes or not towns:
        sys.exit("no public categories or towns on this server: run minsheng demo first")
    return codes, towns


def submission(categories: list[str], towns: list[str], token: str | None) -> Call:
    """A resident's web submission with a phone number, or one entered with --token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # Phones differ per run too, so that a second run on one server is not limited by phone.
    first = random.randrange(10**7)

    def call(http: httpx.Client, i: int) -> httpx.Response:
        body = {
            "category": categories[i % len(categories)],
            "title": f"基准测试诉求 {i}",
            "description": "路灯不亮已经一周，晚上行人看不清路面，请尽快修复。",
            "town": towns[i % len(towns)],
            "channel": "web",
            "contact": {"name": "测试", "phone": f"139{(first + i) % 10**8:08d}"},
        }
        return http.post("/api/v1/requests", json=body, headers=headers)

    return call


def health(http: httpx.Client, i: int) -> httpx.Response:
    return http.get("/healthz")


def show(label: str, result: Result) -> None:
    p50, p99 = percentiles(result.latencies)
    failed = sum(result.failures.values())
    print(
        f"  {label:<28} {result.per_second:8.1f} req/s   p50 {p50 * 1000:7.1f} ms"
        f"   p99 {p99 * 1000:7.1f} ms   ({len(result.latencies)} ok, {failed} failed)"
    )
    if failed:
        print(f"    failures: {dict(result.failures)}")


def measure(base_url: str, args: argparse.Namespace) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        token = args.token or demo_token(http)
        categories, towns = choices(http, token)
    submit = submission(categories, towns, args.token)
    load = {"clients": args.clients}
    drive(base_url, health, seconds=args.warmup, expect=200, **load)
    drive(base_url, submit, seconds=args.warmup, expect=201, **load)
    bare = drive(base_url, health, seconds=args.seconds, expect=200, **load)
    requests = drive(base_url, submit, seconds=args.seconds, expect=201, **load)
    who = "staff token" if args.token else "anonymous"
    print(f"server: {base_url}, {args.clients} clients, {args.seconds:g} s per endpoint")
    show("GET /healthz", bare)
    show(f"POST /requests ({who})", requests)
    speed = bare.per_second / requests.per_second if requests.per_second else float("inf")
    (b50, b99), (r50, r99) = percentiles(bare.latencies), percentiles(requests.latencies)
    print(f"  ratio: throughput healthz/requests {speed:.1f}x;", end=" ")
    print(f"latency requests/healthz p50 {r50 / b50:.1f}x, p99 {r99 / b99:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=15, help="measured time per endpoint")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured time per endpoint")
    parser.add_argument("--url", default=None, help="a running server; default start one")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL naming a database to create and drop; default a temporary SQLite",
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument(
        "--token", default=None, help="staff API token: submit as staff, not anonymously"
    )
    args = parser.parse_args()
    if args.url:
        measure(args.url.rstrip("/"), args)
        return
    with fresh_database(args.database_url) as url, own_server(url, args.workers) as base_url:
        print(f"database: {make_url(url).get_backend_name()}, server workers: {args.workers}")
        measure(base_url, args)


if __name__ == "__main__":
    main()
