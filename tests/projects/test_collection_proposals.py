"""征集: residents propose through the public form while the batch collects; units and deputies
through the staff pages; the public list shows proposals without anyone's personal data."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from minsheng.audit.models import AuditEvent
from minsheng.core.settings import get_settings
from minsheng.projects.collection import local_today
from minsheng.projects.models import Batch
from minsheng.projects.models_collection import Proposal, ProposalSource, ProposalStatus
from tests import factories
from tests import projects as make
from tests.conftest import csrf
from tests.projects.collection_kit import (
    MASKED,
    PHONE,
    closed_batch,
    count,
    deputy,
    field_error,
    office,
    open_batch,
    post,
    proposal_form,
    propose,
    sign_in,
    sign_in_resident,
)


def proposal(db, number: str) -> Proposal:
    found = db.scalar(
        select(Proposal).where(Proposal.number == number).execution_options(populate_existing=True)
    )
    db.commit()
    return found


def test_the_form_asks_for_one_idea_per_proposal(client, db):
    open_batch(db)
    page = client.get("/projects/proposals/new")
    assert page.status_code == 200
    assert "一事一议" in page.text and "一条建议只提一件事" in page.text
    for field in ("area", "title", "what", "why", "approach", "name", "phone"):
        assert f'id="f-{field}"' in page.text and f'for="f-{field}"' in page.text
    assert 'name="csrf_token"' in page.text
    assert "留下手机号，建议答复后我们会发短信告诉您" in page.text


def test_a_resident_proposes_and_gets_a_number(client, db):
    open_batch(db)
    first = propose(client)
    second = propose(
        client, title="社区食堂", what="在周市镇每个社区办一家老年食堂，解决老人吃饭难。"
    )
    year = local_today().year
    assert (first, second) == (f"JY{year}-0001", f"JY{year}-0002")
    saved = proposal(db, first)
    assert saved.source == ProposalSource.resident and saved.status == ProposalStatus.submitted
    assert (saved.proposer_name, saved.proposer_phone) == ("王小明", PHONE)
    page = client.get(f"/projects/proposals/{first}?sent=1")
    assert page.status_code == 200
    assert f"建议已提交，编号 {first}" in page.text and "老旧小区加装电梯" in page.text
    assert "待答复" in page.text
    # The proposer's name and phone are never on a public page.
    assert "王小明" not in page.text and PHONE not in page.text and MASKED not in page.text


def test_outside_the_collection_window_the_form_is_closed(client, db):
    closed_batch(db)
    page = client.get("/projects/proposals/new")
    assert "现在没有正在征集的批次，暂时不能提交建议" in page.text
    assert 'action="/projects/proposals/new"' not in page.text
    response = post(client, "/projects/proposals/new", proposal_form(batch="2025-2"))
    assert response.status_code == 409
    assert "现在不在征集期内，不能提交建议" in response.text
    assert count(db, Proposal) == 0


def test_a_batch_whose_window_has_not_started_refuses_proposals(client, db):
    today = local_today()
    later = dt.timedelta(days=30)
    open_batch(db, collect_from=today + later, collect_until=today + 2 * later)
    response = post(client, "/projects/proposals/new", proposal_form())
    assert response.status_code == 409 and "不在征集期内" in response.text
    assert count(db, Proposal) == 0


def test_missing_and_wrong_fields_are_explained_beside_them(client, db):
    open_batch(db)
    response = post(
        client, "/projects/proposals/new", proposal_form(area="", title="", what="短", phone="123")
    )
    assert response.status_code == 422
    assert field_error(response.text, "area") == "请选择领域"
    assert field_error(response.text, "title") == "请填写建议标题"
    assert field_error(response.text, "what") == "至少 10 个字"
    assert field_error(response.text, "phone") == "请填写 11 位手机号码，例如 13812345678"
    # What was typed stays in the form.
    assert "短</textarea>" in response.text
    response = post(client, "/projects/proposals/new", proposal_form(area="moon"))
    assert (
        response.status_code == 422 and field_error(response.text, "area") == "请从列表中选择领域"
    )
    response = post(client, "/projects/proposals/new", proposal_form(batch="nope"))
    assert response.status_code == 422
    assert count(db, Proposal) == 0


def test_name_and_phone_are_optional(client, db):
    open_batch(db)
    number = propose(client, name="", phone="")
    saved = proposal(db, number)
    assert saved.proposer_phone == "" and saved.proposer_name == ""


def test_the_form_needs_its_csrf_token(client, db):
    open_batch(db)
    client.get("/projects/proposals/new")
    response = client.post("/projects/proposals/new", data=proposal_form(), follow_redirects=False)
    assert response.status_code == 403
    assert count(db, Proposal) == 0


def test_anonymous_proposals_are_rate_limited(client, db, monkeypatch):
    monkeypatch.setenv("MINSHENG_ANONYMOUS_REQUESTS_PER_HOUR", "2")
    get_settings.cache_clear()
    open_batch(db)
    propose(client, phone="")
    propose(client, phone="")
    response = post(client, "/projects/proposals/new", proposal_form(phone=""))
    assert response.status_code == 429
    assert "提交太频繁了，请一小时后再试" in response.text
    assert count(db, Proposal) == 2


def test_a_signed_in_resident_has_the_phone_filled_in_and_the_proposal_kept_as_theirs(client, db):
    open_batch(db)
    sign_in_resident(client, db)
    page = client.get("/projects/proposals/new")
    assert f'value="{PHONE}"' in page.text and "您已用手机号 138****5678 登录" in page.text
    number = propose(client)
    assert proposal(db, number).resident_id is not None


def test_the_audit_trail_masks_the_proposer(client, db):
    open_batch(db)
    number = propose(client)
    saved = proposal(db, number)
    events = list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "project_proposal", AuditEvent.object_id == str(saved.id)
            )
        )
    )
    db.commit()
    assert events
    text = json.dumps([e.summary for e in events], ensure_ascii=False)
    assert PHONE not in text and "王小明" not in text and MASKED in text


def test_the_public_list_filters_and_shows_supports_but_no_personal_data(client, db):
    open_batch(db)
    closed_batch(db)
    elderly = propose(client)
    transport = propose(client, area="transport", title="增开公交夜班车", name="李四")
    old = Proposal(
        number="JY2025-0001",
        batch_id=db.scalar(select(Batch.id).where(Batch.code == "2025-2")),
        source=ProposalSource.resident,
        area="health",
        title="社区医院延长门诊时间",
        what="社区卫生服务中心晚上开到八点。",
        support_count=7,
        proposer_name="赵六",
        proposer_phone="13700000000",
    )
    db.add(old)
    db.commit()
    page = client.get("/projects/proposals")
    assert page.status_code == 200
    for number in (elderly, transport, "JY2025-0001"):
        assert number in page.text
    assert "7 人" in page.text
    for secret in ("王小明", "李四", "赵六", PHONE, "13700000000", MASKED):
        assert secret not in page.text
    by_area = client.get("/projects/proposals?area=transport")
    assert transport in by_area.text and elderly not in by_area.text
    by_batch = client.get("/projects/proposals?batch=2025-2")
    assert "JY2025-0001" in by_batch.text and elderly not in by_batch.text
    by_status = client.get("/projects/proposals?status=accepted")
    assert "没有符合条件的建议" in by_status.text
    popular = client.get("/projects/proposals?sort=support")
    assert popular.text.index("JY2025-0001") < popular.text.index(elderly)
    # Nonsense filters show everything rather than failing.
    assert client.get("/projects/proposals?area=%00&status=x&page=-3").status_code == 200


def test_a_unit_proposes_through_the_staff_pages_for_its_own_unit_only(client, db):
    batch = open_batch(db)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    other = make.unit(db, "昆山市交通运输局")
    handler = factories.staff(db, "handler", bureau)
    sign_in(client, handler)
    page = client.get("/staff/projects/proposals/new")
    assert page.status_code == 200 and make.HOUSING_BUREAU in page.text
    assert "昆山市交通运输局" not in page.text
    form = proposal_form(source="unit", unit_id=str(other.id), name="", phone="")
    response = post(client, "/staff/projects/proposals/new", form)
    assert response.status_code == 403 and "只能以本单位的名义申报" in response.text
    form["unit_id"] = str(bureau.id)
    response = post(client, "/staff/projects/proposals/new", form)
    assert response.status_code == 303
    saved = db.scalar(select(Proposal))
    db.commit()
    assert (saved.source, saved.unit_id, saved.batch_id) == (
        ProposalSource.unit,
        bureau.id,
        batch.id,
    )
    response = post(client, "/staff/projects/proposals/new", {**form, "unit_id": ""})
    assert response.status_code == 422 and field_error(response.text, "unit_id") == "请选择申报单位"


def test_a_deputy_proposes_in_their_own_name(client, db):
    open_batch(db)
    member = deputy(db, "代表 周敏")
    sign_in(client, member)
    form = proposal_form(source="deputy", name="", phone="")
    response = post(client, "/staff/projects/proposals/new", form)
    assert response.status_code == 303
    saved = db.scalar(select(Proposal))
    db.commit()
    assert saved.source == ProposalSource.deputy and saved.deputy_id == member.id
    # A deputy cannot put words in another deputy's mouth.
    colleague = deputy(db, "代表 吴刚")
    response = post(client, "/staff/projects/proposals/new", {**form, "deputy_id": colleague.id})
    assert response.status_code == 403 and "只能以本人名义提出代表建议" in response.text


def test_the_office_enters_a_deputys_proposal_for_them(client, db):
    open_batch(db)
    member = deputy(db, "代表 周敏")
    sign_in(client, office(db))
    assert "代表 周敏" in client.get("/staff/projects/proposals/new").text
    form = proposal_form(source="deputy", deputy_id=str(member.id))
    assert post(client, "/staff/projects/proposals/new", form).status_code == 303
    assert db.scalar(select(Proposal.deputy_id)) == member.id
    db.commit()


def test_staff_entry_is_refused_outside_the_window_too(client, db):
    closed_batch(db)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    sign_in(client, factories.staff(db, "handler", bureau))
    form = proposal_form(batch="2025-2", source="unit", unit_id=str(bureau.id))
    response = post(client, "/staff/projects/proposals/new", form)
    assert response.status_code == 409 and "不在征集期内" in response.text
    assert count(db, Proposal) == 0


def test_the_staff_proposals_list_needs_the_collection_permission(client, db):
    open_batch(db)
    propose(client)
    bureau = make.unit(db, make.HOUSING_BUREAU)
    sign_in(client, factories.staff(db, "handler", bureau))
    assert client.get("/staff/projects/proposals").status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client)})
    sign_in(client, office(db))
    page = client.get("/staff/projects/proposals")
    assert page.status_code == 200 and "老旧小区加装电梯" in page.text
