"""The staff workbench: the queue with its filters and counts, a request's page with its masking,
and every action form, including the stale-form case (someone else acted first)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image

from minsheng.core.db import utcnow
from minsheng.org.models import Unit
from minsheng.requests.models import DueColour, Status
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import login
from tests.requests import BACHENG, HOUSING_BUREAU, MASKED_PHONE, PHONE, ZHOUSHI, load_demo
from tests.requests.workbench import (
    STALE,
    TOWN_GOVERNMENT,
    XSS,
    accepted,
    act,
    assert_done,
    assert_stale,
    change,
    field_error,
    make,
    sign_in,
    stored,
    unit_id,
    version_in,
)


@pytest.fixture
def kunshan(db) -> None:
    load_demo(db)


def row_of(page: str, tracking_number: str) -> str:
    match = re.search(
        rf"<tr>\s*<td><a href=\"/staff/requests/{tracking_number}\">.*?</tr>", page, re.S
    )
    assert match, f"{tracking_number} is not listed"
    return match.group(0)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# The queue


def test_handler_sees_only_his_units_requests(client, db, kunshan):
    leak = make(db)
    stall = make(db, category="urban.stall", title="夜市摊贩占道")  # to 巴城镇人民政府
    sign_in(client, "handler")
    page = client.get("/staff/requests")
    assert page.status_code == 200
    assert leak in page.text and "楼顶漏水" in page.text
    assert stall not in page.text and "夜市摊贩占道" not in page.text
    assert client.get(f"/staff/requests/{stall}").status_code == 403
    assert client.get(f"/staff/requests/{leak}").status_code == 200


def test_operator_sees_the_city_with_counts_by_status_and_due_colour(client, db, kunshan):
    leak = make(db)
    late = make(db, title="外墙渗水三个月")
    soon = make(db, title="阳台渗水")
    make(db, category="consult", title="公积金怎么提取")  # to the centre's triage queue
    make(db, category="urban.stall", title="夜市摊贩占道")
    change(db, late, resolve_due_at=utcnow() - dt.timedelta(hours=2), due_colour=DueColour.red)
    change(db, soon, due_colour=DueColour.yellow)
    sign_in(client, "operator")
    page = client.get("/staff/requests").text
    assert "全部（5）" in page
    assert "待分拣（1）" in page and "待签收（4）" in page and "办理中（0）" in page
    assert "正常（3）" in page
    assert re.search(r'<span class="due due-yellow">即将超期</span>（1）', page)
    assert re.search(r'<span class="due due-red">已超期</span>（1）', page)
    assert '<span class="due due-red">已超期</span>' in row_of(page, late)
    assert '<span class="due due-yellow">即将超期</span>' in row_of(page, soon)
    assert "due-" not in row_of(page, leak)
    # Past its limit, a request is overdue before the sweep has coloured it.
    change(db, leak, resolve_due_at=utcnow() - dt.timedelta(minutes=1))
    assert "已超期" in row_of(client.get("/staff/requests").text, leak)
    assert "共 5 件" in page


def test_filters_narrow_the_queue(client, db, kunshan):
    leak = make(db)
    stall = make(db, category="urban.stall", title="夜市摊贩占道", channel="web")
    zhoushi = make(db, town=ZHOUSHI, title="周市楼顶漏水")
    old = make(db, title="去年的漏水", received_at=utcnow() - dt.timedelta(days=40))
    change(db, stall, flagged=True)
    change(db, zhoushi, due_colour=DueColour.yellow)
    sign_in(client, "operator")

    def listed(query: str) -> set[str]:
        page = client.get(f"/staff/requests?{query}")
        assert page.status_code == 200, query
        found = set(re.findall(r'<td><a href="/staff/requests/([^"]+)">', page.text))
        return found & {leak, stall, zhoushi, old}

    assert listed("") == {leak, stall, zhoushi, old}
    assert listed("category=housing") == {leak, zhoushi, old}
    assert listed("category=urban.stall") == {stall}
    assert listed("channel=web") == {stall}
    assert listed(f"town={ZHOUSHI}") == {zhoushi}
    assert listed(f"town={BACHENG}&channel=hotline") == {leak, old}
    assert listed("flagged=1") == {stall}
    # Red is read off the deadline (only last year's leak is past it); yellow as the sweep set it.
    assert listed("due=red") == {old}
    assert listed("due=yellow") == {zhoushi}
    assert listed("status=dispatched") == {leak, stall, zhoushi, old}
    assert listed("status=in_progress") == set()
    today = utcnow().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert listed(f"from={today - dt.timedelta(days=1)}") == {leak, stall, zhoushi}
    assert listed(f"to={today - dt.timedelta(days=30)}") == {old}
    assert listed("q=周市") == {zhoushi}
    assert listed(f"q={leak}") == {leak}
    assert listed(f"unit={unit_id(db, HOUSING_BUREAU)}") == {leak, zhoushi, old}
    # The chosen filters stay chosen, and the export link carries them.
    page = client.get("/staff/requests?category=housing&flagged=1").text
    assert 'href="/staff/requests.xlsx?category=housing&amp;flagged=1"' in page
    assert re.search(r'<option value="housing"\s+selected>', page)
    assert 'id="f-filter-flagged" name="flagged" value="1" checked' in page


def test_paging(client, db, kunshan, monkeypatch):
    from minsheng.requests import workbench

    monkeypatch.setattr(workbench, "PAGE_SIZE", 2)
    numbers = [make(db, title=f"漏水第{i}处") for i in range(5)]
    sign_in(client, "handler")
    first = client.get("/staff/requests").text
    assert "第 1 / 3 页" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = client.get("/staff/requests?page=3").text
    assert numbers[0] in last and numbers[4] not in last  # newest first
    assert client.get("/staff/requests?page=abc").status_code == 200


def test_a_bad_filter_is_told_next_to_its_field(client, db, kunshan):
    make(db)
    sign_in(client, "operator")
    page = client.get("/staff/requests?from=2026-13-45&status=nonsense&to=2026-01-01")
    assert page.status_code == 422
    assert field_error(page.text, "filter", "from") == "请填写日期，例如 2026-11-01"
    assert field_error(page.text, "filter", "status") == "请从列表中选择办理状态"
    far = client.get("/staff/requests?from=0001-01-01&unit=99999999999999999999999")
    assert far.status_code == 422
    assert field_error(far.text, "filter", "from") == "请填写日期，例如 2026-11-01"
    assert field_error(far.text, "filter", "unit") == "请从列表中选择承办单位"
    reversed_dates = client.get("/staff/requests?from=2026-11-02&to=2026-11-01")
    assert field_error(reversed_dates.text, "filter", "to") == "结束日期不能早于开始日期"


def test_people_without_the_permission_are_kept_out(client, db, kunshan):
    sign_in(client, "registrar")
    assert client.get("/staff/requests").status_code == 403
    assert client.get("/staff/requests.xlsx").status_code == 403
    client.cookies.clear()
    response = client.get("/staff/requests", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_titles_and_texts_are_shown_escaped(client, db, kunshan):
    number = make(db, title=XSS, description=f"描述里也有 {XSS} 这样的文字", address=XSS)
    sign_in(client, "handler")
    for page in (client.get("/staff/requests").text, client.get(f"/staff/requests/{number}").text):
        assert XSS not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


# A request's page


def test_request_page_shows_everything_with_the_contact_masked_by_role(client, db, kunshan):
    number = make(db, description="楼顶漏水，\n下雨天家里墙面发霉。")
    sign_in(client, "supervisor")  # city-wide, but does not call residents back
    page = client.get(f"/staff/requests/{number}").text
    assert MASKED_PHONE in page and PHONE not in page
    assert "王**" in page and "王小明" not in page
    assert "楼顶漏水，<br>下雨天家里墙面发霉。" in page
    assert "房屋渗漏" in page and "热线电话" in page and HOUSING_BUREAU in page
    for who in ("operator", "handler"):
        sign_in(client, who)
        page = client.get(f"/staff/requests/{number}").text
        assert PHONE in page and "王小明" in page
    # A confidential reporter is hidden even from the handling unit.
    secret = make(db, confidential=True)
    sign_in(client, "handler")
    page = client.get(f"/staff/requests/{secret}").text
    assert MASKED_PHONE in page and PHONE not in page and "要求保密" in page
    sign_in(client, "operator")
    assert PHONE in client.get(f"/staff/requests/{secret}").text


def test_timeline_shows_staff_events_with_who_and_when(client, db, kunshan):
    number = make(db)
    sign_in(client, "handler")
    page = client.get(f"/staff/requests/{number}").text
    act(client, number, "accept", {"version": version_in(page, "accept")})
    page = client.get(f"/staff/requests/{number}").text
    act(client, number, "action", {"version": version_in(page, "action"), "text": "已上门查看"})
    page = client.get(f"/staff/requests/{number}").text
    timeline = page[page.index('id="timeline-title"') :]
    assert "已受理" in timeline and "话务员 张丽" in timeline
    assert re.search(r"已签收</strong>\s*· 承办人 王强（昆山市住房和城乡建设局）", timeline)
    assert re.search(r"办理记录</strong>.*?仅工作人员可见.*?已上门查看", timeline, re.S)
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d</time>', timeline)


def test_forms_offered_follow_role_and_state(client, db, kunshan):
    number = make(db)
    sign_in(client, "supervisor")
    page = client.get(f"/staff/requests/{number}").text
    assert f"/staff/requests/{number}/" not in page  # looks, acts only through 督办
    sign_in(client, "handler")
    page = client.get(f"/staff/requests/{number}").text
    forms = set(re.findall(rf'action="/staff/requests/{number}/([a-z-]+)"', page))
    assert forms == {"accept", "return"}
    act(client, number, "accept", {"version": version_in(page, "accept")})
    page = client.get(f"/staff/requests/{number}").text
    forms = set(re.findall(rf'action="/staff/requests/{number}/([a-z-]+)"', page))
    assert forms == {"action", "reply", "close", "extension", "return"}
    sign_in(client, "operator")
    page = client.get(f"/staff/requests/{number}").text
    forms = set(re.findall(rf'action="/staff/requests/{number}/([a-z-]+)"', page))
    assert forms == {"dispatch", "split", "merge"}
    # Forms are refused to those not shown them, whatever they send.
    version = str(stored(db, number).version)
    response = act(
        client, number, "close", {"version": version, "outcome": "resolved", "text": "已修好了"}
    )
    assert response.status_code == 403
    assert act(client, number, "nonsense", {"version": version}).status_code == 404


# Every action: it works, and the same form sent again is refused as stale.


def test_accept(client, db, kunshan):
    number = make(db)
    sign_in(client, "handler")
    form = {"version": version_in(client.get(f"/staff/requests/{number}").text, "accept")}
    page = assert_done(client, act(client, number, "accept", form), number, "accept")
    assert "已签收，请尽快办理。" in page
    assert stored(db, number).status == Status.in_progress
    assert_stale(client, db, number, "accept", form)


def test_return_needs_a_reason(client, db, kunshan):
    number = make(db)
    sign_in(client, "handler")
    version = version_in(client.get(f"/staff/requests/{number}").text, "return")
    response = act(client, number, "return", {"version": version, "reason": "不"})
    assert response.status_code == 422
    assert field_error(response.text, "return", "reason").startswith("请写明退回的理由")
    assert '<a href="#f-return-reason">' in response.text  # the summary links to the field
    assert ">不</textarea>" in response.text  # what was typed is kept
    form = {"version": version, "reason": "屋面属于物业维修范围，不归住建局"}
    response = act(client, number, "return", form)
    # Back with the centre, out of the unit's sight: the unit lands on its queue.
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/requests?done=return"
    assert "已退回派单中心。" in client.get(response.headers["location"]).text
    assert stored(db, number).status == Status.triage
    assert act(client, number, "return", form).status_code == 403
    sign_in(client, "operator")
    page = client.get(f"/staff/requests/{number}").text
    assert "屋面属于物业维修范围" in page and "仅工作人员可见" in page


def test_dispatch_and_reassign(client, db, kunshan):
    number = make(db, category="other", title="说不清归谁管的事")
    assert stored(db, number).status == Status.triage
    sign_in(client, "operator")
    page = client.get(f"/staff/requests/{number}").text
    version = version_in(page, "dispatch")
    response = act(client, number, "dispatch", {"version": version, "unit": ""})
    assert response.status_code == 422
    assert field_error(response.text, "dispatch", "unit") == "请选择承办单位"
    housing = unit_id(db, HOUSING_BUREAU)
    form = {"version": version, "unit": str(housing), "note": "屋面漏水"}
    assert_done(client, act(client, number, "dispatch", form), number, "dispatch")
    found = stored(db, number)
    assert (found.status, found.unit_id) == (Status.dispatched, housing)
    assert_stale(client, db, number, "dispatch", form)
    page = client.get(f"/staff/requests/{number}").text
    assert "<h3>改派</h3>" in page


def test_split_to_co_units_who_see_it_and_report_their_part(client, db, kunshan):
    number = make(db)
    town, housing = unit_id(db, TOWN_GOVERNMENT), unit_id(db, HOUSING_BUREAU)
    co_worker = factories.staff(db, "handler", db.get(Unit, town)).username
    db.commit()
    sign_in(client, "operator")
    version = version_in(client.get(f"/staff/requests/{number}").text, "split")
    response = act(
        client,
        number,
        "split",
        {"version": version, "lead_unit": str(housing), "co_task_1": "查看周边排水"},
    )
    assert response.status_code == 422
    assert field_error(response.text, "split", "co_units") == "写了任务的每一行都要选择协办单位"
    form = {
        "version": version,
        "lead_unit": str(housing),
        "co_unit_1": str(town),
        "co_task_1": "查看周边排水",
    }
    assert_done(client, act(client, number, "split", form), number, "split")
    assert [c.unit_id for c in stored(db, number).co_units] == [town]
    assert_stale(client, db, number, "split", form)
    # The co-unit's handler finds it in the queue and reports the part done.
    client.cookies.clear()
    login(client, co_worker, factories.PASSWORD)
    assert number in client.get("/staff/requests").text
    page = client.get(f"/staff/requests/{number}").text
    assert "查看周边排水" in page and MASKED_PHONE in page
    co_form = {"version": version_in(page, "co-done"), "unit": str(town), "text": "排水沟已疏通"}
    assert_done(client, act(client, number, "co-done", co_form), number, "co-done")
    assert stored(db, number).co_units[0].done_at is not None
    assert_stale(client, db, number, "co-done", co_form)


def test_merge_into_an_earlier_request(client, db, kunshan):
    first = make(db)
    second = make(db, title="同一栋楼顶漏水")
    sign_in(client, "operator")
    version = version_in(client.get(f"/staff/requests/{second}").text, "merge")
    response = act(client, second, "merge", {"version": version, "into": "KS19990101-0001"})
    assert response.status_code == 422
    assert field_error(response.text, "merge", "into") == "没有找到这个编号的诉求，请核对后再填"
    form = {"version": version, "into": first.lower()}
    page = assert_done(client, act(client, second, "merge", form), second, "merge")
    assert stored(db, second).status == Status.merged
    assert f'<a href="/staff/requests/{first}">{first}</a>' in page
    assert second in client.get(f"/staff/requests/{first}").text
    assert_stale(client, db, second, "merge", form)


def test_record_action(client, db, kunshan):
    number = accepted(client, db)
    version = version_in(client.get(f"/staff/requests/{number}").text, "action")
    response = act(client, number, "action", {"version": version, "text": ""})
    assert response.status_code == 422
    assert field_error(response.text, "action", "text") == "请写明办理情况"
    form = {"version": version, "text": "已约物业明天上门"}
    assert "已约物业明天上门" in assert_done(
        client, act(client, number, "action", form), number, "action"
    )
    assert_stale(client, db, number, "action", form)


def test_reply_with_photos(client, db, kunshan):
    number = accepted(client, db)
    version = version_in(client.get(f"/staff/requests/{number}").text, "reply")
    bad = act(
        client,
        number,
        "reply",
        {"version": version, "text": "已修好了，请查看"},
        files=[("photos", ("note.txt", b"not a picture", "text/plain"))],
    )
    assert bad.status_code == 422
    assert "只能上传 JPG、PNG 或 WebP 格式的照片" in field_error(bad.text, "reply", "photos")
    form = {"version": version, "text": "屋面防水已重做，请查看"}
    response = act(
        client, number, "reply", form, files=[("photos", ("roof.png", png(), "image/png"))]
    )
    page = assert_done(client, response, number, "reply")
    found = stored(db, number)
    assert len(found.photos) == 1
    assert f'<img src="/photos/{found.photos[0].key}"' in page
    assert_stale(client, db, number, "reply", form)


def test_ask_for_an_extension(client, db, kunshan):
    number = accepted(client, db)
    version = version_in(client.get(f"/staff/requests/{number}").text, "extension")
    response = act(client, number, "extension", {"version": version, "days": "abc", "reason": ""})
    assert response.status_code == 422
    assert field_error(response.text, "extension", "days").startswith("延期天数应在 1 到")
    assert field_error(response.text, "extension", "reason").startswith("请写明需要延期的理由")
    form = {"version": version, "days": "5", "reason": "需要等防水材料到货"}
    page = assert_done(client, act(client, number, "extension", form), number, "extension")
    assert "待审批" in page and "5 个工作日" in page
    assert f"/staff/requests/{number}/extension" not in page  # one request at a time
    assert_stale(client, db, number, "extension", form)


def test_close(client, db, kunshan):
    number = accepted(client, db)
    version = version_in(client.get(f"/staff/requests/{number}").text, "close")
    response = act(client, number, "close", {"version": version, "outcome": "", "text": "修"})
    assert response.status_code == 422
    assert field_error(response.text, "close", "outcome") == "请选择办理结果"
    assert field_error(response.text, "close", "text").startswith("请写下办结答复")
    response = act(
        client, number, "close", {"version": version, "outcome": "merged", "text": "已并"}
    )
    assert field_error(response.text, "close", "outcome") == "请选择办理结果"
    form = {"version": version, "outcome": "resolved", "text": "屋面防水已重做，不再漏水"}
    page = assert_done(client, act(client, number, "close", form), number, "close")
    assert "已办结" in page and "已解决" in page
    assert stored(db, number).status == Status.closed
    assert_stale(client, db, number, "close", form)


def test_operator_records_a_phone_rating(client, db, kunshan):
    number = accepted(client, db)
    page = client.get(f"/staff/requests/{number}").text
    close = {"version": version_in(page, "close"), "outcome": "resolved", "text": "屋面已修好"}
    act(client, number, "close", close)
    assert f"/staff/requests/{number}/rate" not in client.get(f"/staff/requests/{number}").text
    sign_in(client, "operator")
    version = version_in(client.get(f"/staff/requests/{number}").text, "rate")
    response = act(client, number, "rate", {"version": version, "satisfaction": ""})
    assert response.status_code == 422
    assert field_error(response.text, "rate", "resolved") == "请选择问题是否解决"
    assert field_error(response.text, "rate", "satisfaction") == "请选择满意程度"
    poor = {"version": version, "resolved": "no", "satisfaction": "dissatisfied", "reason": ""}
    response = act(client, number, "rate", poor)
    assert field_error(response.text, "rate", "reason") == "群众不满意或未解决时，请记下原因"
    form = {"version": version, "resolved": "yes", "satisfaction": "basic", "reason": "修得慢"}
    page = assert_done(client, act(client, number, "rate", form), number, "rate")
    assert "基本满意" in page and "电话回访" in page and "修得慢" in page
    assert f"/staff/requests/{number}/rate" not in page
    assert_stale(client, db, number, "rate", form)


def test_stale_banner_shows_the_current_state(client, db, kunshan):
    number = make(db)
    sign_in(client, "handler")
    version = version_in(client.get(f"/staff/requests/{number}").text, "accept")
    act(client, number, "accept", {"version": version})
    response = act(client, number, "accept", {"version": version})
    assert STALE in response.text
    assert re.search(r"下面是它现在的情况（办理中）", response.text)


def test_a_form_without_its_version_changes_nothing(client, db, kunshan):
    number = make(db)
    sign_in(client, "handler")
    assert_stale(client, db, number, "accept", {})
    assert_stale(client, db, number, "accept", {"version": "abc"})


def test_every_workbench_text_has_an_english_translation(client, db, kunshan):
    from pathlib import Path

    folder = Path(__file__).parents[2] / "src/minsheng/web/templates/requests"
    texts: set[str] = set()
    for name in (
        "staff_queue.html",
        "staff_request.html",
        "staff_due.html",
        "staff_fields.html",
        "supervise.html",
    ):
        text = (folder / name).read_text(encoding="utf-8")
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", text))
    from minsheng.requests import pages_staff_request, pages_supervise, workbench

    texts |= set(pages_staff_request.DONE.values()) | set(pages_supervise.DONE.values())
    texts |= {"请从列表中选择办理状态", "请填写日期，例如 2026-11-01", "结束日期不能早于开始日期"}
    assert workbench  # the filter messages above come from it
    english = translations("en")
    chinese = {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}
    missing = sorted(t for t in chinese if english.gettext(t) == t)
    assert missing == []
    for text in chinese:
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)
    sign_in(client, "handler")
    client.cookies.set("minsheng_lang", "en")
    assert "<h1>Requests workbench</h1>" in client.get("/staff/requests").text
