"""Residents' request pages: report by form, thank-you page, follow by number or secret link."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.notify.models import OutboundMessage
from minsheng.requests.models import Channel, CitizenRequest, Status
from minsheng.web.templating import local_time
from tests.conftest import csrf

PHONE = "13812345678"
XSS = '<script>alert("x")</script>'


@pytest.fixture
def demo(db) -> None:
    """Kunshan's regions, units, categories and rules, as `minsheng demo` loads them."""
    for m in sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order):
        assert m.demo is not None
        m.demo(db, lambda s: None)
    db.commit()


def form(**changes: object) -> dict[str, object]:
    """A filled-in report form; 320583102 is 周市镇."""
    data: dict[str, object] = {
        "category": "urban.streetlight",
        "title": "长泾社区门口路灯不亮",
        "description": "长泾社区东门外的三盏路灯已经坏了一个多月，晚上路过很黑，老人怕摔跤。",
        "town": "320583102",
        "community": "",
        "address": "长泾路 88 号东门",
        "contact_name": "王女士",
        "contact_phone": PHONE,
        "idempotency_key": "key-" + "a" * 30,
    }
    data.update(changes)
    return data


def post(client, data: dict[str, object]):
    return client.post("/report", data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


def requests_in(db) -> list[CitizenRequest]:
    rows = list(db.scalars(select(CitizenRequest).order_by(CitizenRequest.id)))
    db.commit()
    return rows


def field_error(page: str, field: str) -> str | None:
    """The message shown beside a field (the element its aria-describedby points to)."""
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def hidden_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def submit(client, **changes: object) -> str:
    """Reports a problem; returns the thank-you page's path."""
    response = post(client, form(**changes))
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_report_form_offers_public_categories_by_group_and_places_by_town(client, demo):
    page = client.get("/report")
    assert page.status_code == 200
    text = page.text
    assert '<optgroup label="市容城管">' in text
    assert '<option value="urban.streetlight" >路灯不亮</option>' in text
    assert "其他市容城管问题" in text  # the parent itself, for what fits no child
    assert '<optgroup label="更多类别">' in text and '<option value="other" >其他</option>' in text
    assert '<option value="320583102" >周市镇</option>' in text
    assert '<optgroup label="周市镇">' in text and "长泾社区" in text
    assert '<label for="f-description">' in text and "最多 4000 字" in text
    assert 'aria-describedby="h-confidential"' in text and "为我保密身份" in text
    assert "只给回访您的工作人员看" in text
    assert len(hidden_key(text)) >= 16
    assert hidden_key(text) != hidden_key(client.get("/report").text)  # one per rendering


def test_report_creates_a_web_request_and_thanks_with_number_link_and_due_dates(client, db, demo):
    location = submit(client, confidential="on")
    assert location.startswith("/report/received/")
    page = client.get(location)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"

    (row,) = requests_in(db)
    assert row.channel == Channel.web
    assert row.contact_phone == PHONE and row.contact_name == "王女士" and row.confidential
    assert row.town is not None and row.town.name == "周市镇"
    assert row.status in (Status.dispatched, Status.triage)
    assert f'<p class="tracking-number" aria-labelledby="tracking-label">{row.tracking_number}' in (
        page.text
    )
    token = location.rsplit("/", 1)[1]
    assert f'href="/f/{token}"' in page.text
    assert local_time(row.response_due_at) in page.text
    assert local_time(row.resolve_due_at) in page.text
    assert "接下来" in page.text and "评价" in page.text

    sms = db.scalars(select(OutboundMessage).where(OutboundMessage.recipient == PHONE)).all()
    db.commit()
    assert len(sms) == 1 and row.tracking_number in sms[0].body and token in sms[0].body


def test_same_form_sent_twice_makes_one_request(client, db, demo):
    first = submit(client)
    again = submit(client)
    (row,) = requests_in(db)
    assert first.startswith("/report/received/")
    assert again == f"/track?number={row.tracking_number}&again=1"
    page = client.get(again)
    assert page.status_code == 200
    assert "已经提交过了，没有重复登记" in page.text and row.tracking_number in page.text


def test_a_used_form_sent_with_another_problem_asks_before_making_a_second(client, db, demo):
    submit(client)
    reused = post(client, form(title="小区垃圾桶满了没人清"))
    assert reused.status_code == 409
    (row,) = requests_in(db)
    assert row.tracking_number in reused.text and "请再点一次" in reused.text
    fresh = hidden_key(reused.text)
    assert fresh != form()["idempotency_key"]
    assert 'value="小区垃圾桶满了没人清"' in reused.text  # what was typed is kept
    submit(client, title="小区垃圾桶满了没人清", idempotency_key=fresh)
    assert [r.title for r in requests_in(db)] == ["长泾社区门口路灯不亮", "小区垃圾桶满了没人清"]


def test_bad_input_is_explained_beside_each_field_and_nothing_is_written(client, db, demo):
    response = post(
        client,
        form(category="", title="", description="坏了", town="", contact_phone="12345"),
    )
    assert response.status_code == 422
    text = response.text
    assert field_error(text, "category") == "请选择问题类别"
    assert field_error(text, "title") == "请填写标题"
    assert field_error(text, "description") == "详细情况至少 5 个字"
    assert field_error(text, "town") == "请选择所在的区镇"
    assert field_error(text, "contact_phone") == "请填写 11 位手机号码，例如 13812345678"
    assert 'aria-describedby="h-description e-description"' in text
    assert ">坏了</textarea>" in text  # what was typed is kept
    assert text.index('href="#f-category"') < text.index('href="#f-contact_phone"')
    assert requests_in(db) == []


def test_a_community_outside_the_chosen_town_is_refused_beside_it(client, db, demo):
    page = client.get("/report").text
    qiandeng = re.search(r'<option value="(\d+)" >千灯社区</option>', page)
    assert qiandeng, "千灯社区 is offered"
    response = post(client, form(community=qiandeng.group(1)))  # 千灯社区 is not in 周市镇
    assert response.status_code == 422
    assert field_error(response.text, "community") == "所选的社区或村不在这个区镇里，请重新选择"
    assert requests_in(db) == []


def test_a_forged_place_is_refused_without_echoing_it(client, db, demo):
    response = post(client, form(town="<b>x</b>"))
    assert response.status_code == 422
    assert field_error(response.text, "town") == "请从列表中选择区镇"
    assert "<b>x</b>" not in response.text
    assert requests_in(db) == []


def test_too_many_reports_from_one_place_are_refused_with_a_message(client, db, demo, monkeypatch):
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "1")
    get_settings.cache_clear()
    submit(client)
    response = post(client, form(idempotency_key="key-" + "b" * 30, title="又一个问题"))
    assert response.status_code == 429
    assert "提交太频繁了，请一小时后再试" in response.text
    assert 'value="又一个问题"' in response.text
    assert len(requests_in(db)) == 1


