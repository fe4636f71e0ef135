"""Real-browser fixtures: the app on a real HTTP port, and Debian's Chromium driven by Playwright.

A browser that cannot start is a failure, never a skip: a green run must mean the pages were seen.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from minsheng.core.db import Database
from minsheng.core.settings import get_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept on the item so the page fixture can screenshot a failed test for CI artifacts.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class LiveServer:
    """uvicorn serving the app in a background thread, on a free port of 127.0.0.1."""

    def __init__(self, database: Database) -> None:
        from minsheng.app import create_app

        app = create_app(get_settings(), database=database, run_jobs=True)
        # Bound here, before the thread starts, so no other process can take the port meanwhile.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.socket]},
            name="live-server",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the live server did not start (see the log above)")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture
def live_server(database: Database) -> Iterator[LiveServer]:
    """The app over real HTTP, with the job runner, on this test's own database."""
    server = LiveServer(database)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        required = os.environ.get("MINSHENG_REQUIRE_BROWSER") == "1"
        why = "CI requires it (MINSHENG_REQUIRE_BROWSER=1)" if required else "tests do not skip"
        pytest.fail(
            f"Chromium could not be launched from {CHROMIUM}; {why}. Install it with: "
            f"apt-get install chromium fonts-noto-cjk\n{exc}",
            pytrace=False,
        )
    yield browser
    browser.close()


def _new_context(browser: Browser, live_server: LiveServer, **kwargs: object) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **kwargs)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """Makes extra browser contexts (e.g. with JavaScript off); all closed after the test."""
    made: list[BrowserContext] = []

    def make(**kwargs: object) -> BrowserContext:
        made.append(_new_context(browser, live_server, **kwargs))
        return made[-1]

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A fresh tab on the live server; screenshotted into test-artifacts/ if the test fails."""
    context = _new_context(browser, live_server)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()
