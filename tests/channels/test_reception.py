"""Deputies' reception days: recorded by staff, each issue raised there entered as a request."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from minsheng.channels.models import ReceptionDay
from minsheng.requests.models import Channel
from tests import factories
from tests.channels import field_error, first_day, hidden_key, post, region_id, requests_in
from tests.conftest import api_token


def days(db) -> int:
    n = db.scalar(select(func.count()).select_from(ReceptionDay))
    db.commit()
    return int(n or 0)


def issue(**changes: object) -> dict[str, object]:
    """An issue raised at the 2026-03-14 reception day in 周市镇 (320583102)."""
    data: dict[str, object] = {
        "received_at": "",
        "priority": "",
        "category": "urban.stall",
        "title": "长泾路菜场门口早上占道",
        "description": "每天早上六点到八点，菜场门口的摊贩把人行道全占了，孩子上学只能走机动车道。",
        "town": "320583102",
        "community": "",
        "address": "长泾路菜场门口",
        "contact_name": "周先生",
        "contact_phone": "13912345678",
        "idempotency_key": "issue-" + "r" * 20,
    }
    return {**data, **changes}


def test_operator_records_a_reception_day(client, db, operator):
    listing = client.get("/staff/reception-days")
    assert listing.status_code == 200 and "张建华、刘敏" in listing.text
    assert 'href="/staff/reception-days/new"' in listing.text
    form = {
        "held_on": "2026-12-12",
        "place": "周庄镇人大代表之家",
        "deputies": "吴刚，郑丽 孙伟",
        "town_id": region_id(db, "周庄镇"),
        "notes": "",
    }
    response = post(client, "/staff/reception-days/new", form)
    assert response.status_code == 303, response.text
    day = db.scalar(select(ReceptionDay).where(ReceptionDay.place == "周庄镇人大代表之家"))
    db.commit()
    assert day is not None
    assert (day.held_on, day.deputies) == (dt.date(2026, 12, 12), "吴刚、郑丽、孙伟")
    assert response.headers["location"] == f"/staff/reception-days/{day.id}?saved=1"
    page = client.get(response.headers["location"]).text
    assert "代表接待日 2026-12-12" in page and "吴刚、郑丽、孙伟" in page


def test_reception_day_form_explains_what_is_wrong_and_writes_nothing(client, db, operator):
    before = days(db)
    bad = {"held_on": "2026/3/1", "place": "", "deputies": "", "town_id": "999999"}
    response = post(client, "/staff/reception-days/new", bad)
    assert response.status_code == 422
    assert field_error(response.text, "held_on") == "请按 2026-03-15 的格式填写日期"
    assert field_error(response.text, "place") == "请填写接待地点"
    assert field_error(response.text, "deputies") == "请填写接待代表"
    empty = post(
        client, "/staff/reception-days/new", {"held_on": "", "place": "某地", "deputies": "张三"}
    )
    assert field_error(empty.text, "held_on") == "请填写接待日期"
    town = post(
        client,
        "/staff/reception-days/new",
        {"held_on": "2026-03-01", "place": "某地会议室", "deputies": "张三", "town_id": "999999"},
    )
    assert field_error(town.text, "town_id") == "请从列表中选择区镇"
    assert days(db) == before


def test_issue_entered_on_the_day_is_a_linked_request(client, db, operator):
    day = first_day(db)
    page = client.get(f"/staff/reception-days/{day.id}").text
    assert "录入一个当天反映的问题" in page and "当天反映的问题（0）" in page
    assert '<option value="320583102" selected>周市镇</option>' in page  # the day's town
    assert len(hidden_key(page)) >= 16
    response = post(client, f"/staff/reception-days/{day.id}/requests", issue())
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert response.headers["location"] == (
        f"/staff/reception-days/{day.id}?added={row.tracking_number}"
    )
    assert row.channel == Channel.reception_day and row.reception_day_id == day.id
    assert row.entered_by_id == operator.id and row.contact_name == "周先生"
    after = client.get(response.headers["location"]).text
    assert f"已录入诉求 {row.tracking_number}" in after
    assert "当天反映的问题（1）" in after and "长泾路菜场门口早上占道" in after
    assert "1 件" in client.get("/staff/reception-days").text
    # The same form sent again (a double click) makes no second request.
    again = post(client, f"/staff/reception-days/{day.id}/requests", issue())
    assert again.status_code == 303 and len(requests_in(db)) == 1


def test_bad_issue_is_explained_beside_its_fields_and_nothing_is_written(client, db, operator):
    day = first_day(db)
    wrong = issue(category="", title="", description="短", town="", contact_phone="110")
    response = post(client, f"/staff/reception-days/{day.id}/requests", wrong)
    assert response.status_code == 422
    assert field_error(response.text, "category") == "请选择问题类别"
    assert field_error(response.text, "title") == "请填写标题"
    assert field_error(response.text, "description") == "详细情况至少 5 个字"
    assert field_error(response.text, "town") == "请选择所在的区镇"
    assert field_error(response.text, "contact_phone") == "请填写 11 位手机号码，例如 13812345678"
    assert "当天反映的问题（0）" in response.text
    assert requests_in(db) == []


def test_supervisors_read_reception_days_but_do_not_enter_issues(client, db, sign_in):
    sign_in("supervisor", "昆山市")
    day = first_day(db)
    page = client.get(f"/staff/reception-days/{day.id}")
    assert page.status_code == 200 and "录入一个当天反映的问题" not in page.text
    assert post(client, f"/staff/reception-days/{day.id}/requests", issue()).status_code == 403
    assert client.get("/staff/reception-days/new").status_code == 403
    assert requests_in(db) == []


def test_reception_days_through_the_api(client, db, kunshan):
    unit = factories.UnitFactory(name="测试热线")
    user = factories.staff(db, "operator", unit)
    headers = api_token(client, user.username, factories.PASSWORD)
    listed = client.get("/api/v1/reception-days", headers=headers).json()
    assert listed[0]["held_on"] == "2026-11-14"  # newest first
    assert listed[-1]["deputies"] == ["张建华", "刘敏"] and listed[-1]["town"] == "周市镇"
    created = client.post(
        "/api/v1/reception-days",
        json={"held_on": "2026-12-19", "place": "锦溪镇人大代表之家", "deputies": "冯燕"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["deputies"] == ["冯燕"] and created.json()["town"] is None
    bad = client.post(
        "/api/v1/reception-days", json={"held_on": "下周六", "place": "某地"}, headers=headers
    )
    assert bad.status_code == 422
    fields = {d["field"]: d["message"] for d in bad.json()["error"]["details"]}
    assert fields["held_on"] == "请按 2026-03-15 的格式填写日期"
    assert "deputies" in fields
