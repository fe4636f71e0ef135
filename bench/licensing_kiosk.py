"""How long a prepared applicant takes on the web path, in a real browser, and what the license
PDF costs the server.

Run: `.venv/bin/python bench/licensing_kiosk.py [--runs 3] [--renders 20]
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/minsheng_bench]` (about three
minutes, most of it `minsheng init` and `minsheng demo`).

It starts its own server like http_requests.py (`minsheng init`, `minsheng demo` with
MINSHENG_DEMO_REQUESTS=0 and MINSHENG_DEMO_PROJECTS=0, then `minsheng serve` on a free port of a
temporary SQLite file, or of a PostgreSQL database it creates and drops), and drives Debian's
Chromium (/usr/bin/chromium) with Playwright through /licensing at the 千灯镇 office:
start → 身份信息 (name, ID number, phone, the SMS code) → 经营信息 (name parts, place, scope)
→ 核对提交 → the status page with the license → the license PDF. The applicant is prepared:
every answer is typed at machine speed, so the figures are what the system adds, not reading and
typing; the one-time code is read from the server's outbox (the log SMS backend), as the
applicant would read it from their phone. Each run is a new person and a new 字号.

Then the license PDF is fetched N times (the renderer's own time from its Server-Timing header,
and the wall time of the request) next to two baselines in the same run: GET /healthz (one
`SELECT 1`) and the guides' 个体经营知晓卡 PDF (/guides/cards/getihu.pdf, served from the guides'
PDF cache after the first request: a PDF response without rendering), with the ratios.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import create_engine, text
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_requests import fresh_database, own_server  # noqa: E402  (a sibling script)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
OFFICE = "qiandeng"
TRADE_NAMES = ["阿唐", "阿梅", "阿福", "阿贵", "阿秀", "阿康", "阿强", "阿英", "阿海", "阿兰"]
SCOPE = ("CY-001", "SP-001")  # 小餐饮；食品销售（仅销售预包装食品）


def person(run: int) -> dict[str, str]:
    """A fictional adult with a valid ID number and a phone of their own, one per run."""
    first17 = f"32058319{80 + run % 20:02d}0412{100 + run:03d}"
    return {
        "name": "唐美华",
        "id_number": first17 + ric.calc_check_digit(first17 + "0"),
        "phone": f"1390512{run:04d}",
        "trade_name": TRADE_NAMES[run % len(TRADE_NAMES)] + "记" * (run // len(TRADE_NAMES)),
    }


def sms_code(database_url: str, phone: str) -> str:
    """The newest one-time code texted to `phone`, from the server's outbox."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                body = conn.scalar(
                    text(
                        "SELECT body FROM outbound_message WHERE recipient = :p "
                        "ORDER BY id DESC LIMIT 1"
                    ),
                    {"p": phone},
                )
            found = re.search(r"\d{6}", body or "")
            if found:
                return found.group(0)
            time.sleep(0.05)
    finally:
        engine.dispose()
    sys.exit(f"no one-time code was texted to {phone}")


