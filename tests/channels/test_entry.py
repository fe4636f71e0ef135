"""Staff entering requests: hotline and window calls, and a grid worker's inspection round."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from minsheng.core.db import utcnow
from minsheng.requests.limits import limits_for
from minsheng.requests.models import Channel, Priority
from tests.channels import field_error, hidden_key, phone_photo, post, requests_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def call(**changes: object) -> dict[str, object]:
    """A hotline call about a broken streetlight in 巴城镇 (320583101)."""
    data: dict[str, object] = {
        "channel": "hotline",
        "received_at": "",
        "priority": "",
        "category": "urban.streetlight",
        "title": "湖滨路路灯连续三晚不亮",
        "description": "湖滨路靠近老街一段的路灯连续三个晚上没亮，晚上散步的老人多，很危险。",
        "town": "320583101",
        "community": "",
        "address": "湖滨路老街段",
        "contact_name": "钱阿姨",
        "contact_phone": "13700001111",
        "idempotency_key": "call-" + "h" * 20,
    }
    return {**data, **changes}


def test_operator_enters_a_call_and_lands_on_its_page(client, db, operator):
    page = client.get("/staff/requests/new")
    assert page.status_code == 200
    assert '<option value="hotline" selected>热线电话</option>' in page.text
    assert 'type="datetime-local"' in page.text and len(hidden_key(page.text)) >= 16
    assert ">录入诉求</a>" in page.text  # in the navigation
    response = post(client, "/staff/requests/new", call(channel="window", priority="urgent"))
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert response.headers["location"] == f"/staff/requests/{row.tracking_number}"
    assert row.channel == Channel.window and row.priority == Priority.urgent
    assert row.entered_by_id == operator.id and row.contact_phone == "13700001111"
    assert row.town.name == "巴城镇"
    assert row.unit is not None and row.unit.name == "巴城镇人民政府"  # the town's rule
    db.commit()
    shown = client.get(response.headers["location"])
    assert shown.status_code == 200 and row.tracking_number in shown.text


def test_limits_count_from_when_the_call_came_in(client, db, operator):
    came_in = (
        (utcnow() - dt.timedelta(days=3)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
    )
    typed = came_in.strftime("%Y-%m-%dT%H:%M")
    response = post(client, "/staff/requests/new", call(received_at=typed))
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert row.received_at == came_in
    limits = limits_for(db, category=row.category, priority=Priority.normal)
    assert row.response_due_at == limits.response_due(came_in)
    assert row.resolve_due_at == limits.resolve_due(came_in)
    assert row.tracking_number[2:10] == came_in.strftime("%Y%m%d")  # numbered on its own day
    db.commit()


def test_wrong_call_entries_are_explained_and_nothing_is_written(client, db, operator):
    later = (utcnow() + dt.timedelta(days=1)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    future = post(client, "/staff/requests/new", call(received_at=later))
    assert future.status_code == 422
    assert field_error(future.text, "received_at") == "受理时间不能晚于现在"
    garbled = post(client, "/staff/requests/new", call(received_at="昨天下午", channel="web"))
    assert garbled.status_code == 422
    assert field_error(garbled.text, "received_at") == "请按“2026-11-26 09:30”的格式填写受理时间"
    assert field_error(garbled.text, "channel") == "请选择受理方式"
    priority = post(client, "/staff/requests/new", call(priority="soon"))
    assert field_error(priority.text, "priority") == "请从列表中选择"
    place = post(client, "/staff/requests/new", call(community="320583999", category="nope"))
    assert field_error(place.text, "category") == "请选择一个分类"
    assert field_error(place.text, "community") == "所选的社区或村不在这个区镇里，请重新选择"
    assert 'value="湖滨路路灯连续三晚不亮"' in place.text
    assert requests_in(db) == []


def test_the_same_form_is_one_request_and_a_reused_one_is_questioned(client, db, operator):
    first = post(client, "/staff/requests/new", call())
    again = post(client, "/staff/requests/new", call())
    assert first.headers["location"] == again.headers["location"]
    assert len(requests_in(db)) == 1
    reused = post(client, "/staff/requests/new", call(title="湖滨路窨井盖松动"))
    assert reused.status_code == 409
    assert "这张表单已经提交过一次" in reused.text
    assert hidden_key(reused.text) != call()["idempotency_key"]  # a second send goes through
    assert len(requests_in(db)) == 1


def test_handlers_do_not_enter_requests(client, db, sign_in):
    sign_in("handler", "昆山市住房和城乡建设局")
    assert client.get("/staff/requests/new").status_code == 403
    assert post(client, "/staff/requests/new", call()).status_code == 403
    assert client.get("/staff/inspections/new").status_code == 403
    nav = client.get("/staff").text
    assert ">录入诉求</a>" not in nav and ">巡查上报</a>" not in nav


# Inspection


def hazard(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "received_at": "",
        "priority": "urgent",
        "category": "safety.fire",
        "title": "自建房楼道电动车充电",
        "description": "长泾社区 12 组一处农村自建房，一楼楼道停了 5 辆电动车，拉了插线板充电。",
        "town": "320583102",
        "address": "长泾社区 12 组 8 号",
        "idempotency_key": "round-" + "i" * 20,
    }
    return {**data, **changes}


def test_inspection_starts_in_the_workers_own_community(client, db, gridworker):
    page = client.get("/staff/inspections/new")
    assert page.status_code == 200
    assert '<option value="320583102" selected>周市镇</option>' in page.text
    assert "selected>长泾社区</option>" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="photos"' in page.text
    assert 'name="channel"' not in page.text  # an inspection is always an inspection
    assert ">巡查上报</a>" in page.text


def test_inspection_is_a_request_of_its_own_channel_with_its_photo(client, db, gridworker):
    community = client.get("/staff/inspections/new").text
    chosen = community.split("selected>长泾社区</option>")[0].rsplit('value="', 1)[1].split('"')[0]
    photo = ("photos", ("hazard.jpg", phone_photo(), "image/jpeg"))
    response = post(
        client, "/staff/inspections/new", hazard(community=chosen, channel="hotline"), [photo]
    )
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert response.headers["location"] == f"/staff/requests/{row.tracking_number}"
    assert row.channel == Channel.inspection and row.entered_by_id == gridworker.id
    assert row.region.name == "长泾社区" and row.priority == Priority.urgent
    assert row.category.code == "safety.fire"
    assert len(row.photos) == 1 and b"PhoneMaker" not in row.photos[0].content


def test_bad_inspection_photo_is_refused_with_the_other_messages(client, db, gridworker):
    photo = ("photos", ("hazard.heic", b"\0\0\0\x18ftypheic" + b"\0" * 64, "image/heic"))
    response = post(client, "/staff/inspections/new", hazard(title=""), [photo])
    assert response.status_code == 422
    assert field_error(response.text, "title") == "请填写标题"
    assert field_error(response.text, "photos") == (
        "暂不支持 HEIC 格式的照片，请在手机上改存为 JPG 后再上传"
    )
    assert requests_in(db) == []


def test_operators_do_not_record_inspections(client, db, operator):
    assert client.get("/staff/inspections/new").status_code == 403
    assert post(client, "/staff/inspections/new", hazard()).status_code == 403
