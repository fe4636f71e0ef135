"""The applicant's path on the web, through the real app: start, identity with the SMS code,
business with every check, review with the rules' reasons, submit, the status page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.modules import load_modules
from minsheng.licensing.demo_data import SCOPE
from minsheng.licensing.models import Application, ApplicationStatus, ScopeItem
from minsheng.notify.models import OutboundMessage
from tests.conftest import csrf
from tests.licensing import PHONE, QIANDENG, last_code, office, region, valid_id

NOODLES = ["CY-001", "CY-006"]  # 小餐饮 (needs a food permit), 外卖递送服务


def load_places(db: Session) -> None:
    """Every module's demo but the licensing one's year of businesses (slow, and tested on its
    own), then the demo's scope catalogue, committed."""
    for module in sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order):
        if module.name != "licensing":
            assert module.demo is not None
            module.demo(db, lambda _step: None)
    against: dict[str, set[str]] = {code: set() for code, *_ in SCOPE}
    for code, *_rest, conflicts in SCOPE:
        for other in conflicts:
            against[code].add(other)
            against[other].add(code)
    for position, (code, wording, industry, permit, guide, _) in enumerate(SCOPE, 1):
        db.add(
            ScopeItem(
                code=code,
                wording=wording,
                industry=industry,
                permit=bool(permit),
                permit_name=permit,
                guide_code=guide,
                conflicts=sorted(against[code]),
                position=position * 10,
            )
        )
    db.commit()


@pytest.fixture
def kunshan(db: Session, app) -> None:
    load_places(db)
    office(db)
    office(db, "test-review", instant=False)
    db.commit()


def token_of(response: Any) -> str:
    found = re.search(r"/licensing/apply/([A-Za-z0-9_-]+)/", response.headers["location"])
    assert found is not None, response.headers.get("location")
    return found.group(1)


def shown_at(html: str) -> str:
    found = re.search(r'name="shown_at" value="([\d.]+)"', html)
    assert found is not None
    return found.group(1)