def apply_once(page: Page, base_url: str, database_url: str, run: int) -> tuple[dict, str]:
    """One registration through the web pages; seconds per step and the status page's URL."""
    who = person(run)
    times: dict[str, float] = {}

    def step(name: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        times[name] = time.perf_counter() - started

    def start() -> None:
        page.goto(f"{base_url}/licensing")
        page.select_option("#f-office", OFFICE)
        page.get_by_role("button", name="开始办理").click()
        page.wait_for_url("**/identity")

    def identity() -> None:
        page.fill("#f-operator_name", who["name"])
        page.fill("#f-id_number", who["id_number"])
        page.fill("#f-phone", who["phone"])
        page.get_by_role("button", name="获取验证码").click()
        page.wait_for_selector("#f-code")
        page.fill("#f-code", sms_code(database_url, who["phone"]))
        page.locator("button.primary", has_text="下一步").click()
        page.wait_for_url("**/business")

    def business() -> None:
        page.fill("#f-trade_name", who["trade_name"])
        page.fill("#f-industry_word", "面馆")
        page.fill("#f-form_word", "店")
        page.select_option("#f-town_id", label="千灯镇")
        page.select_option("#f-community_id", label="千灯社区")
        page.fill("#f-address", f"尚书路{10 + run}号")
        for code in SCOPE:
            page.check(f"input[name=scope_codes][value='{code}']")
        page.get_by_role("button", name="下一步：核对").click()
        page.wait_for_url("**/review")

    def submit() -> None:
        page.get_by_role("button", name="提交", exact=True).click()
        page.wait_for_url("**/licensing/status/*")
        page.wait_for_selector("text=营业执照已办好")

    def download() -> None:
        link = page.get_by_role("link", name="下载营业执照（正本）").get_attribute("href")
        response = page.request.get(f"{base_url}{link}")
        if response.status != 200 or not response.body().startswith(b"%PDF"):
            sys.exit(f"the license PDF did not come: HTTP {response.status}")

    for name, work in (
        ("开始（选服务点）", start),
        ("身份信息（含验证码）", identity),
        ("经营信息", business),
        ("核对提交（秒批）", submit),
        ("下载执照 PDF", download),
    ):
        step(name, work)
    return times, page.url


def timed(http: httpx.Client, url: str, n: int) -> tuple[list[float], list[float]]:
    """Wall milliseconds of n GETs, and the server's own `pdf` time when it reports one."""
    walls, server = [], []
    for _ in range(n):
        started = time.perf_counter()
        response = http.get(url)
        walls.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"GET {url}: HTTP {response.status_code}")
        found = re.search(r"pdf;dur=([\d.]+)", response.headers.get("server-timing", ""))
        if found:
            server.append(float(found.group(1)))
    return walls, server


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def show(label: str, values: list[float], base: float | None = None) -> None:
    mean = statistics.fmean(values)
    ratio = f"  ×{mean / base:.1f}" if base else ""
    print(f"  {label:<34} mean {mean:8.1f} ms  p95 {p95(values):8.1f} ms{ratio}")


def measure(base_url: str, database_url: str, args: argparse.Namespace) -> None:
    status_urls = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for run in range(args.runs):
                context = browser.new_context(locale="zh-CN")
                context.set_default_timeout(20_000)
                times, url = apply_once(context.new_page(), base_url, database_url, run)
                context.close()
                status_urls.append(url)
                print(f"run {run + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
                print(f"  total {sum(times.values()):.2f} s")
        finally:
            browser.close()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        pdf_url = status_urls[-1].removeprefix(base_url) + "/license.pdf"
        timed(http, pdf_url, 2)  # warm: fonts loaded, templates compiled
        timed(http, "/guides/cards/getihu.pdf", 2)
        health, _ = timed(http, "/healthz", args.renders)
        card, _ = timed(http, "/guides/cards/getihu.pdf", args.renders)
        walls, server = timed(http, pdf_url, args.renders)
    print(f"\nlicense PDF, {args.renders} renders (baselines in the same run):")
    show("GET /healthz", health)
    show("GET /guides/cards/getihu.pdf", card, statistics.fmean(health))
    show("GET …/license.pdf (wall)", walls, statistics.fmean(health))
    if server:
        show("license_pdf.render (Server-Timing)", server)
        print(
            f"  license wall / card wall: ×{statistics.fmean(walls) / statistics.fmean(card):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="applicants, one after the other")
    parser.add_argument("--renders", type=int, default=20, help="license PDFs fetched")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL naming a database to create and drop; default a temporary SQLite",
    )
    args = parser.parse_args()
    # A short demo: no year of requests or projects; the guides and licensing demos stay.
    for name in ("REQUESTS", "PROJECTS"):
        os.environ[f"MINSHENG_DEMO_{name}"] = "0"
    os.environ["MINSHENG_OTP_RESEND_SECONDS"] = "0"
    with fresh_database(args.database_url) as url, own_server(url, 1) as base_url:
        measure(base_url, url, args)


if __name__ == "__main__":
    main()
