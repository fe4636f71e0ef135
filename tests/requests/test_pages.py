"""Residents' request pages: report by form, thank-you page, follow by number or secret link."""

from __future__ import annotations

import html
import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import StaffUser
from minsheng.channels.models import QrBox
from minsheng.core.images import HEIC, TOO_MANY_PHOTOS, WRONG_FORMAT, clean_photo
from minsheng.core.modules import load_modules
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Rating
from minsheng.notify.models import OutboundMessage
from minsheng.requests import flows, pages_public
from minsheng.requests import pages as report_pages
from minsheng.requests import pages_follow as follow_pages
from minsheng.requests.models import (
    OUTCOME_LABELS,
    STATUS_LABELS,
    Channel,
    CitizenRequest,
    Outcome,
    RequestPhoto,
    Status,
)
from minsheng.requests.pages_public import mask_numbers
from minsheng.requests.service import EVENT_LABELS
from minsheng.web.i18n import translations
from minsheng.web.templating import local_time
from tests import factories
from tests.conftest import csrf, login
from tests.requests import region as region_named
from tests.requests import unit as unit_named

PHONE = "13812345678"
XSS = '<script>alert("x")</script>'


@pytest.fixture
def demo(db) -> None:
    """Kunshan's regions, units, categories, rules, accounts and QR boxes, as `minsheng demo`
    loads them; not the demo year of requests, which these pages would only have to wade through."""
    modules = (m for m in load_modules() if m.demo and m.name != "requests")
    for m in sorted(modules, key=lambda m: m.demo_order):
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


# Photos with the report


GPS_IFD = 0x8825
BACHENG = "320583101"  # 巴城镇: leaks there go to the housing bureau, where the demo handler works
LEAK = {
    "category": "housing.leak",
    "town": BACHENG,
    "title": "楼上卫生间漏水",
    "description": "楼上卫生间漏水，已经渗到我家天花板，墙面发霉，联系楼上住户一直没有人。",
}


def leak(**changes: object) -> dict[str, object]:
    """A leak report's fields, with some changed."""
    return {**LEAK, **changes}


