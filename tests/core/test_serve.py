"""`minsheng serve` as an operator runs it: a real server process on a real port."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.core.conftest import MINSHENG, Cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(cli: Cli, *args: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(MINSHENG), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=cli.cwd,
        env=cli.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            process.kill()
            raise AssertionError(process.communicate()[0].decode())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_answers_health_pages_and_api_over_http(cli: Cli) -> None:
    assert cli("init").returncode == 0
    assert cli("demo").returncode == 0
    with serving(cli) as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        home = httpx.get(f"{base}/")
        assert home.status_code == 200 and "有事找政府" in home.text
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            json={"username": "admin", "password": "minsheng-demo-2026"},
        )
        assert token.status_code == 200 and token.json()["token_type"] == "bearer"
        units = httpx.get(
            f"{base}/api/v1/units",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert any(u["name"] == "昆山乐成置业有限公司" for u in units.json())


@pytest.mark.postgres_only
def test_several_app_processes_share_one_postgresql(cli: Cli) -> None:
    assert cli("init").returncode == 0 and cli("demo").returncode == 0
    with serving(cli, "--workers", "2") as base:
        # Sign-in in one process, use of the token in whichever process answers next.
        for _ in range(6):
            token = httpx.post(
                f"{base}/api/v1/auth/token",
                json={"username": "admin", "password": "minsheng-demo-2026"},
            ).json()["access_token"]
            me = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.json()["username"] == "admin"


@pytest.mark.sqlite_only
def test_several_processes_on_sqlite_are_refused_with_a_reason(cli: Cli) -> None:
    assert cli("init").returncode == 0
    result = cli("serve", "--workers", "2")
    assert result.returncode == 2
    assert "SQLite 只能用单进程运行" in result.stderr
