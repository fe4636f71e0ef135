"""The rankings page for supervisors and the public summary of the three rates: the figures are
feedback.rates.rates for the month, each with its counts and formula, and no one's details."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import StaffUser
from minsheng.core.db import utcnow
from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.feedback import charts, rates, service
from minsheng.feedback.models import RatedVia
from minsheng.feedback.schemas import Rate, RatesReport, RatingCreate
from minsheng.requests import flows
from minsheng.requests import service as requests
from minsheng.requests.models import CitizenRequest, Outcome
from minsheng.requests.schemas import RequestCreate
from minsheng.web.i18n import translations
from tests.conftest import login
from tests.requests import BACHENG, PHONE, ZHOUSHI

NAME = "王小明"
TITLE_WITH_PHONE = f"楼上漏水请回电{PHONE}"
TEMPLATES = Path(__file__).parents[2] / "src/minsheng/web/templates/feedback"


def last_month() -> tuple[str, dt.datetime]:
    """The last full month as YYYY-MM, and 09:00 on its 10th (local time)."""
    today = utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()
    day = today.replace(day=1) - dt.timedelta(days=1)
    return f"{day:%Y-%m}", dt.datetime(day.year, day.month, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def principal(db, username: str):
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return accounts.principal(db, user=user)


@pytest.fixture
def month(db) -> str:
    """Last month: two leaks for the housing bureau (one rated well, one reopened), a stall
    the town never accepted, and one still in the centre's triage queue; all with a phone."""
    for m in sorted(
        (m for m in load_modules() if m.demo and m.name != "requests"), key=lambda m: m.demo_order
    ):
        assert m.demo is not None
        m.demo(db, lambda _step: None)
    db.commit()
    name, received = last_month()
    operator, handler = principal(db, "operator"), principal(db, "handler")

    def entered(category: str, town: str, hour: int) -> CitizenRequest:
        data = RequestCreate(
            category=category,
            title=TITLE_WITH_PHONE,
            description="楼上卫生间漏水，已经渗到我家天花板，墙面发霉。",
            town=town,
            channel="hotline",
            contact={"name": NAME, "phone": PHONE},
            received_at=received + dt.timedelta(hours=hour),
        )
        request, _ = requests.submit(db, data=data, staff=operator)
        return request

    solved = entered("housing.leak", BACHENG, 0)
    reopened = entered("housing.leak", ZHOUSHI, 1)
    entered("urban.stall", BACHENG, 2)
    entered("other", BACHENG, 3)
    for request in (solved, reopened):
        flows.accept(db, request, staff=handler)
        flows.close(db, request, staff=handler, outcome=Outcome.resolved, text="已修好漏水点。")
    solved.accepted_at = solved.received_at + dt.timedelta(minutes=30)  # in time, as it went
    service.rate(
        db, solved, data=RatingCreate(resolved=True, satisfaction="satisfied"), via=RatedVia.link
    )
    service.rate(
        db,
        reopened,
        data=RatingCreate(resolved=False, satisfaction="dissatisfied", reason="还在漏"),
        via=RatedVia.link,
    )
    db.commit()
    return name


def figure(rate: Rate) -> str:
    value = "—" if rate.value is None else f"{rate.value * 100:.1f}%"
    count = f"（{rate.numerator:g}/{rate.denominator}）"
    return f'<span class="figure">{value}</span> <span class="count">{count}</span>'