def phone_jpeg() -> bytes:
    """A JPEG as a phone saves it: with the maker, GPS position and a comment inside."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 23.0, 4.5), 3: "E", 4: (120.0, 57.0, 9.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 60, 60)).save(
        buffer, "JPEG", exif=exif, comment=b"taken at home"
    )
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)[1] == "N"
    return data


def small_png(side: int = 20, noise: bool = False) -> bytes:
    image = Image.new("RGB", (side, side), (20, 120, 20))
    if noise:  # hardly compresses: about 3 bytes a pixel
        image = Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def post_photos(client, data: dict[str, object], photos: list[tuple[str, bytes, str]]):
    return client.post(
        "/report",
        data={**data, "csrf_token": csrf(client)},
        files=[("photos", photo) for photo in photos],
        follow_redirects=False,
    )


def token_in(location: str) -> str:
    return location.rsplit("/", 1)[1]


def photos_in(db) -> list[RequestPhoto]:
    rows = list(db.scalars(select(RequestPhoto).order_by(RequestPhoto.id)))
    db.commit()
    return rows


def sign_in(client, username: str, password: str = DEMO_PASSWORD) -> None:
    client.cookies.clear()
    login(client, username, password)


def test_photos_are_kept_without_their_location_and_shown_on_the_follow_page(client, db, demo):
    response = post_photos(client, form(), [("IMG_0001.jpg", phone_jpeg(), "image/jpeg")])
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    token = token_in(location)
    assert "已收到您上传的 1 张照片" in client.get(location).text

    (photo,) = photos_in(db)
    stored = Image.open(io.BytesIO(photo.content))
    assert stored.format == "JPEG" and stored.size == (300, 200)
    assert not stored.getexif().get_ifd(GPS_IFD) and not stored.getexif()
    assert b"taken at home" not in photo.content and b"PhoneMaker" not in photo.content
    assert photo.event is not None and photo.event.kind == "submitted"
    key = photo.key
    db.commit()

    page = client.get(f"/f/{token}").text
    assert f'<a href="/f/{token}/photos/{key}"><img src="/f/{token}/photos/{key}"' in page
    shown = client.get(f"/f/{token}/photos/{key}")
    assert shown.status_code == 200 and shown.content == photo.content
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["cache-control"].startswith("private")
    # The key is the capability: the reporter did not ask for confidentiality.
    assert client.get(f"/photos/{key}").content == photo.content
    assert client.get("/photos/not-a-key").status_code == 404
    assert client.get(f"/f/{token}/photos/not-a-key").status_code == 404
    assert client.get(f"/f/not-a-token/photos/{key}").status_code == 404


def test_a_confidential_reporters_photos_need_the_link_or_staff_who_see_the_request(
    client, db, demo
):
    response = post_photos(
        client, form(**LEAK, confidential="on"), [("leak.png", small_png(), "image/png")]
    )
    token = token_in(response.headers["location"])
    (photo,) = photos_in(db)
    assert client.get(f"/photos/{photo.key}").status_code == 404
    assert client.get(f"/f/{token}/photos/{photo.key}").status_code == 200

    other = factories.staff(db, "handler", unit_named(db, "昆山市城市管理局"))
    sign_in(client, other.username, factories.PASSWORD)
    assert client.get(f"/photos/{photo.key}").status_code == 404  # not their unit's request
    sign_in(client, "handler")  # the housing bureau has it
    assert client.get(f"/photos/{photo.key}").status_code == 200
    sign_in(client, "operator")  # the hotline sees every request
    answer = client.get(f"/photos/{photo.key}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"  # an opaque PNG is kept as JPEG


def test_a_wrong_photo_type_is_explained_beside_the_field_and_the_rest_is_kept(client, db, demo):
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    response = post_photos(
        client, form(title="楼道灯坏了"), [("scan.gif", gif.getvalue(), "image/gif")]
    )
    assert response.status_code == 422
    text = response.text
    assert field_error(text, "photos") == "只能上传 JPG、PNG 或 WebP 格式的照片（scan.gif）"
    assert 'href="#f-photos"' in text  # in the summary above the form too
    assert 'aria-describedby="h-photos r-photos e-photos"' in text
    assert "浏览器不会保留已选的照片，请重新选择" in text
    assert 'value="楼道灯坏了"' in text and 'value="长泾路 88 号东门"' in text
    assert "老人怕摔跤。</textarea>" in text and f'value="{PHONE}"' in text
    assert 'accept="image/jpeg,image/png,image/webp" multiple' in text
    assert requests_in(db) == [] and photos_in(db) == []


def test_oversize_heic_and_too_many_photos_each_get_a_message(client, db, demo, monkeypatch):
    monkeypatch.setenv("MINSHENG_MAX_PHOTO_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64
    response = post_photos(
        client,
        form(),
        [
            ("big.png", small_png(200, noise=True), "image/png"),
            ("ok.png", small_png(), "image/png"),
            ("IMG_2.HEIC", heic, "image/heic"),
        ],
    )
    assert response.status_code == 422
    items = re.findall(r"<li>([^<]*)</li>", response.text.split('id="e-photos-list"')[1])
    assert items[0].startswith("big.png：每张照片不能超过")
    assert items[1] == "IMG_2.HEIC：暂不支持 HEIC 格式的照片，请在手机上改存为 JPG 后再上传"
    assert len(items) == 2

    seven = [(f"p{i}.png", small_png(), "image/png") for i in range(7)]
    response = post_photos(client, form(), seven)
    assert response.status_code == 422
    assert field_error(response.text, "photos") == "最多上传 6 张照片"
    assert requests_in(db) == []

    six = post_photos(client, form(), seven[:6])
    assert six.status_code == 303 and len(photos_in(db)) == 6


# The QR box poster


def make_box(db, *, active: bool = True) -> QrBox:
    box = QrBox(
        code="q2r3s4t5u6",
        name="巴城老街游客中心",
        address="巴城老街 18 号",
        town=region_named(db, "巴城镇"),
        unit=unit_named(db, "昆山市城市管理局"),
        active=active,
    )
    db.add(box)
    db.commit()
    return box


def test_a_scanned_box_fills_in_the_place_and_sends_the_report_to_its_unit(client, db, demo):
    box = make_box(db)
    page = client.get("/report", params={"box": "Q2R3S4T5U6"}).text  # as typed from a poster
    assert "您在：</strong>巴城老街游客中心，巴城老街 18 号，巴城镇</p>" in page
    assert '<input type="hidden" name="box" value="q2r3s4t5u6">' in page
    assert 'name="town"' not in page and 'name="community"' not in page
    assert 'href="/resident/login?next=%2Freport%3Fbox%3Dq2r3s4t5u6"' in page

    response = post(client, form(town="", box="q2r3s4t5u6", address="东门岗亭旁"))
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert row.channel == Channel.qr_box and row.qr_box_id == box.id
    assert row.town is not None and row.town.name == "巴城镇"
    assert row.unit is not None and row.unit.name == "昆山市城市管理局"
    assert row.address == "东门岗亭旁"


def test_an_unknown_or_stopped_box_says_so_and_offers_the_normal_form(client, db, demo):
    unknown = client.get("/report", params={"box": "nosuchbox"}).text
    assert "没有找到这个意见箱" in unknown and 'name="town"' in unknown
    assert 'name="box"' not in unknown
    assert "没有找到这个意见箱" in client.get("/report", params={"box": "<b>"}).text

    box = make_box(db, active=False)
    page = client.get("/report", params={"box": box.code}).text
    assert "您在：" not in page and 'name="town"' in page
    # A poster scanned before the box was stopped: the place is asked for, nothing is lost.
    response = post(client, form(town="", box=box.code, title="游客中心门口积水"))
    assert response.status_code == 422
    assert "没有找到这个意见箱" in response.text and 'name="town"' in response.text
    assert 'value="游客中心门口积水"' in response.text
    assert requests_in(db) == []


def test_a_signed_out_resident_is_offered_sign_in_by_phone_code(client, demo):
    page = client.get("/report").text
    assert 'href="/resident/login?next=%2Freport"' in page and "想实名反映" in page


# Rating from the follow page


def principal(db, username: str) -> StaffPrincipal:
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return accounts.principal(db, user=user)


def by_number(db, number: str) -> CitizenRequest:
    """The request as the app left it (this session keeps what it loaded across commits)."""
    db.expire_all()
    return db.scalar(select(CitizenRequest).where(CitizenRequest.tracking_number == number))


def close_it(db, number: str, *, reply_photo: bool = False) -> None:
    """The housing bureau's handler accepts (if need be), replies and closes the request."""
    handler = principal(db, "handler")
    found = by_number(db, number)
    if found.status == Status.dispatched:
        flows.accept(db, found, staff=handler)
    photos = [clean_photo(small_png(30))] if reply_photo else []
    flows.reply(db, found, staff=handler, text="已约楼上住户查看管道", photos=photos)
    flows.close(
        db, found, staff=handler, outcome=Outcome.resolved, text="楼上管道已更换，渗水已停止。"
    )
    db.commit()


