"""The request loop as a newcomer walks it in a real browser: a QR box's poster is printed and
scanned, a resident reports with a phone photo, the handling unit accepts, answers and closes, the
resident's poor rating reopens it (重办), a second answer is rated well and the request stays
closed; and a hotline call entered late is due after the National Day holiday, overdue on the
supervisor's lists and counted on the ranking page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy.orm import Session

from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.org import service as org
from minsheng.requests import service
from minsheng.requests.models import Channel
from minsheng.requests.schemas import RequestCreate
from tests import pdftools

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
GPS_IFD = 0x8825
NUMBER = re.compile(r"KS\d{8}-\d{4}")

# The demo account `handler` works in this unit, so a box answered by it reaches them.
UNIT = "昆山市住房和城乡建设局"
BOX = "长泾花苑北门"
BOX_ADDRESS = "长泾路188号长泾花苑北门岗亭旁"
TITLE = "北门岗亭边的窨井盖塌了一半"
DESCRIPTION = "北门岗亭东边人行道上的窨井盖塌下去一半，晚上看不清，已经有老人踩空崴了脚。"
FIRST_REPLY = "已到现场查看，井盖底座开裂，今天先用围挡围住，明天更换井盖。"
FIRST_CLOSE = "已更换新的球墨铸铁井盖并恢复人行道路面。"
REASON = "新井盖比路面高出三厘米，晚上还是会绊脚。"
SECOND_CLOSE = "已重新调平井盖底座，井盖与路面齐平，围挡已撤除。"


@pytest.fixture
def demo(db: Session) -> None:
    """Every module's demo data (accounts, units, places, categories, boxes), committed."""
    for m in sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order):
        assert m.demo is not None
        m.demo(db, lambda s: None)
    db.commit()


@pytest.fixture
def another_request(db: Session, demo: None) -> str:
    """A web report to the same unit, so that the handler's filters have something to leave out."""
    town = next(r for r in org.list_regions(db) if r.name == "玉山镇")
    data = RequestCreate(
        category="housing.leak",
        title="楼顶渗水到六楼卧室",
        description="下雨后六楼卧室天花板一直渗水，墙皮大片脱落。",
        town=town.code or str(town.id),
        channel=Channel.web,
    )
    created, _ = service.submit(db, data=data, client_addr="192.0.2.10")
    db.commit()
    return created.tracking_number


@pytest.fixture
def browse(
    request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext]
) -> Iterator[Callable[..., Page]]:
    """Opens a tab per person in a context of their own; each is screenshotted if the test fails."""
    pages: dict[str, Page] = {}

    def open_as(who: str, *, javascript: bool, **kwargs: object) -> Page:
        pages[who] = new_context(java_script_enabled=javascript, **kwargs).new_page()
        return pages[who]

    yield open_as
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for who, page in pages.items():
            shot = ARTIFACTS / f"failed-{request.node.name}-{who}.png"
            page.screenshot(path=str(shot), full_page=True)


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def go_to(page: Page, item: str) -> None:
    """Follows an item of the staff navigation, as a person would."""
    nav = page.get_by_role("navigation", name="工作台导航")
    nav.get_by_role("link", name=item, exact=True).click()


def choose(select: Locator, text: str) -> None:
    """Picks the option that reads `text`; tree selects indent names with full-width spaces."""
    option = select.locator("option").filter(
        has_text=re.compile(rf"^[\s\u3000]*{re.escape(text)}$")
    )
    expect(option).to_have_count(1)
    value = option.get_attribute("value")
    assert value, text
    select.select_option(value)


