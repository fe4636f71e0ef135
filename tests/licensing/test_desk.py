"""The registrar's desk: the queue with failed rules highlighted, scoped to the registrar's
office; confirming identity, approving, returning and refusing, each told to the applicant;
stale forms and second issues refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.models import StaffUser
from minsheng.core.errors import Conflict, Forbidden
from minsheng.licensing import decision, desk, service
from minsheng.licensing.models import Application, ApplicationStatus, License, Office, ScopeItem
from minsheng.notify.models import OutboundMessage
from tests import factories
from tests.conftest import csrf, login
from tests.licensing import last_code, office, valid_id
from tests.requests import load_demo, unit

DEMO_PASSWORD = "minsheng-demo-2026"
NOODLES = "TDESK-001"


def scope_item(db: Session) -> str:
    """A general scope wording of the tests' own, so they do not lean on the demo catalogue."""
    if db.scalar(select(ScopeItem).where(ScopeItem.code == NOODLES)) is None:
        db.add(ScopeItem(code=NOODLES, wording="餐饮服务（只含面条）", industry="餐饮"))
        db.flush()
    return NOODLES


def submitted(
    db: Session,
    where: Office,
    *,
    trade_name: str = "阿唐",
    order: str = "123",
    phone: str = "13912345678",
    step_times: dict[str, float] | None = None,
) -> tuple[Application, str]:
    """An application filled as the kiosk fills it and submitted through decision.submit,
    committed; each person has their own ID number (`order`) and phone."""
    app, token = service.start(db, office=where, channel="kiosk")
    service.set_identity(db, app=app, name="唐芳", id_number=valid_id(order=order))
    service.send_code(db, app=app, phone=phone, client_addr="127.0.0.1")
    service.confirm_code(db, app=app, code=last_code(db, phone))
    town = where.town
    assert town is not None
    app.name_division = f"昆山市{town.name}"
    app.trade_name, app.industry_word, app.form_word = trade_name, "面馆", "店"
    app.town = town
    app.address = "炎武路 88 号"
    app.scope_codes = [scope_item(db)]
    app.step_times = step_times or {"identity": 40.0, "business": 75.5, "checks": 12.0}
    decision.submit(db, app=app)
    db.commit()
    return app, token


def principal(db: Session, username: str):
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return accounts.principal(db, user=user)


def sms_to(db: Session, phone: str) -> list[str]:
    return list(
        db.scalars(
            select(OutboundMessage.body)
            .where(OutboundMessage.recipient == phone)
            .order_by(OutboundMessage.id)
        )
    )


def version_of(page: str, number: str, action: str) -> str:
    """The version a decision's form carries."""
    form = page.split(f'action="/staff/licensing/{number}/{action}"', 1)[1]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found is not None
    return found.group(1)


def act(client: TestClient, number: str, action: str, **data: str):
    page = client.get(f"/staff/licensing/{number}").text
    form = {"version": version_of(page, number, action), "csrf_token": csrf(client), **data}
    return client.post(f"/staff/licensing/{number}/{action}", data=form, follow_redirects=False)


@pytest.fixture
def officer(db: Session, app) -> Office:
    """The demo accounts and a 千灯镇 office whose registrars confirm identity at the window."""
    load_demo(db)
    made = office(db, "test-desk", backend="officer")
    db.commit()
    return made


def test_the_queue_lists_waiting_applications_with_failed_rules_in_red(db, client, officer):
    older, _ = submitted(db, officer, trade_name="中国", order="111", phone="13900000001")
    newer, _ = submitted(db, officer, trade_name="阿唐", order="222", phone="13900000002")
    assert older.status == newer.status == ApplicationStatus.reviewing
    banned = next(r for r in desk.failed_rules(older) if r["code"] == "name.banned_words")
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get("/staff/licensing").text
    waiting = page.split('id="s-reviewing"', 1)[1].split('id="s-returned"', 1)[0]
    assert waiting.index(older.number) < waiting.index(newer.number)  # oldest first
    row = waiting.split(older.number, 1)[1].split("</tr>", 1)[0]
    assert "唐芳" in row and "千灯镇" in row and "昆山市千灯镇中国面馆店" in row
    assert 'class="due due-red">✗ 名称禁用字词' in row and banned["message"] in row
    other = waiting.split(newer.number, 1)[1].split("</tr>", 1)[0]
    assert "名称禁用字词" not in other and "须到窗口由登记人员核验身份" in other