def table_rows(page: str) -> dict[str, str]:
    """Each table row's HTML by its data-key (unit id, division code, or all)."""
    return dict(re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', page, flags=re.S))


def assert_page_matches(page: str, report: RatesReport) -> None:
    rows = table_rows(page)
    assert list(rows) == [row.key for row in report.rows] + ["all"]  # in ranking order
    for row in [*report.rows, report.city]:
        cells = rows[row.key]
        assert f">{html.escape(row.name)}</th>" in cells or row.key == "all"
        assert re.search(rf'data-label="受理数">{row.requests}</td>', cells)
        for key in ("response", "resolution", "satisfaction"):
            assert figure(getattr(row, key)) in cells, (row.name, key)


def test_rankings_show_the_three_rates_of_last_month_by_unit_and_by_town(client, db, month):
    login(client, "supervisor", DEMO_PASSWORD)
    page = client.get("/staff/rankings")  # last month unless another is chosen
    assert page.status_code == 200
    year, number = month.split("-")
    assert f"<h1>三率排名 · {int(year)}年{int(number)}月</h1>" in page.text
    assert f'<option value="{month}" selected>' in page.text
    by_unit = rates.rates(db, month=month, by="unit")
    db.commit()
    assert_page_matches(page.text, by_unit)
    assert {r.name for r in by_unit.rows} >= {"昆山市住房和城乡建设局", "巴城镇人民政府"}
    for formula in rates.formulas().values():  # beside each figure and over each column
        assert page.text.count(html.escape(formula)) == 2

    by_town = client.get("/staff/rankings", params={"month": month, "by": "town"}).text
    report = rates.rates(db, month=month, by="town")
    db.commit()
    assert_page_matches(by_town, report)
    assert [r.name for r in report.rows] and 'aria-current="page">按区镇</a>' in by_town


def test_the_chart_draws_the_table_figures_and_says_them_in_words(client, db, month):
    login(client, "operator", DEMO_PASSWORD)
    page = client.get("/staff/rankings", params={"month": month, "chart": "response"}).text
    report = rates.rates(db, month=month, by="unit")
    db.commit()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in svg
    assert "响应率" in re.search(r'<title id="chart-title">([^<]*)</title>', svg).group(1)
    desc = re.search(r'<desc id="chart-desc">([^<]*)</desc>', svg).group(1)
    for row in report.rows:
        value = "—" if row.response.value is None else f"{row.response.value * 100:.1f}%"
        assert f"{html.escape(row.name)} {value}" in desc
        width = round(charts.BAR_AREA * (row.response.value or 0), 1)
        assert f'width="{width}"' in svg
    assert "<script" not in page.split("</head>")[1]


def test_public_rates_show_the_city_and_each_town_without_personal_data(client, db, month):
    page = client.get("/rates", params={"month": month})
    assert page.status_code == 200
    text = page.text
    report = rates.rates(db, month=month, by="town")
    db.commit()
    assert_page_matches(text, report)
    assert {r.name for r in report.rows} == {"巴城镇", "周市镇"}
    for key in ("response", "resolution", "satisfaction"):
        assert figure(getattr(report.city, key)) in text
        assert f"计算方法：{html.escape(rates.formulas()[key])}" in text
    assert PHONE not in text and "138****5678" not in text and NAME not in text
    assert "王**" not in text and "楼上漏水" not in text and "还在漏" not in text
    assert "<svg" in text and "各区镇" in text


def test_rankings_need_the_rankings_permission(client, db, month):
    anonymous = client.get("/staff/rankings", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    login(client, "handler", DEMO_PASSWORD)
    refused = client.get("/staff/rankings")
    assert refused.status_code == 403 and "您没有权限" in refused.text
    assert 'href="/staff/rankings"' not in client.get("/staff").text  # not offered either


def test_a_bad_month_is_explained_and_last_month_shown(client, db, month):
    page = client.get("/rates", params={"month": "2026-13"})
    assert page.status_code == 422
    assert re.search(r'id="e-month" role="alert">月份格式应为 YYYY-MM', page.text)
    assert f'<option value="{month}" selected>' in page.text
    empty = client.get("/rates", params={"month": "2019-01"})
    assert empty.status_code == 200 and "这个月没有受理的诉求" in empty.text
    assert '<option value="2019-01" selected>' in empty.text and "本月没有可计的诉求" in empty.text


def test_rankings_are_in_the_staff_navigation_and_rates_on_the_home_page(client, db, month):
    assert '<a class="tile" href="/rates"><span class="tile-title">办理情况</span>' in (
        client.get("/").text
    )
    login(client, "supervisor", DEMO_PASSWORD)
    assert '<a href="/staff/rankings" >三率排名</a>' in client.get("/staff").text


def test_every_rankings_text_has_an_english_translation(client, db, month):
    texts: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", source))
        texts |= set(re.findall(r"""(?:label|empty)=["']([^"']+)["']""", source))
    texts |= set(rates.formulas().values()) | {"响应率", "解决率", "满意率", "按单位", "按区镇"}
    english = translations("en")
    chinese = {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}
    assert sorted(t for t in chinese if english.gettext(t) == t) == []
    for text in chinese:
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)
    client.cookies.set("minsheng_lang", "en")
    page = client.get("/rates", params={"month": month}).text
    assert "How requests are handled" in page and "Satisfaction rate" in page