def start(client: TestClient, code: str = "test-qd") -> str:
    response = client.post(
        "/licensing/start",
        data={"office": code, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("/identity")
    return token_of(response)


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.text
    body = {"csrf_token": csrf(client), "shown_at": shown_at(page.text), **data}
    return client.post(path, data=body, follow_redirects=False)


def application(db: Session) -> Application:
    """The newest application as the app committed it (the session lets go of SQLite after)."""
    db.commit()
    db.expire_all()
    found = db.scalar(select(Application).order_by(Application.id.desc()).limit(1))
    assert found is not None
    db.commit()
    return found


def identify(client: TestClient, db: Session, token: str, *, id_number: str | None = None) -> None:
    path = f"/licensing/apply/{token}/identity"
    sent = post(client, path, {"action": "send_code", "phone": PHONE})
    assert sent.status_code == 200 and "验证码已发送到 139****5678" in sent.text
    code = last_code(db, PHONE)
    db.commit()  # SQLite: the app writes only once this session lets go
    data = {
        "action": "next",
        "operator_name": "唐芳",
        "id_number": id_number or valid_id(),
        "phone": PHONE,
        "code": code,
    }
    response = post(client, path, data)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/licensing/apply/{token}/business"


def town_id(db: Session, name: str = QIANDENG) -> int:
    found = region(db, name).id
    db.commit()
    return found


def business(db: Session, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "org_form": "individual",
        "trade_name": "阿唐",
        "industry_word": "面馆",
        "form_word": "店",
        "town_id": str(town_id(db)),
        "community_id": "",
        "address": "石浦路 88 号 1 楼",
        "scope_codes": NOODLES,
    }
    data.update(changes)
    return data


def test_the_start_page_says_what_to_bring_and_offers_the_offices(client, kunshan) -> None:
    page = client.get("/licensing")
    assert page.status_code == 200
    for needed in ("身份证", "手机", "经营场所", "一共 3 步", "test-qd", "千灯镇"):
        assert needed in page.text
    refused = client.post(
        "/licensing/start", data={"office": "nowhere", "csrf_token": csrf(client)}
    )
    assert refused.status_code == 422 and "请选择办理的区镇和服务点" in refused.text


def test_the_whole_web_path_ends_in_an_instant_license(client, db, kunshan) -> None:
    token = start(client)
    identify(client, db, token)
    business_page = client.get(f"/licensing/apply/{token}/business")
    assert f'<option value="{town_id(db)}" selected>' in business_page.text  # the office's town
    assert "需先取得许可" in business_page.text and 'href="/guides/KS-SP-001"' in business_page.text
    assert 'hx-get="/licensing/checks/name"' in business_page.text
    saved = post(client, f"/licensing/apply/{token}/business", business(db))
    assert saved.status_code == 303, saved.text
    review = client.get(f"/licensing/apply/{token}/review")
    assert review.status_code == 200
    for shown in (
        "唐芳",
        "320583********",
        "139****5678",
        "昆山市千灯镇阿唐面馆店",
        "石浦路 88 号",
    ):
        assert shown in review.text
    assert "小餐饮" in review.text and "含许可项目" in review.text  # the rules with reasons
    assert "lc-fail" not in review.text
    submitted = post(client, f"/licensing/apply/{token}/review", {})
    assert submitted.status_code == 303
    assert submitted.headers["location"] == f"/licensing/status/{token}"
    app = application(db)
    assert app.status == ApplicationStatus.issued and app.decision == "instant"
    assert app.license is not None and app.license.uscc.startswith("92320583")
    assert set(app.step_times) == {"identity", "business", "review"}
    uscc = app.license.uscc
    db.commit()
    status = client.get(f"/licensing/status/{token}")
    assert status.status_code == 200
    assert app.number in status.text and uscc in status.text
    assert f"/licensing/status/{token}/license.pdf?copy=1" in status.text
    pdf = client.get(f"/licensing/status/{token}/license.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "演示" in status.text  # the test office uses the demo backend
    sms = list(db.scalars(select(OutboundMessage.body).where(OutboundMessage.recipient == PHONE)))
    db.commit()
    assert any(f"/licensing/status/{token}" in body for body in sms)


def test_a_case_for_review_waits_at_the_desk_and_the_status_page_says_so(
    client, db, kunshan
) -> None:
    token = start(client, "test-review")
    identify(client, db, token)
    post(client, f"/licensing/apply/{token}/business", business(db, trade_name=""))
    submitted = post(client, f"/licensing/apply/{token}/review", {})
    assert submitted.status_code == 303
    app = application(db)
    assert app.status == ApplicationStatus.reviewing
    status = client.get(f"/licensing/status/{token}")
    assert "等待登记人员审核" in status.text and "license.pdf" not in status.text
    # Submitted: the steps are closed and lead to the status page.
    again = client.get(f"/licensing/apply/{token}/business", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/licensing/status/{token}"
    # A registrar returns it (the desk's part): the page says what to fix and leads back.
    row = db.get(Application, app.id)
    assert row is not None
    row.status, row.reason = ApplicationStatus.returned, "请把地址写到门牌号"
    db.commit()
    returned = client.get(f"/licensing/status/{token}")
    assert "请把地址写到门牌号" in returned.text
    assert f'href="/licensing/apply/{token}/business"' in returned.text
    assert client.get(f"/licensing/apply/{token}/business").status_code == 200


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        (valid_id()[:17] + ("0" if valid_id()[17] != "0" else "1"), "校验码不对"),
        (valid_id("19900230"), "出生日期不存在"),
        (valid_id("20100101"), "年满 18 周岁"),
    ],
)
def test_a_bad_id_number_is_answered_next_to_its_field(
    client, db, kunshan, id_number: str, message: str
) -> None:
    token = start(client)
    response = post(
        client,
        f"/licensing/apply/{token}/identity",
        {"action": "next", "operator_name": "唐芳", "id_number": id_number, "phone": PHONE},
    )
    assert response.status_code == 422
    assert re.search(rf'id="e-id_number"[^>]*>[^<]*{message}', response.text)
    assert application(db).id_number == ""  # nothing half-written


def test_a_wrong_then_expired_code_is_refused_with_the_reason(client, db, kunshan) -> None:
    token = start(client)
    path = f"/licensing/apply/{token}/identity"
    post(client, path, {"action": "send_code", "phone": PHONE})
    fields = {"action": "next", "operator_name": "唐芳", "id_number": valid_id(), "phone": PHONE}
    code = last_code(db, PHONE)
    db.commit()
    wrong = post(client, path, {**fields, "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    assert re.search(r'id="e-code"[^>]*>[^<]*验证码不正确', wrong.text)
    db.commit()
    from minsheng.accounts.models import OtpChallenge
    from minsheng.core.db import utcnow

    for challenge in db.scalars(select(OtpChallenge).where(OtpChallenge.phone == PHONE)):
        challenge.expires_at = utcnow()
    db.commit()
    expired = post(client, path, {**fields, "code": code})
    assert expired.status_code == 422 and "验证码已过期" in expired.text
    assert application(db).phone_verified_at is None


def test_a_banned_name_and_an_address_outside_kunshan_are_answered_by_their_fields(
    client, db, kunshan
) -> None:
    token = start(client)
    identify(client, db, token)
    response = post(
        client,
        f"/licensing/apply/{token}/business",
        business(db, trade_name="中国", address="上海市青浦区华新镇 1 号"),
    )
    assert response.status_code == 422
    assert re.search(r'id="e-trade_name"[^>]*>[^<]*中国', response.text)
    assert re.search(r'id="e-address"[^>]*>[^<]*昆山市', response.text)
    assert 'value="上海市青浦区华新镇 1 号"' in response.text  # what was typed stays
    app = application(db)
    assert (app.trade_name, app.address, app.scope_codes) == ("", "", [])


def test_family_members_and_scope_conflicts_are_checked(client, db, kunshan) -> None:
    token = start(client)
    identify(client, db, token)
    response = post(
        client,
        f"/licensing/apply/{token}/business",
        business(db, org_form="family", scope_codes=["CY-001", "CY-002"]),
    )
    assert response.status_code == 422
    assert "家庭经营须填写至少一位" in response.text and "不能同时选择" in response.text
    family = business(
        db, org_form="family", family_name_0="唐明", family_id_0=valid_id(order="211")
    )
    assert post(client, f"/licensing/apply/{token}/business", family).status_code == 303
    app = application(db)
    assert app.org_form == "family" and app.family_members[0]["name"] == "唐明"


def test_review_lists_what_is_missing_and_refuses_an_early_submit(client, db, kunshan) -> None:
    token = start(client)
    review = client.get(f"/licensing/apply/{token}/review")
    assert "还有几步没有完成" in review.text and "请先验证手机号码" in review.text
    early = post(client, f"/licensing/apply/{token}/review", {})
    assert early.status_code == 422
    assert application(db).status == ApplicationStatus.filling


def test_the_communities_follow_the_town(client, db, kunshan) -> None:
    token = start(client)
    part = client.get(f"/licensing/apply/{token}/communities", params={"town_id": town_id(db)})
    assert part.status_code == 200 and 'id="community-field"' in part.text
    assert part.text.count("<option") > 1
    assert client.get(f"/licensing/apply/{token}/communities?town_id=x").text.count("<option") == 1


def test_every_post_needs_the_csrf_token(client, db, kunshan) -> None:
    assert client.post("/licensing/start", data={"office": "test-qd"}).status_code == 403
    token = start(client)
    path = f"/licensing/apply/{token}/identity"
    forged = client.post(path, data={"action": "send_code", "phone": PHONE, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    db.commit()
    assert db.scalar(select(OutboundMessage.id).where(OutboundMessage.recipient == PHONE)) is None


def test_an_unknown_token_is_a_chinese_404(client, kunshan) -> None:
    for path in ("/licensing/status/nothing-here", "/licensing/apply/nothing-here/identity"):
        response = client.get(path)
        assert response.status_code == 404 and "没有找到这份申请" in response.text


def test_the_pages_read_in_english(client, db, kunshan) -> None:
    client.cookies.set("minsheng_lang", "en")
    start_page = client.get("/licensing")
    assert "Register an individual business" in start_page.text and "身份证" not in start_page.text
    token = start(client)
    page = client.get(f"/licensing/apply/{token}/identity")
    assert "Step 1 of 3" in page.text and "Send me a code" in page.text
    assert "经营者姓名" not in page.text


def test_every_text_of_the_flow_has_its_english() -> None:
    from pathlib import Path

    from minsheng.licensing import flow, pages_apply, pages_kiosk
    from minsheng.web import i18n
    from tests.i18n_kit import chinese_outside_the_translator, code_texts, template_texts

    folder = Path(flow.__file__).parents[1] / "web" / "templates" / "licensing"
    english = i18n.translations("en")
    texts: set[str] = set()
    for area in ("apply", "kiosk"):
        assert chinese_outside_the_translator(folder / area) == []
        texts |= template_texts(folder / area)
    for module in (flow, pages_apply, pages_kiosk):
        texts |= code_texts(Path(module.__file__))
    assert sorted(t for t in texts if english.gettext(t) == t) == []