def test_another_towns_registrar_gets_403(db, client, officer):
    waiting, _ = submitted(db, officer)
    elsewhere = factories.staff(db, "registrar", unit(db, "周市镇行政审批局"), username="zhoushi")
    login(client, elsewhere.username, factories.PASSWORD)
    assert waiting.number not in client.get("/staff/licensing").text
    assert client.get(f"/staff/licensing/{waiting.number}").status_code == 403
    posted = client.post(
        f"/staff/licensing/{waiting.number}/refuse",
        data={"version": str(waiting.version), "reason": "不行", "csrf_token": csrf(client)},
    )
    assert posted.status_code == 403
    with pytest.raises(Forbidden):
        desk.refuse(db, app=waiting, staff=principal(db, "zhoushi"), reason="不行")
    db.refresh(waiting)
    assert waiting.status == ApplicationStatus.reviewing


def test_confirming_identity_issues_when_every_other_rule_passes(db, client, officer):
    waiting, _ = submitted(db, officer)
    assert waiting.identity_checked_at is None and waiting.decision == "review"
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get(f"/staff/licensing/{waiting.number}").text
    assert "窗口核验" in page and "核验身份（已查验身份证原件）" in page
    assert act(client, waiting.number, "identity").status_code == 303
    db.expire_all()
    registrar = principal(db, "registrar")
    assert waiting.status == ApplicationStatus.issued
    assert waiting.identity_confirmed_by_id == registrar.user_id == waiting.reviewed_by_id
    assert waiting.identity_checked_at is not None and waiting.decided_at is not None
    issued = db.scalar(select(License).where(License.id == waiting.license_id))
    assert issued is not None and issued.valid and issued.operator_id_number == valid_id()
    assert "已审核通过并办结" in sms_to(db, "13912345678")[-1]
    db.commit()  # SQLite: let the app write
    shown = client.get(f"/staff/licensing/{waiting.number}").text
    assert issued.uscc in shown and f"/staff/licensing/licenses/{issued.uscc}.pdf" in shown


def test_approving_needs_identity_and_an_explicit_word_on_failed_rules(db, client, officer):
    earlier, _ = submitted(db, officer, trade_name="老唐")
    desk.refuse(db, app=earlier, staff=principal(db, "registrar"), reason="场所为住宅")
    db.commit()
    # The same person again within months: a rule sends it to a registrar's judgement.
    waiting, _ = submitted(db, officer, phone="13900000003")
    assert "operator.refused" in {r["code"] for r in desk.failed_rules(waiting)}
    login(client, "registrar", DEMO_PASSWORD)
    refused = act(client, waiting.number, "approve")
    assert refused.status_code == 422 and "请先核验申请人的身份证原件" in refused.text
    assert act(client, waiting.number, "identity").status_code == 303
    db.expire_all()
    assert waiting.status == ApplicationStatus.reviewing  # a rule still fails
    db.commit()
    unticked = act(client, waiting.number, "approve")
    assert unticked.status_code == 422 and "请勾选确认" in unticked.text
    assert act(client, waiting.number, "approve", accept_failed="yes").status_code == 303
    db.expire_all()
    assert waiting.status == ApplicationStatus.issued and waiting.license_id is not None


def test_returning_tells_the_applicant_what_to_fix_and_opens_the_form_again(db, client, officer):
    waiting, _ = submitted(db, officer)
    login(client, "registrar", DEMO_PASSWORD)
    empty = act(client, waiting.number, "return", reason="  ")
    assert empty.status_code == 422
    assert 'id="e-return-reason"' in empty.text and "请写明申请人需要修改什么" in empty.text
    fix = "经营场所地址缺少门牌号，请补充完整"
    assert act(client, waiting.number, "return", reason=fix).status_code == 303
    db.expire_all()
    assert waiting.status == ApplicationStatus.returned and waiting.reason == fix
    service.require_editable(waiting)  # the applicant may change their answers again
    assert fix in sms_to(db, "13912345678")[-1]
    waiting.address = "炎武路 88 号 2 幢"
    decision.submit(db, app=waiting)
    assert waiting.status == ApplicationStatus.reviewing and waiting.reason == ""