def value_of(page: Page, term: str) -> Locator:
    """The <dd> after the <dt> that reads `term`, in a page's list of facts."""
    return page.locator("dt", has_text=re.compile(rf"^{term}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def phone_photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    """A JPEG as a phone saves it: the camera's make and where it was taken in its EXIF."""
    image = Image.new("RGB", (1200, 900), colour)
    for x in range(200, 1000):  # something in the picture, not a flat colour
        image.putpixel((x, 450), (20, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 23.0, 4.5), 3: "E", 4: (120.0, 57.0, 9.0)})
    path = folder / name
    image.save(path, "JPEG", exif=exif, quality=85)
    assert Image.open(path).getexif().get_ifd(GPS_IFD)[1] == "N"
    return path


def shown_image(page: Page, img: Locator) -> Image.Image:
    """The picture an <img> on the page shows, fetched as this browser would (same cookies)."""
    src = img.get_attribute("src")
    assert src, "the image has no src"
    response = page.context.request.get(src)
    assert response.ok, (src, response.status)
    assert response.headers["content-type"].startswith("image/"), response.headers
    image = Image.open(io.BytesIO(response.body()))
    image.load()
    assert not image.getexif().get_ifd(GPS_IFD), "the place it was taken is still in the photo"
    return image


def this_month() -> str:
    return dt.datetime.now(ZoneInfo(get_settings().timezone)).strftime("%Y-%m")


# The resident's and the handler's paths


def admin_puts_up_a_box(admin: Page, tmp_path: Path) -> str:
    """The administrator creates a QR box for the handler's unit and prints its poster; the path
    the poster's QR code leads to, read back from the printed page."""
    sign_in(admin, "admin")
    go_to(admin, "二维码意见箱")
    expect(admin.get_by_role("heading", name="二维码意见箱", level=1)).to_be_visible()
    admin.get_by_role("link", name="新增意见箱").click()
    admin.get_by_label("意见箱名称").fill(BOX)
    choose(admin.get_by_label("所在区镇"), "周市镇")
    choose(admin.get_by_label("社区或村"), "长泾社区")
    admin.get_by_label("详细地址").fill(BOX_ADDRESS)
    choose(admin.get_by_label("责任单位"), UNIT)
    admin.get_by_role("button", name="保存").click()

    expect(admin.get_by_role("status")).to_contain_text("已保存")
    expect(admin.get_by_role("heading", name=BOX, level=1)).to_be_visible()
    expect(value_of(admin, "责任单位")).to_have_text(UNIT)
    expect(value_of(admin, "地点")).to_contain_text("周市镇 · 长泾社区")
    scan_url = value_of(admin, "扫码地址").inner_text().strip()

    poster = admin.get_by_role("link", name="下载 A4 海报（PDF）")
    href = poster.get_attribute("href")
    assert href
    response = admin.context.request.get(href)
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    pdf = pdftools.save(response.body(), tmp_path, "poster.pdf")
    text = pdftools.text_of(pdf)
    assert "码上反映" in text and BOX in text, text
    [png] = pdftools.pages_as_png(pdf)
    codes = pdftools.qr_codes_in(png)
    assert codes == [scan_url], codes
    path = urlsplit(codes[0]).path
    assert re.fullmatch(r"/b/[a-z0-9]+", path), path
    return path


def resident_reports_from_the_poster(resident: Page, scanned: str, photo: Path) -> tuple[str, str]:
    """Scans, reports with a photo; the tracking number and the follow link the page gives."""
    resident.goto(scanned)
    expect(resident).to_have_url(re.compile(r"/report\?box=[a-z0-9]+$"))
    expect(resident.get_by_role("heading", name="反映问题", level=1)).to_be_visible()
    place = resident.locator("#box-place")
    expect(place).to_contain_text("您在：")
    expect(place).to_contain_text(BOX)
    expect(place).to_contain_text(BOX_ADDRESS)
    expect(place).to_contain_text("周市镇长泾社区")
    expect(resident.get_by_label("所在区镇")).to_have_count(0)  # the box says where it is

    resident.get_by_label("问题类别").select_option(label="道路破损")
    resident.get_by_label("标题").fill(TITLE)
    resident.get_by_label("详细情况").fill(DESCRIPTION)
    resident.get_by_label("照片（选填）").set_input_files(photo)
    resident.get_by_label("具体位置").fill("北门岗亭东侧人行道")
    resident.get_by_label("怎么称呼您").fill("刘先生")
    resident.get_by_label("手机号码").fill("139 1234 5678")
    resident.get_by_role("button", name="提交").click()

    expect(resident.get_by_role("heading", name="已收到您反映的问题", level=1)).to_be_visible()
    number = resident.locator(".tracking-number").inner_text().strip()
    assert NUMBER.fullmatch(number), number
    expect(resident.get_by_text("已收到您上传的 1 张照片。")).to_be_visible()
    expect(resident.get_by_text(f"已派给“{UNIT}”办理。")).to_be_visible()

    resident.locator("a.follow-link").click()
    expect(resident).to_have_url(re.compile(r"/f/[A-Za-z0-9_-]+$"))
    follow = urlsplit(resident.url).path
    expect(resident.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(value_of(resident, "受理编号")).to_have_text(number)
    expect(value_of(resident, "办理状态")).to_have_text("待签收")
    expect(value_of(resident, "承办单位")).to_have_text(UNIT)
    expect(resident.get_by_text("通过扫码反映受理")).to_be_visible()
    return number, follow


def handler_finds_it(handler: Page, number: str, *, flagged: bool = False) -> None:
    """From the workbench, narrowed by a filter, to the request's own page."""
    go_to(handler, "诉求工作台")
    expect(handler.get_by_role("heading", name="诉求工作台", level=1)).to_be_visible()
    expect(handler.get_by_text("共 2 件")).to_be_visible()  # this one and the web report
    if flagged:
        handler.get_by_label("只看已标记").check()
    else:
        handler.get_by_label("渠道").select_option(label="扫码反映")
    handler.get_by_role("button", name="筛选", exact=True).click()
    expect(handler.get_by_text("共 1 件")).to_be_visible()
    row = handler.get_by_role("row").filter(has=handler.get_by_role("link", name=number))
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("扫码反映")
    expect(row).to_contain_text("办理中" if flagged else "待签收")
    if flagged:
        expect(row).to_contain_text("已标记")
    row.get_by_role("link", name=number).click()
    expect(handler.get_by_role("heading", name=TITLE, level=1)).to_be_visible()


def handler_closes(handler: Page, text: str) -> None:
    handler.get_by_label("办理结果").select_option(label="已解决")
    handler.get_by_label("办结答复").fill(text)
    handler.get_by_role("button", name="办结", exact=True).click()
    expect(handler.get_by_role("status")).to_have_text("已办结，群众会收到评价邀请。")
    expect(handler.locator(".page-head")).to_contain_text("已办结")
    expect(value_of(handler, "办理结果")).to_have_text("已解决")


def resident_rates(resident: Page, resolved: str, satisfaction: str, reason: str = "") -> None:
    expect(resident.get_by_role("heading", name="请您评价")).to_be_visible()
    resident.get_by_label(resolved, exact=True).check()
    resident.get_by_label(satisfaction, exact=True).check()
    if reason:
        resident.get_by_label("想说的话（选填）").fill(reason)
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_text("谢谢您的评价！")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_from_a_scanned_poster_to_a_reopening_and_a_good_rating(
    browse: Callable[..., Page],
    another_request: str,
    tmp_path: Path,
    javascript: bool,
) -> None:
    scanned = admin_puts_up_a_box(browse("admin", javascript=javascript), tmp_path)
    resident = browse("resident", javascript=javascript, viewport=PHONE)
    if javascript:  # htmx loads the pages in place; without it both runs would be the same
        resident.goto("/")
        assert resident.evaluate("typeof window.htmx") == "object"
    report_photo = phone_photo(tmp_path, "manhole.jpg", (120, 130, 140))
    number, follow = resident_reports_from_the_poster(resident, scanned, report_photo)

    # The handler of the box's unit: accept, answer with a photo, close.
    handler = browse("handler", javascript=javascript)
    sign_in(handler, "handler")
    handler_finds_it(handler, number)
    expect(handler.locator(".page-head")).to_contain_text("待签收")
    expect(value_of(handler, "渠道")).to_have_text("扫码反映")
    expect(value_of(handler, "详细地址")).to_contain_text("北门岗亭东侧人行道")
    sent = handler.get_by_role("img", name="群众上传的第 1 张照片")
    assert shown_image(handler, sent).size[0] > 100
    handler.get_by_role("button", name="签收", exact=True).click()
    expect(handler.get_by_role("status")).to_have_text("已签收，请尽快办理。")
    expect(handler.locator(".page-head")).to_contain_text("办理中")

    handler.get_by_label("答复内容").fill(FIRST_REPLY)
    fenced = phone_photo(tmp_path, "fenced.jpg", (200, 160, 40))
    handler.get_by_label("照片（可不传）").set_input_files(fenced)
    handler.get_by_role("button", name="发送答复").click()
    expect(handler.get_by_role("status")).to_have_text("已答复群众。")
    expect(handler.get_by_role("img", name="答复附带的第 1 张照片")).to_be_visible()
    handler_closes(handler, FIRST_CLOSE)

    # The resident sees the answer and its photo, and says it is not solved.
    resident.goto(follow)
    expect(value_of(resident, "办理状态")).to_have_text("已办结")
    expect(value_of(resident, "办理结果")).to_have_text("已解决")
    reply = resident.locator("ol.timeline > li").filter(has_text=FIRST_REPLY)
    expect(reply).to_contain_text("答复")
    photo = reply.get_by_role("img")
    expect(photo).to_have_count(1)
    expect(photo).to_be_visible()
    assert shown_image(resident, photo).size[0] > 100
    expect(resident.locator("ol.timeline")).to_contain_text(FIRST_CLOSE)
    resident_rates(resident, "未解决", "不满意", REASON)
    expect(resident.get_by_text("已转回承办单位重新办理，办结后还会请您评价。")).to_be_visible()
    expect(value_of(resident, "办理状态")).to_have_text("办理中")
    reopened = resident.locator("ol.timeline > li").filter(has_text="重办")
    expect(reopened).to_contain_text(REASON)
    expect(resident.get_by_role("heading", name="请您评价")).to_have_count(0)

    # Back in the handler's queue, marked; handled again and closed.
    handler_finds_it(handler, number, flagged=True)
    expect(handler.locator(".page-head")).to_contain_text("已标记")
    expect(value_of(handler, "重办次数")).to_have_text("1")
    ratings = handler.get_by_role("table", name="群众评价")
    expect(ratings).to_contain_text("未解决")
    expect(ratings).to_contain_text("不满意")
    expect(ratings).to_contain_text(REASON)
    expect(handler.locator("ol.timeline")).to_contain_text(f"第 1 次重办：{REASON}")
    handler_closes(handler, SECOND_CLOSE)

    # Rated well this time: closed for good, nothing more to rate.
    resident.goto(follow)
    expect(resident.locator("ol.timeline")).to_contain_text(SECOND_CLOSE)
    resident_rates(resident, "解决", "满意")
    expect(resident.get_by_text("已转回承办单位重新办理")).to_have_count(0)
    expect(value_of(resident, "办理状态")).to_have_text("已办结")
    resident.reload()
    expect(value_of(resident, "办理状态")).to_have_text("已办结")
    expect(resident.get_by_role("heading", name="请您评价")).to_have_count(0)

    handler.reload()
    expect(handler.locator(".page-head")).to_contain_text("已办结")
    expect(handler.get_by_role("button", name="办结", exact=True)).to_have_count(0)
    expect(handler.get_by_role("table", name="群众评价").locator("tbody tr")).to_have_count(2)


def test_this_months_rates_count_the_loop_as_answered_on_time_solved_and_satisfied(
    browse: Callable[..., Page], another_request: str, tmp_path: Path
) -> None:
    resident = browse("resident", javascript=True, viewport=PHONE)
    scanned = admin_puts_up_a_box(browse("admin", javascript=True), tmp_path)
    photo = phone_photo(tmp_path, "manhole.jpg", (120, 130, 140))
    number, follow = resident_reports_from_the_poster(resident, scanned, photo)
    handler = browse("handler", javascript=True)
    sign_in(handler, "handler")
    handler.goto(f"/staff/requests/{number}")
    handler.get_by_role("button", name="签收", exact=True).click()
    handler_closes(handler, FIRST_CLOSE)
    resident.goto(follow)
    resident_rates(resident, "解决", "基本满意")

    supervisor = browse("supervisor", javascript=True)
    sign_in(supervisor, "supervisor")
    go_to(supervisor, "三率排名")
    supervisor.get_by_label("月份").select_option(this_month())
    supervisor.get_by_role("button", name="查看").click()
    year, month = this_month().split("-")
    heading = f"三率排名 · {int(year)}年{int(month)}月"
    expect(supervisor.get_by_role("heading", name=heading, level=1)).to_be_visible()
    # Two requests this month at the unit; the web report is still inside both its limits.
    row = supervisor.locator("tbody tr").filter(has=supervisor.get_by_role("rowheader", name=UNIT))
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(row.locator(".rate-response")).to_have_text(re.compile(r"100\.0%\s*（1/1）"))
    expect(row.locator(".rate-resolution")).to_have_text(re.compile(r"100\.0%\s*（1/1）"))
    basic = get_settings().basic_weight
    figure = re.escape(f"{basic * 100:.1f}%") + r"\s*" + re.escape(f"（{basic:g}/1）")
    expect(row.locator(".rate-satisfaction")).to_have_text(re.compile(figure))
    expect(supervisor.locator(".city-rates")).to_contain_text("计算方法")


# The operator's and the supervisor's paths


def test_a_late_hotline_entry_is_due_after_the_holiday_and_shows_on_supervision_and_rankings(
    browse: Callable[..., Page], demo: None
) -> None:
    operator = browse("operator", javascript=True)
    sign_in(operator, "operator")
    go_to(operator, "录入诉求")
    expect(operator.get_by_role("heading", name="录入诉求", level=1)).to_be_visible()
    operator.get_by_label("受理方式").select_option(label="热线电话")
    # The call came in on the eve of the National Day holiday and is entered only now.
    operator.get_by_label("受理时间").fill("2026-09-30T10:00")
    operator.get_by_label("问题类别").select_option(label="道路破损")
    operator.get_by_label("标题").fill("前进路公交站台前路面大坑")
    operator.get_by_label("详细情况").fill(
        "前进路公交站台正前方路面塌出一个大坑，公交车进站时溅水，乘客下车容易踩进去。"
    )
    operator.get_by_label("所在区镇").select_option(label="玉山镇")
    operator.get_by_label("详细地址").fill("前进路公交站台")
    operator.get_by_label("姓名或称呼").fill("陈女士")
    operator.get_by_label("手机号码").fill("13712345678")
    operator.get_by_role("button", name="保存并派单").click()

    expect(operator).to_have_url(re.compile(r"/staff/requests/KS20260930-\d{4}$"))
    number = urlsplit(operator.url).path.rsplit("/", 1)[1]
    expect(operator.get_by_role("heading", name="前进路公交站台前路面大坑")).to_be_visible()
    expect(value_of(operator, "渠道")).to_have_text("热线电话")
    expect(value_of(operator, "承办单位")).to_have_text(UNIT)
    expect(value_of(operator, "受理时间")).to_have_text("2026-09-30 10:00")
    # 7 working days after 9-30: 10-8, 10-9, 10-10 (a make-up Saturday), 10-12 … 10-15.
    expect(value_of(operator, "办结时限")).to_contain_text("2026-10-16 00:00")
    expect(value_of(operator, "办结时限")).to_contain_text("已超期")
    expect(operator.locator(".page-head")).to_contain_text("待签收")

    supervisor = browse("supervisor", javascript=True)
    sign_in(supervisor, "supervisor")
    go_to(supervisor, "督办工作台")
    expect(supervisor.get_by_role("heading", name="督办工作台", level=1)).to_be_visible()
    expect(supervisor.get_by_role("heading", name="已超期（1）")).to_be_visible()
    late = supervisor.get_by_role("table", name="已超期（1）")
    row = late.get_by_role("row").filter(has=supervisor.get_by_role("link", name=number))
    expect(row).to_contain_text(UNIT)
    expect(row).to_contain_text("2026-10-16 00:00")
    expect(row).to_contain_text("待签收")

    go_to(supervisor, "三率排名")
    supervisor.get_by_label("月份").select_option("2026-09")
    supervisor.get_by_role("button", name="查看").click()
    expect(supervisor.get_by_role("heading", name="三率排名 · 2026年9月", level=1)).to_be_visible()
    # Never accepted and still open long past both limits: it counts against the unit.
    row = supervisor.locator("tbody tr").filter(has=supervisor.get_by_role("rowheader", name=UNIT))
    expect(row.locator("td").nth(0)).to_have_text("1")  # its rank
    expect(row.locator("td").nth(1)).to_have_text("1")  # requests received
    for rate in ("response", "resolution", "satisfaction"):
        expect(row.locator(f".rate-{rate}")).to_have_text(re.compile(r"0\.0%\s*（0/1）"))
    city = supervisor.locator("tfoot tr")
    expect(city).to_contain_text("全市")
    expect(city.locator(".rate-response")).to_have_text(re.compile(r"0\.0%\s*（0/1）"))
