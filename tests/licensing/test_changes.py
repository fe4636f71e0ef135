"""Amendments of place or scope and simple deregistration, through the web pages: identified by
credit code, the operator's ID number and a phone code; same code and a new edition after an
amendment, a verification page that says 已注销 after deregistration."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.licensing import changes
from minsheng.licensing.models import Application, ApplicationStatus, License, Office, ScopeItem
from tests.conftest import csrf, login
from tests.licensing import last_code, office, region, valid_id
from tests.licensing.test_desk import DEMO_PASSWORD, submitted
from tests.requests import load_demo

PHONE = "13955556666"


@pytest.fixture
def issued(db: Session, app) -> License:
    """A license issued at once at a demo office of 千灯镇 (the demo backend verifies)."""
    load_demo(db)
    where = office(db, "test-changes")
    db.commit()
    made, _ = submitted(db, where)
    assert made.status == ApplicationStatus.issued, made.rules
    found = made.license
    assert found is not None and found.edition == 1
    db.commit()
    return found


def begin(client: TestClient, license: License, kind: str, id_number: str | None = None):
    data = {
        "uscc": license.uscc,
        "id_number": id_number or valid_id(),
        "phone": PHONE,
        "kind": kind,
        "csrf_token": csrf(client),
    }
    return client.post("/licensing/changes", data=data, follow_redirects=False)


def identified(client: TestClient, db: Session, license: License, kind: str) -> str:
    """Through the first two pages; returns the change's token."""
    started = begin(client, license, kind)
    assert started.status_code == 303, started.text
    token = started.headers["location"].split("/")[3]
    code = last_code(db, PHONE)
    db.commit()
    confirmed = client.post(
        f"/licensing/changes/{token}/code",
        data={"code": code, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    step = "place" if kind == "amend" else "confirm"
    assert confirmed.headers["location"] == f"/licensing/changes/{token}/{step}"
    return token


def post(client: TestClient, path: str, **data):
    return client.post(path, data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


def test_an_amendment_of_place_keeps_the_code_and_prints_a_new_edition(db, client, issued):
    code, key = issued.uscc, issued.verify_key
    token = identified(client, db, issued, "amend")
    form = client.get(f"/licensing/changes/{token}/place").text
    assert "炎武路 88 号" in form and "餐饮服务（只含面条）" in form
    qiandeng = region(db, "千灯镇")
    db.commit()
    moved = post(
        client,
        f"/licensing/changes/{token}/place",
        town_id=str(qiandeng.id),
        address="秦峰路 120 号",
        scope_codes=issued.scope_codes[0],
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("/confirm")
    shown = client.get(f"/licensing/changes/{token}/confirm").text
    assert "炎武路 88 号" in shown and "秦峰路 120 号" in shown
    done = post(client, f"/licensing/changes/{token}/confirm")
    assert done.status_code == 303 and done.headers["location"] == f"/licensing/status/{token}"
    db.expire_all()
    assert issued.uscc == code and issued.verify_key == key and issued.edition == 2
    assert issued.place.endswith("千灯镇秦峰路 120 号") and issued.valid
    amendment = db.scalar(select(Application).where(Application.kind == "amend"))
    assert amendment is not None and amendment.status == ApplicationStatus.issued
    assert db.scalar(select(func.count()).select_from(License)) == 1


def test_an_amendment_of_scope_only(db, client, issued):
    db.add(ScopeItem(code="TCHG-002", wording="日用百货销售", industry="零售"))
    db.commit()
    token = identified(client, db, issued, "amend")
    moved = post(
        client,
        f"/licensing/changes/{token}/place",
        town_id=str(issued.town_id),
        address="炎武路 88 号",
        scope_codes=[issued.scope_codes[0], "TCHG-002"],
    )
    assert moved.status_code == 303, moved.text
    assert post(client, f"/licensing/changes/{token}/confirm").status_code == 303
    db.expire_all()
    assert issued.edition == 2 and "日用百货销售" in issued.scope_text
    assert issued.place.endswith("炎武路 88 号")


def test_an_amendment_that_changes_nothing_is_refused(db, client, issued):
    token = identified(client, db, issued, "amend")
    same = post(
        client,
        f"/licensing/changes/{token}/place",
        town_id=str(issued.town_id),
        address="炎武路 88 号",
        scope_codes=issued.scope_codes,
    )
    assert same.status_code == 422 and "都没有变化" in same.text
    outside = post(
        client,
        f"/licensing/changes/{token}/place",
        town_id=str(issued.town_id),
        address="上海市嘉定区安亭镇 1 号",
        scope_codes=issued.scope_codes,
    )
    assert outside.status_code == 422 and "经营场所须在昆山市范围内" in outside.text
    refused = post(client, f"/licensing/changes/{token}/confirm")
    assert refused.status_code == 422 and "都没有变化" in refused.text
    db.expire_all()
    assert issued.edition == 1


def test_deregistration_needs_the_promise_and_ends_the_license(db, client, issued):
    token = identified(client, db, issued, "deregister")
    page = client.get(f"/licensing/changes/{token}/confirm").text
    assert "本人承诺无债权债务" in page
    unpromised = post(client, f"/licensing/changes/{token}/confirm")
    assert unpromised.status_code == 422 and "须承诺无债权债务" in unpromised.text
    db.expire_all()
    assert issued.valid
    db.commit()
    assert post(client, f"/licensing/changes/{token}/confirm", promise="yes").status_code == 303
    db.expire_all()
    assert not issued.valid and issued.deregistered_on is not None
    db.commit()
    verify = client.get(f"/licenses/verify/{issued.verify_key}").text
    assert "已注销" in verify
    again = begin(client, issued, "amend")
    assert again.status_code == 409 and "已经注销，不能再变更或注销" in again.text


def test_a_wrong_id_number_for_the_code_is_told_plainly(db, client, issued):
    before = db.scalar(select(func.count()).select_from(Application))
    db.commit()
    wrong = begin(client, issued, "amend", id_number=valid_id(order="999"))
    assert wrong.status_code == 422
    assert "身份证号码与这张营业执照的经营者不一致" in wrong.text
    assert 'id="e-id_number"' in wrong.text
    unknown = client.post(
        "/licensing/changes",
        data={"uscc": "", "id_number": "", "phone": "1", "csrf_token": csrf(client)},
    )
    assert unknown.status_code == 422
    assert (
        "请填写营业执照上的统一社会信用代码" in unknown.text
        and "请选择要办理的事项" in unknown.text
    )
    assert db.scalar(select(func.count()).select_from(Application)) == before


def test_a_pending_change_blocks_another_and_waits_at_the_desk(db, client, issued):
    # The office now confirms identity at the window: the amendment waits for a registrar.
    where = db.get(Office, issued.office_id)
    assert where is not None
    where.identity_backend = "officer"
    db.commit()
    token = identified(client, db, issued, "deregister")
    assert post(client, f"/licensing/changes/{token}/confirm", promise="yes").status_code == 303
    waiting = db.scalar(select(Application).where(Application.kind == "deregister"))
    assert waiting is not None and waiting.status == ApplicationStatus.reviewing
    number = waiting.number
    db.commit()
    blocked = begin(client, issued, "amend")
    assert blocked.status_code == 409 and f"（编号 {number}）" in blocked.text
    login(client, "registrar", DEMO_PASSWORD)
    assert number in client.get("/staff/licensing").text
    page = client.get(f"/staff/licensing/{number}").text
    assert "简易注销" in page and issued.uscc in page
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    done = post(client, f"/staff/licensing/{number}/identity", version=version)
    assert done.status_code == 303
    db.expire_all()
    assert not issued.valid
    assert changes.waiting_change(db, license=issued) is None


def test_the_register_lists_the_license_with_its_pdf_and_verification_links(db, client, issued):
    code, key = issued.uscc, issued.verify_key
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get("/staff/licensing/licenses").text
    row = page.split(f"<code>{code}</code>", 1)[1].split("</tr>", 1)[0]
    assert "昆山市千灯镇阿唐面馆店" in row and "唐芳" in row and "千灯镇" in row and "有效" in row
    assert f"/staff/licensing/licenses/{code}.pdf" in row and f"/licenses/verify/{key}" in row
    assert code not in client.get("/staff/licensing/licenses?status=deregistered").text
    assert code in client.get(f"/staff/licensing/licenses?q={code}&town=千灯镇").text
    assert code not in client.get("/staff/licensing/licenses?town=周市镇").text


def test_a_half_filled_change_gives_way_only_to_a_confirmed_phone(db, client, issued):
    first = identified(client, db, issued, "amend")
    # Someone who knows the code and the ID number starts another change: the first one stays.
    second = begin(client, issued, "deregister")
    assert second.status_code == 303, second.text
    db.expire_all()
    kept = db.scalar(select(Application).where(Application.status_token_hash.isnot(None)))
    assert kept is not None
    statuses = {
        a.kind.value: a.status
        for a in db.scalars(select(Application).where(Application.license_id == issued.id))
        if a.kind.value != "register"
    }
    assert statuses == {"amend": ApplicationStatus.filling, "deregister": ApplicationStatus.filling}
    db.commit()
    # Once the second one's phone is confirmed, the first gives way.
    token = second.headers["location"].split("/")[3]
    code = last_code(db, PHONE)
    db.commit()
    assert post(client, f"/licensing/changes/{token}/code", code=code).status_code == 303
    db.expire_all()
    statuses = {
        a.kind.value: a.status
        for a in db.scalars(select(Application).where(Application.license_id == issued.id))
        if a.kind.value != "register"
    }
    assert statuses == {
        "amend": ApplicationStatus.abandoned,
        "deregister": ApplicationStatus.filling,
    }
    assert first
