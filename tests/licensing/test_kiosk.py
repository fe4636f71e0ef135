"""The kiosk through the real app: one question per screen with its progress, 演示 on every
screen, the token only in an HttpOnly cookie, the timeout that wipes, printing, and 完成."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.licensing.flow import KIOSK_STEPS
from minsheng.licensing.models import Application, ApplicationStatus
from tests import pdftools
from tests.conftest import csrf
from tests.licensing import PHONE, last_code, office, valid_id
from tests.licensing.test_flow_web import application, kunshan, shown_at, town_id

__all__ = ["kunshan"]  # the fixture, shared with the web path's tests

BASE = "/kiosk/test-qd"
TOTAL = len(KIOSK_STEPS)


def begin(client: TestClient, base: str = BASE) -> Any:
    response = client.post(
        f"{base}/start", data={"csrf_token": csrf(client)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == f"{base}/operator"
    return response


def answer(client: TestClient, step: str, data: dict[str, Any], base: str = BASE) -> Any:
    page = client.get(f"{base}/{step}")
    assert page.status_code == 200, page.text
    body = {"csrf_token": csrf(client), "shown_at": shown_at(page.text), **data}
    return client.post(f"{base}/{step}", data=body, follow_redirects=False)


def goes_to(response: Any, step: str, base: str = BASE) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{base}/{step}"


def identify(client: TestClient, db: Session, base: str = BASE) -> None:
    goes_to(answer(client, "operator", {"operator_name": "唐芳"}, base), "id_number", base)
    goes_to(answer(client, "id_number", {"id_number": valid_id()}, base), "phone", base)
    goes_to(answer(client, "phone", {"phone": PHONE}, base), "code", base)
    code = last_code(db, PHONE)
    db.commit()
    goes_to(answer(client, "code", {"code": code}, base), "org_form", base)


def test_a_newcomer_registers_a_noodle_shop_and_prints_the_license(
    client, db, kunshan, tmp_path: Path
) -> None:
    welcome = client.get(BASE)
    assert welcome.status_code == 200
    assert "演示" in welcome.text and "开始办理" in welcome.text
    started = begin(client)
    cookie = started.headers["set-cookie"]
    assert "minsheng_kiosk=" in cookie and "HttpOnly" in cookie and f"Path={BASE}" in cookie
    assert "samesite=strict" in cookie.lower()
    token = client.cookies.get("minsheng_kiosk")
    assert token and token not in started.headers["location"]

    for number, step in enumerate(KIOSK_STEPS[:-1], start=1):
        page = client.get(f"{BASE}/{step}")
        assert page.status_code == 200
        assert f"第 {number} 步，共 {TOTAL} 步" in page.text
        assert f'<progress max="{TOTAL}" value="{number}">' in page.text
        assert f'content="120;url={BASE}/timeout"' in page.text  # works without script
        assert "演示" in page.text and "重新开始" in page.text
        assert token not in page.text
        if step in ("operator", "id_number", "phone", "code"):  # one question on the screen
            assert len(re.findall(r'<input (?![^>]*type="hidden")', page.text)) == 1

    identify(client, db)
    goes_to(answer(client, "org_form", {"org_form": "individual"}), "trade_name")
    name = {"trade_name": "阿唐", "industry_word": "面馆", "form_word": "店"}
    goes_to(answer(client, "trade_name", name), "place")
    place = {"town_id": str(town_id(db)), "address": "石浦路 88 号"}
    goes_to(answer(client, "place", place), "scope")
    goes_to(answer(client, "scope", {"scope_codes": ["CY-001", "CY-006"]}), "confirm")
    confirm = client.get(f"{BASE}/confirm")
    assert "昆山市千灯镇阿唐面馆店" in confirm.text and "lc-fail" not in confirm.text
    goes_to(answer(client, "confirm", {}), "result")

    app = application(db)
    assert app.status == ApplicationStatus.issued and app.channel == "kiosk"
    assert set(app.step_times) >= set(KIOSK_STEPS[:-1])
    assert app.license is not None
    uscc = app.license.uscc
    db.commit()
    result = client.get(f"{BASE}/result")
    assert uscc in result.text and f'href="{BASE}/print"' in result.text
    printing = client.get(f"{BASE}/print")
    assert f'<iframe id="license-frame" class="kiosk-pdf" src="{BASE}/license.pdf?copy=0"' in (
        printing.text
    )
    assert "/static/licensing/print.js" in printing.text and f'href="{BASE}/license.pdf' in (
        printing.text
    )
    pdf = client.get(f"{BASE}/license.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"  # the print page may frame it
    assert uscc in pdftools.text_of(pdftools.save(pdf.content, tmp_path))

    done = client.post(f"{BASE}/done", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}?m=done"
    assert "minsheng_kiosk" not in client.cookies
    kept = application(db)
    assert kept.status == ApplicationStatus.issued and kept.operator_name == "唐芳"  # not wiped
    again = client.get(f"{BASE}/result", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == BASE


def test_a_bad_answer_stays_on_its_screen_with_the_reason(client, db, kunshan) -> None:
    begin(client)
    goes_to(answer(client, "operator", {"operator_name": "唐芳"}), "id_number")
    young = answer(client, "id_number", {"id_number": valid_id("20100101")})
    assert young.status_code == 422 and "年满 18 周岁" in young.text
    assert "第 2 步" in young.text and 'value="' + valid_id("20100101") + '"' in young.text
    assert application(db).id_number == ""
    identify(client, db)
    goes_to(answer(client, "org_form", {"org_form": "individual"}), "trade_name")
    banned = answer(client, "trade_name", {"trade_name": "中国", "industry_word": "面馆"})
    assert banned.status_code == 422 and re.search(r'id="e-trade_name"[^>]*>[^<]*中国', banned.text)
    assert application(db).trade_name == ""


def test_a_wrong_code_is_refused_and_a_new_one_can_be_sent(client, db, kunshan) -> None:
    begin(client)
    answer(client, "operator", {"operator_name": "唐芳"})
    answer(client, "id_number", {"id_number": valid_id()})
    answer(client, "phone", {"phone": PHONE})
    first = last_code(db, PHONE)
    db.commit()
    wrong = answer(client, "code", {"code": "000000" if first != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    goes_to(answer(client, "code", {"action": "resend"}), "code")
    assert application(db).phone_verified_at is None


def test_the_timeout_wipes_what_was_typed(client, db, kunshan) -> None:
    begin(client)
    answer(client, "operator", {"operator_name": "唐芳"})
    answer(client, "id_number", {"id_number": valid_id()})
    answer(client, "phone", {"phone": PHONE})
    left = client.get(f"{BASE}/timeout", follow_redirects=False)
    assert left.status_code == 303 and left.headers["location"] == f"{BASE}?m=timeout"
    assert "minsheng_kiosk" not in client.cookies
    app = application(db)
    assert app.status == ApplicationStatus.abandoned
    assert (app.operator_name, app.id_number, app.phone) == ("", "", "")
    assert "已经清除" in client.get(left.headers["location"]).text


def test_the_server_refuses_to_go_on_after_the_timeout(client, db, kunshan) -> None:
    begin(client)
    answer(client, "operator", {"operator_name": "唐芳"})
    app = application(db)
    stale = db.get(Application, app.id)
    assert stale is not None
    stale.last_active_at = utcnow() - dt.timedelta(minutes=5)
    db.commit()
    late = client.get(f"{BASE}/id_number", follow_redirects=False)
    assert late.status_code == 303 and late.headers["location"] == f"{BASE}?m=idle"
    wiped = application(db)
    assert wiped.status == ApplicationStatus.abandoned and wiped.operator_name == ""
    assert "停留太久" in client.get(late.headers["location"]).text


def test_starting_again_wipes_the_previous_person(client, db, kunshan) -> None:
    begin(client)
    answer(client, "operator", {"operator_name": "唐芳"})
    restart = client.post(
        f"{BASE}/restart", data={"csrf_token": csrf(client)}, follow_redirects=False
    )
    assert restart.status_code == 303 and restart.headers["location"] == f"{BASE}?m=restart"
    assert application(db).status == ApplicationStatus.abandoned
    begin(client)
    answer(client, "operator", {"operator_name": "王强"})
    first = application(db)
    begin(client)  # the next person pressed 开始办理 on a screen left mid-way
    db.commit()
    db.expire_all()
    assert db.get(Application, first.id).operator_name == ""  # type: ignore[union-attr]
    db.commit()


def test_kiosk_posts_need_csrf_and_cookies_stay_with_their_office(client, db, kunshan) -> None:
    assert client.post(f"{BASE}/start").status_code == 403
    office(db, "test-other", backend="officer")
    db.commit()
    begin(client)
    other = client.get("/kiosk/test-other/operator", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"] == "/kiosk/test-other"
    assert client.get("/kiosk/nowhere").status_code == 404
    assert client.get(f"{BASE}/nothing").status_code == 404


def test_an_officer_kiosk_has_no_demo_label_and_sends_to_the_window(client, db, kunshan) -> None:
    office(db, "test-officer", backend="officer")
    db.commit()
    base = "/kiosk/test-officer"
    begin(client, base)
    page = client.get(f"{base}/operator")
    assert "演示" not in page.text
    identify(client, db, base)
    goes_to(answer(client, "org_form", {"org_form": "individual"}, base), "trade_name", base)
    goes_to(answer(client, "trade_name", {}, base), "place", base)
    place = {"town_id": str(town_id(db)), "address": "石浦路 99 号"}
    goes_to(answer(client, "place", place, base), "scope", base)
    goes_to(answer(client, "scope", {"scope_codes": ["LS-001"]}, base), "confirm", base)
    goes_to(answer(client, "confirm", {}, base), "result", base)
    result = client.get(f"{base}/result")
    assert "请带身份证到窗口" in result.text and "/print" not in result.text
    assert application(db).status == ApplicationStatus.reviewing
    assert client.get(f"{base}/print").status_code == 404


def test_the_kiosk_reads_in_english(client, kunshan) -> None:
    client.cookies.set("minsheng_lang", "en")
    begin(client)
    page = client.get(f"{BASE}/operator")
    assert "Step 1 of 10" in page.text and "Enter your name" in page.text
    assert "Start again" in page.text and "请输入您的姓名" not in page.text