def test_refusing_needs_a_reason_and_ends_the_application(db, client, officer):
    waiting, _ = submitted(db, officer)
    login(client, "registrar", DEMO_PASSWORD)
    assert act(client, waiting.number, "refuse").status_code == 422
    why = "该场所为住宅，不能从事餐饮服务"
    assert act(client, waiting.number, "refuse", reason=why).status_code == 303
    db.expire_all()
    assert waiting.status == ApplicationStatus.refused and waiting.reason == why
    assert waiting.reviewed_by_id == principal(db, "registrar").user_id
    assert f"未予登记，原因：{why}" in sms_to(db, "13912345678")[-1]
    db.commit()
    page = client.get(f"/staff/licensing/{waiting.number}").text
    assert "/refuse" not in page and why in page


def test_a_decision_on_a_page_someone_else_acted_on_is_refused(db, client, officer):
    waiting, _ = submitted(db, officer)
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get(f"/staff/licensing/{waiting.number}").text
    seen = version_of(page, waiting.number, "refuse")
    # A colleague at the next window returns it first.
    desk.return_for_correction(db, app=waiting, staff=principal(db, "admin"), reason="请补充门牌号")
    db.commit()
    late = client.post(
        f"/staff/licensing/{waiting.number}/refuse",
        data={"version": seen, "reason": "场所不符", "csrf_token": csrf(client)},
    )
    assert late.status_code == 409 and "刚被其他登记人员处理过" in late.text
    db.expire_all()
    assert waiting.status == ApplicationStatus.returned and waiting.reason == "请补充门牌号"
    with pytest.raises(Conflict):
        desk.refuse(db, app=waiting, staff=principal(db, "registrar"), reason="x", version=1)


def test_nothing_is_issued_twice(db, client, officer):
    waiting, _ = submitted(db, officer)
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get(f"/staff/licensing/{waiting.number}").text
    stale = version_of(page, waiting.number, "approve")
    assert act(client, waiting.number, "identity").status_code == 303
    again = client.post(
        f"/staff/licensing/{waiting.number}/approve",
        data={"version": stale, "csrf_token": csrf(client)},
    )
    assert again.status_code == 409
    db.expire_all()
    with pytest.raises(Conflict, match="不能重复发照"):
        desk.approve(db, app=waiting, staff=principal(db, "registrar"))
    assert db.scalar(select(func.count()).select_from(License)) == 1


def test_the_full_id_number_is_for_the_offices_registrars_only(db, client, officer):
    waiting, _ = submitted(db, officer)
    login(client, "registrar", DEMO_PASSWORD)
    assert valid_id() in client.get(f"/staff/licensing/{waiting.number}").text
    client.cookies.clear()
    login(client, "admin", DEMO_PASSWORD)
    page = client.get(f"/staff/licensing/{waiting.number}").text
    assert valid_id() not in page and "320583********" in page
    assert "审核通过并发照" in page  # administrators act everywhere


def test_the_detail_shows_step_times_and_the_register_the_offices_averages(db, client, officer):
    waiting, _ = submitted(db, officer, step_times={"identity": 40, "business": 80})
    submitted(db, officer, order="222", phone="13900000002", step_times={"identity": 60})
    login(client, "registrar", DEMO_PASSWORD)
    page = client.get(f"/staff/licensing/{waiting.number}").text
    times = page.split('id="h-times"', 1)[1]
    assert "身份信息" in times and "40 秒" in times and "2 分 0 秒" in times  # 120 s in total
    averages = desk.step_averages(db)
    mine = next(o for o in averages if o.office.id == officer.id)
    assert mine.sessions == 2 and dict(mine.steps)["identity"] == 50.0
    db.commit()
    register = client.get("/staff/licensing/licenses").text
    assert officer.name in register and "50 秒" in register
