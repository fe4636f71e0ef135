"""QR suggestion boxes: staff keep them, print the poster, and a scan lands on the report form."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from minsheng.channels.models import QrBox
from minsheng.channels.service import box_url
from minsheng.core.settings import get_settings
from minsheng.org import service as org
from minsheng.requests import service as requests
from minsheng.requests.models import Channel, Status
from minsheng.requests.schemas import RequestCreate
from tests import factories
from tests.channels import box_named, field_error, post, region_id, reload, unit_id
from tests.conftest import api_token
from tests.pdftools import pages_as_png, qr_codes_in, save, text_of

CODE = re.compile(r"^[23456789abcdefghjkmnpqrstuvwxyz]{10}$")


def boxes(db) -> int:
    n = db.scalar(select(func.count()).select_from(QrBox))
    db.commit()
    return int(n or 0)


def box_form(db, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "长泾菜场北门",
        "town_id": region_id(db, "周市镇"),
        "community_id": region_id(db, "长泾社区"),
        "address": "长泾路菜场北门口",
        "unit_id": unit_id(db, "周市镇长泾社区居委会"),
    }
    return {**data, **changes}


def test_box_list_shows_the_demo_boxes_with_their_place_and_unit(client, db, operator):
    page = client.get("/staff/boxes")
    assert page.status_code == 200
    assert "<h1>二维码意见箱</h1>" in page.text
    box = box_named(db, "亭林园东门")
    assert f'<a href="/staff/boxes/{box.id}">亭林园东门</a>' in page.text
    assert "玉山镇人民政府" in page.text and f"<code>{box.code}</code>" in page.text
    assert f'href="/staff/boxes/{box.id}/poster.pdf"' in page.text
    assert f'href="/staff/boxes/{box.id}/edit"' in page.text
    assert 'href="/staff/boxes/new"' in page.text
    assert ">二维码意见箱</a>" in page.text  # in the navigation


def test_operator_creates_a_box_with_a_random_code(client, db, operator):
    before = boxes(db)
    response = post(client, "/staff/boxes/new", box_form(db))
    assert response.status_code == 303, response.text
    box = box_named(db, "长泾菜场北门")
    assert response.headers["location"] == f"/staff/boxes/{box.id}?saved=1"
    assert CODE.match(box.code) and box.active
    assert (box.town.name, box.community.name) == ("周市镇", "长泾社区")
    assert box.unit is not None and box.unit.name == "周市镇长泾社区居委会"
    assert boxes(db) == before + 1
    page = client.get(response.headers["location"]).text
    assert f"<code>{get_settings().base_url}/b/{box.code}</code>" in page
    assert "已保存。" in page and "扫码反映的诉求（0）" in page


def test_box_form_explains_what_is_wrong_and_writes_nothing(client, db, operator):
    before = boxes(db)
    bad = box_form(db, name="", town_id="", community_id=region_id(db, "并蒂莲社区"))
    response = post(client, "/staff/boxes/new", bad)
    assert response.status_code == 422
    assert field_error(response.text, "name") == "请填写意见箱名称"
    assert field_error(response.text, "town_id") == "请选择所在的区镇"
    response = post(
        client, "/staff/boxes/new", box_form(db, community_id=region_id(db, "并蒂莲社区"))
    )
    assert response.status_code == 422
    assert field_error(response.text, "community_id") == "所选的社区或村不在这个区镇里，请重新选择"
    response = post(client, "/staff/boxes/new", box_form(db, unit_id="999999"))
    assert field_error(response.text, "unit_id") == "所选的单位不存在或已停用"
    assert 'value="长泾路菜场北门口"' in response.text  # what was typed is kept
    assert boxes(db) == before


def test_community_worker_keeps_only_the_boxes_of_their_unit(client, db, gridworker):
    own = post(client, "/staff/boxes/new", box_form(db))
    assert own.status_code == 303
    other = post(client, "/staff/boxes/new", box_form(db, unit_id=unit_id(db, "周市镇人民政府")))
    assert other.status_code == 422
    assert field_error(other.text, "unit_id") == "只能选择您所在的单位或其下级单位作为责任单位"
    none = post(client, "/staff/boxes/new", box_form(db, unit_id=""))
    assert field_error(none.text, "unit_id") == "请选择责任单位"
    # The form offers only the units they may choose.
    form = client.get("/staff/boxes/new").text
    assert "周市镇长泾社区居委会</option>" in form and "玉山镇人民政府</option>" not in form

    theirs = box_named(db, "长泾社区党群服务中心")
    foreign = box_named(db, "亭林园东门")
    listing = client.get("/staff/boxes").text
    assert f'href="/staff/boxes/{theirs.id}/edit"' in listing
    assert f'href="/staff/boxes/{foreign.id}/edit"' not in listing
    assert client.get(f"/staff/boxes/{foreign.id}/edit").status_code == 403
    refused = post(client, f"/staff/boxes/{foreign.id}/active", {"active": "0"})
    assert refused.status_code == 403 and "这个意见箱不归您管理。" in refused.text
    reload(db, foreign)
    assert foreign.active


def test_boxes_are_for_staff_of_the_channels(client, db, sign_in):
    client.cookies.clear()
    assert client.get("/staff/boxes", follow_redirects=False).status_code == 303  # to the login
    sign_in("handler", "昆山市住房和城乡建设局")
    assert client.get("/staff/boxes").status_code == 403
    assert ">二维码意见箱</a>" not in client.get("/staff").text
    sign_in("supervisor", "昆山市")
    page = client.get("/staff/boxes")
    assert page.status_code == 200 and 'href="/staff/boxes/new"' not in page.text
    assert client.get("/staff/boxes/new").status_code == 403


def test_edit_changes_the_place_and_keeps_the_code(client, db, operator):
    box = box_named(db, "亭林园东门")
    code = box.code
    form = client.get(f"/staff/boxes/{box.id}/edit").text
    assert 'value="亭林园东门"' in form and code in form
    changes = {
        "name": "亭林园南门",
        "town_id": box.town_id,
        "community_id": "",
        "address": "亭林园南门售票处",
        "unit_id": unit_id(db, "昆山市城市管理局"),
        "active_flag": "on",
    }
    response = post(client, f"/staff/boxes/{box.id}/edit", changes)
    assert response.status_code == 303
    reload(db, box)
    assert (box.name, box.code, box.address, box.unit.name) == (
        "亭林园南门",
        code,
        "亭林园南门售票处",
        "昆山市城市管理局",
    )


def test_scanning_a_poster_opens_the_report_form_for_the_box(client, db, kunshan):
    box = box_named(db, "千灯古镇游客中心")
    response = client.get(f"/b/{box.code}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/report?box={box.code}"
    # Typed by hand from the poster, in capitals: still found.
    upper = client.get(f"/b/{box.code.upper()}", follow_redirects=False)
    assert upper.headers["location"] == f"/report?box={box.code}"
    # The report form then shows the place: the resident need not say where they are.
    form = client.get(f"/b/{box.code}")
    assert form.status_code == 200 and "千灯古镇游客中心" in form.text


def test_unknown_or_retired_box_says_so_kindly_and_points_to_the_form(client, db, operator):
    page = client.get("/b/zzzzzzzzzz")
    assert page.status_code == 404
    assert "这个意见箱已停用" in page.text and 'href="/report"' in page.text
    assert '<html lang="zh-Hans"' in page.text
    box = box_named(db, "陆家镇菜市场")
    response = post(client, f"/staff/boxes/{box.id}/active", {"active": "0"})
    assert response.status_code == 303
    reload(db, box)
    assert not box.active
    assert client.get(f"/b/{box.code}").status_code == 404
    poster = client.get(f"/staff/boxes/{box.id}/poster.pdf")
    assert poster.status_code == 409 and "启用后才能打印海报" in poster.text
    assert "重新启用" in client.get(f"/staff/boxes/{box.id}").text
    post(client, f"/staff/boxes/{box.id}/active", {"active": "1"})
    assert client.get(f"/b/{box.code}", follow_redirects=False).status_code == 303


def test_poster_is_an_a4_pdf_whose_code_scans_to_the_box(client, db, operator, tmp_path: Path):
    box = box_named(db, "长泾社区党群服务中心")
    response = client.get(f"/staff/boxes/{box.id}/poster.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"poster-{box.code}.pdf" in response.headers["content-disposition"]
    path = save(response.content, tmp_path, "poster.pdf")
    text = text_of(path)
    for phrase in (
        "码上反映",
        "扫一扫，说说身边的问题",
        "不用下载APP，可以匿名反映",
        "凭受理编号随时查办理进度",
        "长泾社区党群服务中心",
        "长泾社区党群服务中心一楼大厅",
        "周市镇 · 长泾社区",
        "12345",
    ):
        assert phrase in text, phrase
    [page] = pages_as_png(path, dpi=150)
    assert qr_codes_in(page) == [f"{get_settings().base_url}/b/{box.code}"]
    assert box_url(box) == f"{get_settings().base_url}/b/{box.code}"


def test_box_page_lists_the_requests_scanned_there_that_the_viewer_may_see(client, db, sign_in):
    theirs = box_named(db, "长泾社区党群服务中心")
    foreign = box_named(db, "亭林园东门")
    for box in (theirs, foreign):
        data = RequestCreate(
            category="urban.streetlight",
            title=f"{box.name}路灯不亮",
            description="门口两盏路灯坏了一个星期，晚上很黑。",
            channel=Channel.qr_box,
            box=box.code,
        )
        request, _ = requests.submit(db, data=data)
        assert request.qr_box_id == box.id and request.status == Status.dispatched
        assert request.unit_id == box.unit_id  # the box's unit, whatever routing says
    db.commit()
    sign_in("community_worker", "周市镇长泾社区居委会")
    page = client.get(f"/staff/boxes/{theirs.id}").text
    assert "扫码反映的诉求（1）" in page and "长泾社区党群服务中心路灯不亮" in page
    other = client.get(f"/staff/boxes/{foreign.id}").text
    assert "扫码反映的诉求（1）" in other and "亭林园东门路灯不亮" not in other
    sign_in("operator", "昆山市12345政务服务便民热线")
    assert "亭林园东门路灯不亮" in client.get(f"/staff/boxes/{foreign.id}").text


# API


def test_public_box_view_shows_only_the_place(client, db, kunshan):
    box = box_named(db, "泾河村村民活动室")
    body = client.get(f"/api/v1/boxes/{box.code}").json()
    assert body == {
        "code": box.code,
        "name": "泾河村村民活动室",
        "town": "昆山高新区",
        "community": "泾河村",
        "address": "泾河村村民委员会活动室门口",
    }
    missing = client.get("/api/v1/boxes/zzzzzzzzzz")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_staff_keep_boxes_through_the_api(client, db, kunshan):
    assert client.get("/api/v1/boxes").status_code == 401
    unit = org.get_unit_by_name(db, name="周市镇长泾社区居委会")
    user = factories.staff(db, "community_worker", unit)  # commits
    headers = api_token(client, user.username, factories.PASSWORD)
    listed = client.get("/api/v1/boxes", headers=headers).json()
    assert len(listed) == 12 and {"code", "url", "unit", "active"} <= set(listed[0])

    created = client.post("/api/v1/boxes", json=box_form(db), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert CODE.match(body["code"]) and body["url"].endswith(f"/b/{body['code']}")

    foreign = box_form(db, unit_id=unit_id(db, "周市镇人民政府"))
    refused = client.post("/api/v1/boxes", json=foreign, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"field": "unit_id", "message": "只能选择您所在的单位或其下级单位作为责任单位"}
    ]
    retire = {**box_form(db), "name": "长泾菜场北门（已拆除）", "active": False}
    updated = client.put(f"/api/v1/boxes/{body['code']}", json=retire, headers=headers)
    assert updated.status_code == 200 and updated.json()["active"] is False
    assert client.get(f"/api/v1/boxes/{body['code']}").status_code == 404