def rate(client, token: str, **answers: str):
    return client.post(
        f"/f/{token}/rate",
        data={**answers, "csrf_token": csrf(client)},
        follow_redirects=False,
    )


def ratings(db) -> list[Rating]:
    rows = list(db.scalars(select(Rating).order_by(Rating.id)))
    db.commit()
    return rows


def test_rating_not_satisfied_reopens_and_a_second_rating_of_a_round_is_refused(client, db, demo):
    token = token_in(submit(client, **LEAK))
    (row,) = requests_in(db)
    number = row.tracking_number
    assert 'action="/f/' not in client.get(f"/f/{token}").text  # not closed: nothing to rate
    close_it(db, number, reply_photo=True)

    page = client.get(f"/f/{token}").text
    assert f'<form method="post" action="/f/{token}/rate"' in page and "请您评价" in page
    assert "楼上管道已更换，渗水已停止。" in page and "<dd>已解决</dd>" in page
    (reply_photo,) = photos_in(db)
    assert f'src="/f/{token}/photos/{reply_photo.key}"' in page

    empty = rate(client, token, reason="还是漏")
    assert empty.status_code == 422
    assert field_error(empty.text, "resolved") == "请选择问题是否解决"
    assert field_error(empty.text, "satisfaction") == "请选择是否满意"
    assert ">还是漏</textarea>" in empty.text and ratings(db) == []

    response = rate(
        client, token, resolved="no", satisfaction="dissatisfied", reason="天花板还在渗水"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/f/{token}?rated=1#rated"
    page = client.get(response.headers["location"]).text
    assert "谢谢您的评价" in page and "已转回承办单位重新办理" in page
    assert "未解决，不满意：天花板还在渗水" in page and "第 1 次重办" in page
    assert "<strong>重办</strong>" in page and "办理中" in page
    assert 'action="/f/' not in page  # reopened: nothing to rate until it is closed again
    reopened = by_number(db, number)
    assert reopened.status == Status.in_progress and reopened.reopen_count == 1
    assert reopened.flagged
    db.commit()

    again = rate(client, token, resolved="yes", satisfaction="satisfied")
    assert again.status_code == 409 and "还没有办结" in again.text
    assert len(ratings(db)) == 1

    close_it(db, number)
    assert 'action="/f/' in client.get(f"/f/{token}").text  # a new round, a new rating
    thanks = client.get(
        rate(client, token, resolved="yes", satisfaction="basic").headers["location"]
    )
    assert "谢谢您的评价" in thanks.text and "已转回承办单位" not in thanks.text
    assert "已解决，基本满意" in thanks.text
    twice = rate(client, token, resolved="no", satisfaction="dissatisfied")
    assert twice.status_code == 409 and "这一次办理已经评价过了，谢谢您。" in twice.text
    assert [(r.round, r.satisfaction.value) for r in ratings(db)] == [
        (0, "dissatisfied"),
        (1, "basic"),
    ]
    assert by_number(db, number).status == Status.closed


def test_with_no_reopenings_left_a_poor_rating_stands_and_goes_to_the_supervisor(
    client, db, demo, monkeypatch
):
    monkeypatch.setenv("MINSHENG_MAX_REOPENS", "0")
    get_settings.cache_clear()
    token = token_in(submit(client, **leak()))
    (row,) = requests_in(db)
    close_it(db, row.tracking_number)
    response = rate(client, token, resolved="no", satisfaction="dissatisfied")
    page = client.get(response.headers["location"]).text
    assert "谢谢您的评价" in page and "您的意见已转给督查人员跟进" in page
    assert "已转回承办单位重新办理" not in page
    stays = by_number(db, row.tracking_number)
    assert stays.status == Status.closed and stays.flagged and stays.reopen_count == 0
    db.commit()


def test_a_rating_on_an_unknown_link_is_a_404(client, demo):
    assert (
        rate(client, "no-such-token", resolved="yes", satisfaction="satisfied").status_code == 404
    )


def test_a_merged_reporter_follows_the_earlier_request_without_the_other_reporters_words(
    client, db, demo
):
    first = post_photos(
        client, form(**leak(title="我家天花板漏水")), [("mine.png", small_png(), "image/png")]
    )
    first_token = token_in(first.headers["location"])
    second_token = token_in(
        submit(client, **leak(title="三楼漏水到二楼", idempotency_key="key-" + "c" * 30))
    )
    earlier, later = (r.tracking_number for r in requests_in(db))
    flows.merge(
        db,
        by_number(db, later),
        into=by_number(db, earlier),
        staff=principal(db, "operator"),
    )
    db.commit()
    close_it(db, earlier, reply_photo=True)
    report_key, reply_key = (p.key for p in photos_in(db))

    response = rate(client, first_token, resolved="yes", satisfaction="basic", reason="我家墙还湿")
    assert response.status_code == 303
    page = client.get(f"/f/{second_token}").text
    assert '<h1 class="request-title">三楼漏水到二楼</h1>' in page
    assert f"和更早受理的 {earlier} 是同一件事，已合并办理" in page
    assert "楼上管道已更换，渗水已停止。" in page  # the unit's answer reaches both
    assert f'src="/f/{second_token}/photos/{reply_key}"' in page
    assert "我家天花板漏水" not in page and "我家墙还湿" not in page  # the other's words
    assert report_key not in page
    assert "<strong>群众评价</strong>" in page and 'action="/f/' not in page
    assert f"我原来的诉求 {later}" in page
    assert client.get(f"/f/{second_token}/photos/{reply_key}").status_code == 200
    assert client.get(f"/f/{second_token}/photos/{report_key}").status_code == 404
    # The earlier reporter's own page is unchanged.
    own = client.get(f"/f/{first_token}").text
    assert '<h1 class="request-title">我家天花板漏水</h1>' in own and report_key in own
    refused = rate(client, second_token, resolved="no", satisfaction="dissatisfied")
    assert refused.status_code == 409 and len(ratings(db)) == 1


# The public list


def test_the_public_list_shows_no_personal_data_and_masks_numbers_in_titles(client, db, demo):
    submit(client, title="路灯坏了请回电 138 1234 5678", address="长泾路 88 号 3 幢")
    submit(client, **leak(title="保密的漏水", confidential="on", idempotency_key="k" * 20))
    submit(client, title=XSS, idempotency_key="x" * 20)
    page = client.get("/requests")
    assert page.status_code == 200
    text = page.text
    assert "路灯坏了请回电 138****5678" in text
    assert "138 1234 5678" not in text and PHONE not in text and "王女士" not in text
    assert "保密的漏水" not in text
    assert "长泾路" not in text and "老人怕摔跤" not in text  # address and description
    assert "<script>alert" not in text and "&lt;script&gt;" in text
    rows = requests_in(db)
    public = [r for r in rows if not r.confidential]
    for row in public:
        assert f">{row.tracking_number}</a>" in text
    assert "共 2 件" in text and "路灯不亮" in text and "周市镇" in text and "待签收" in text


def test_the_public_list_filters_by_town_and_category_and_pages(client, db, demo, monkeypatch):
    submit(client, title="周市的路灯坏了")
    submit(client, **leak(title="巴城的房子漏水", idempotency_key="b" * 20))
    in_bacheng = client.get("/requests", params={"town": BACHENG}).text
    assert "巴城的房子漏水" in in_bacheng and "周市的路灯坏了" not in in_bacheng
    housing = client.get("/requests", params={"category": "housing"}).text  # and those below it
    assert "巴城的房子漏水" in housing and "周市的路灯坏了" not in housing
    assert '<option value="housing" selected>' in housing
    nothing = client.get("/requests", params={"town": BACHENG, "category": "urban"}).text
    assert "没有符合条件的公开诉求" in nothing
    odd = client.get("/requests", params={"town": "<x>", "page": "-3"})
    assert odd.status_code == 200 and "已显示全部" in odd.text and "<x>" not in odd.text

    monkeypatch.setattr(pages_public, "PER_PAGE", 1)
    first = client.get("/requests").text
    assert "第 1 / 2 页" in first and "巴城的房子漏水" in first  # newest first
    assert 'href="/requests?page=2" rel="next"' in first
    second = client.get("/requests", params={"page": "2"}).text
    assert "周市的路灯坏了" in second and 'href="/requests?page=1" rel="prev"' in second


def test_numbers_that_identify_a_person_are_masked():
    assert mask_numbers("电话13812345678") == "电话138****5678"
    assert mask_numbers("电话 138-1234-5678。") == "电话 138****5678。"
    assert mask_numbers("电话１３８１２３４５６７８") == "电话１３８****５６７８"
    assert mask_numbers("身份证320583199001011234") == "身份证320583************"
    assert mask_numbers("订单号 2026112612345678901") == "订单号 2026112612345678901"
    assert mask_numbers("12345 热线") == "12345 热线"


def test_every_resident_page_text_has_an_english_translation(client, db, demo):
    folder = Path(__file__).parents[2] / "src/minsheng/web/templates/requests"
    texts: set[str] = set()
    for name in (
        "report.html",
        "follow.html",
        "received.html",
        "track.html",
        "_status.html",
        "public_list.html",
    ):
        source = (folder / name).read_text(encoding="utf-8")
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", source))
        texts |= set(re.findall(r"""(?:label|hint|empty)=["']([^"']+)["']""", source))
        texts |= set(re.findall(r"""\("\w+", "([^"]+)"\)""", source))  # the radios' labels
    texts |= set(EVENT_LABELS.values()) | set(OUTCOME_LABELS.values()) | set(STATUS_LABELS.values())
    texts |= {report_pages.NO_BOX, WRONG_FORMAT, HEIC, TOO_MANY_PHOTOS, follow_pages.NO_PHOTO}
    english = translations("en")
    chinese = {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}
    assert {"解决", "基本满意", "您在："} <= chinese
    assert sorted(t for t in chinese if english.gettext(t) == t) == []
    for text in chinese:
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)

    token = token_in(submit(client, **leak()))
    (row,) = requests_in(db)
    close_it(db, row.tracking_number)
    client.cookies.set("minsheng_lang", "en")
    page = client.get(f"/f/{token}").text
    assert "Please rate how it was handled" in page and "Mostly satisfied" in page
    assert "<strong>Reply</strong>" in page and "<dd>Resolved</dd>" in page
    assert "Public requests" in client.get("/requests").text