def test_html_in_the_title_is_shown_as_text_on_thanks_and_follow_pages(client, db, demo):
    location = submit(client, title=XSS, description=f"描述里也有 {XSS}")
    token = location.rsplit("/", 1)[1]
    for path in (location, f"/f/{token}"):
        page = client.get(path).text
        assert "<script>alert" not in page
    follow = client.get(f"/f/{token}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in follow


def test_track_by_number_shows_the_public_status_without_personal_data(client, db, demo):
    submit(client)
    (row,) = requests_in(db)
    assert client.get("/track").status_code == 200
    typed = " " + row.tracking_number.lower().replace("-", "－") + " "  # as typed on a phone
    page = client.get("/track", params={"number": typed})
    assert page.status_code == 200
    text = page.text
    assert row.status_label in text and "路灯不亮" in text and "周市镇" in text
    assert local_time(row.resolve_due_at) in text
    assert "已受理" in text  # the timeline's labels
    assert "通过网上反映受理" not in text  # but not its texts
    assert row.title not in text and "王女士" not in text and PHONE not in text
    assert "138****5678" not in text


def test_track_an_unknown_or_empty_number_says_so_beside_the_field(client, demo):
    missing = client.get("/track", params={"number": "KS20000101-9999"})
    assert missing.status_code == 404
    assert field_error(missing.text, "number").startswith("没有找到这个编号")
    assert 'name="number"' in missing.text and 'value="KS20000101-9999"' in missing.text
    odd = client.get("/track", params={"number": "<svg onload=x>%d"})
    assert odd.status_code == 404 and "<svg" not in odd.text
    empty = client.get("/track", params={"number": "  "})
    assert empty.status_code == 422
    assert field_error(empty.text, "number") == "请填写受理编号"


def test_secret_link_shows_the_reporter_the_title_and_timeline_texts(client, db, demo):
    token = submit(client).rsplit("/", 1)[1]
    page = client.get(f"/f/{token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert '<h1 class="request-title">长泾社区门口路灯不亮</h1>' in page.text
    assert "通过网上反映受理" in page.text
    assert PHONE not in page.text


def test_an_unknown_secret_link_is_a_chinese_404_page(client, demo):
    page = client.get("/f/not-a-real-token")
    assert page.status_code == 404
    assert "页面不存在" in page.text and "没有找到这条跟踪链接" in page.text


def test_a_signed_in_resident_finds_the_phone_filled_in_and_owns_the_request(client, db, demo):
    client.post("/resident/login", data={"phone": PHONE, "csrf_token": csrf(client)})
    body = db.scalars(select(OutboundMessage.body).where(OutboundMessage.recipient == PHONE)).one()
    db.commit()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", body)
    assert code
    signed_in = client.post(
        "/resident/verify",
        data={"phone": PHONE, "code": code.group(), "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303

    page = client.get("/report").text
    assert f'value="{PHONE}"' in page
    submit(client, contact_name="")
    (row,) = requests_in(db)
    assert row.resident_id is not None and row.contact_phone == PHONE


def test_home_page_links_to_reporting_and_tracking(client):
    page = client.get("/").text
    assert '<a class="tile" href="/report"><span class="tile-title">反映问题</span>' in page
    assert '<a class="tile" href="/track"><span class="tile-title">查询进度</span>' in page
    assert page.index('href="/report"') < page.index('href="/track"')
    assert "身边的烦心事，说一声就办" in page and "凭编号查看办到哪一步" in page


def test_the_report_form_reads_in_english(client, demo):
    client.cookies.set("minsheng_lang", "en")
    page = client.get("/report").text
    assert "Report a problem" in page and "Keep my identity confidential" in page
