"""Every proposal gets an official answer (accepted, merged, not adopted with a reason); the
proposer is told by SMS. Accepted proposals, and request clusters, become candidate projects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.modules import load_modules
from minsheng.projects.models import Batch, Follower, Project, ProjectRequest, Stage
from minsheng.projects.models_collection import Proposal, ProposalRequest, ProposalSource
from tests import factories
from tests import projects as make
from tests.conftest import api_token
from tests.projects.collection_kit import (
    OTHER_PHONE,
    PHONE,
    closed_batch,
    count,
    field_error,
    office,
    open_batch,
    post,
    propose,
    sign_in,
    sms_to,
)
from tests.requests import submit as submit_request


@pytest.fixture
def places(db) -> None:
    """Kunshan's regions, units, categories and routing rules, for citizen requests."""
    wanted = (m for m in load_modules() if m.demo and m.name not in ("requests", "projects"))
    for m in sorted(wanted, key=lambda m: m.demo_order):
        assert m.demo is not None
        m.demo(db, lambda _step: None)
    db.commit()


def answer(client, number: str, **form: str):
    return post(client, f"/staff/projects/proposals/{number}/answer", form)


def saved(db, number: str) -> Proposal:
    found = db.scalar(
        select(Proposal).where(Proposal.number == number).execution_options(populate_existing=True)
    )
    db.commit()
    return found


def test_accepting_tells_the_proposer_and_shows_the_answer_publicly(client, db):
    open_batch(db)
    number = propose(client)
    sign_in(client, office(db))
    page = client.get(f"/staff/projects/proposals/{number}")
    assert page.status_code == 200 and "王小明" in page.text and "138****5678" in page.text
    response = answer(client, number, status="accepted", answer="")
    assert response.status_code == 303
    row = saved(db, number)
    assert row.status.value == "accepted" and "予以采纳" in row.answer
    texts = sms_to(db, PHONE)
    assert len(texts) == 1
    assert f"（编号 {number}）已答复：已采纳" in texts[0] and "王小明" not in texts[0]
    public = client.get(f"/projects/proposals/{number}")
    assert "已采纳" in public.text and "予以采纳" in public.text


def test_not_adopted_needs_a_reason(client, db):
    open_batch(db)
    number = propose(client, phone="")
    sign_in(client, office(db))
    response = answer(client, number, status="not_adopted", answer="  ")
    assert response.status_code == 422
    assert field_error(response.text, "answer") == "不予采纳时必须说明理由"
    assert saved(db, number).status.value == "submitted"
    response = answer(
        client, number, status="not_adopted", answer="已列入2025年市政计划，正在实施。"
    )
    assert response.status_code == 303
    row = saved(db, number)
    assert row.status.value == "not_adopted" and row.answer == "已列入2025年市政计划，正在实施。"
    # No phone was left, so nobody is texted.
    assert sms_to(db, PHONE) == []


def test_an_answer_is_given_once(client, db):
    open_batch(db)
    number = propose(client)
    sign_in(client, office(db))
    assert answer(client, number, status="accepted").status_code == 303
    response = answer(client, number, status="not_adopted", answer="改主意了")
    assert (
        response.status_code == 409 and "这条建议已经答复（已采纳），答复不再更改" in response.text
    )
    assert saved(db, number).status.value == "accepted"
    assert len(sms_to(db, PHONE)) == 1


def test_merging_needs_another_proposal_of_the_same_batch(client, db):
    open_batch(db)
    closed_batch(db)
    first = propose(client)
    second = propose(client, title="老楼加装电梯补贴", phone=OTHER_PHONE)
    other_batch = Proposal(
        number="JY2025-0009",
        batch_id=closed_batch_id(db),
        source=ProposalSource.resident,
        area="elderly",
        title="旧建议",
        what="去年批次的一条建议，内容不重要。",
    )
    db.add(other_batch)
    db.commit()
    sign_in(client, office(db))
    cases = {
        "": "请填写要并入的建议编号",
        second: "不能并入这条建议本身",
        "JY2025-0009": "只能并入同一批次的建议",
        "JY1999-0001": "没有找到建议 JY1999-0001",
    }
    for target, message in cases.items():
        response = answer(client, second, status="merged", merged_into=target)
        assert response.status_code == 422, target
        assert field_error(response.text, "merged_into") == message
    response = answer(client, second, status="merged", merged_into=first.lower())
    assert response.status_code == 303
    row = saved(db, second)
    assert row.status.value == "merged" and first in row.answer
    assert row.merged_into_id == saved(db, first).id
    public = client.get(f"/projects/proposals/{second}")
    assert f'href="/projects/proposals/{first}"' in public.text
    assert "已合并" in sms_to(db, OTHER_PHONE)[-1]


def closed_batch_id(db) -> int:
    batch_id = db.scalar(select(Batch.id).where(Batch.code == "2025-2"))
    db.commit()
    return batch_id


def test_only_the_collection_office_answers(client, db):
    open_batch(db)
    number = propose(client)
    handler = factories.staff(db, "handler", make.unit(db, make.HOUSING_BUREAU))
    sign_in(client, handler)
    assert answer(client, number, status="accepted").status_code == 403
    assert saved(db, number).status.value == "submitted"


def test_a_request_cluster_becomes_a_proposal_then_a_candidate_whose_reporters_follow_it(
    client, db, places
):
    batch = open_batch(db)
    first = submit_request(client, title="老楼没有电梯，老人下不了楼")
    second = submit_request(
        client,
        title="六楼老人出门难",
        contact={"name": "钱女士", "phone": OTHER_PHONE},
    )
    third = submit_request(client, title="加装电梯", contact=None)
    sign_in(client, office(db))
    form_page = client.get("/staff/projects/proposals/from-requests?q=老人")
    assert first["tracking_number"] in form_page.text
    assert second["tracking_number"] in form_page.text
    assert third["tracking_number"] not in form_page.text
    form = {
        "requests": [first["tracking_number"]],
        "numbers": f"{second['tracking_number']}，{third['tracking_number'].lower()}",
        "batch": batch.code,
        "area": "elderly",
        "title": "多层住宅加装电梯",
        "what": "近一年群众反映老楼上下楼难的诉求集中，建议推进加装电梯。",
    }
    before = {PHONE: len(sms_to(db, PHONE)), OTHER_PHONE: len(sms_to(db, OTHER_PHONE))}
    response = post(client, "/staff/projects/proposals/from-requests", form)
    assert response.status_code == 303, response.text
    made = db.scalar(select(Proposal).where(Proposal.source == ProposalSource.requests))
    db.commit()
    assert (made.proposer_name, made.proposer_phone) == ("", "")
    assert count(db, ProposalRequest) == 3
    for phone in (PHONE, OTHER_PHONE):
        texts = sms_to(db, phone)
        assert len(texts) == before[phone] + 1
        assert texts[-1] == (
            f"【民生】您反映的问题已汇入实事项目建议“多层住宅加装电梯”（编号 {made.number}）。"
        )
    detail = client.get(f"/staff/projects/proposals/{made.number}")
    assert first["tracking_number"] in detail.text and "来源诉求（3 件）" in detail.text

    assert answer(client, made.number, status="accepted").status_code == 303
    bureau = make.unit(db, make.HOUSING_BUREAU)
    db.commit()
    shortlist = client.get(f"/staff/projects/proposals/shortlist/{batch.code}")
    assert made.number in shortlist.text
    candidate = {
        "proposals": made.number,
        "title": "既有多层住宅加装电梯",
        "area": "elderly",
        "lead_unit_id": str(bureau.id),
        "start_on": "2026-03-01",
        "end_on": "2026-12-31",
        "target_name_0": "加装电梯",
        "target_planned_0": "120",
        "target_measure_0": "",
    }
    response = post(client, f"/staff/projects/proposals/shortlist/{batch.code}", candidate)
    assert response.status_code == 422
    assert field_error(response.text, "target_measure_0") == "请填写计量单位，例如 家、处、人次"
    assert count(db, Project) == 0
    candidate["target_measure_0"] = "部"
    response = post(client, f"/staff/projects/proposals/shortlist/{batch.code}", candidate)
    assert response.status_code == 303, response.text
    project = db.scalar(select(Project))
    db.commit()
    assert project.code == f"{batch.code}-001" and project.stage == Stage.candidate
    assert project.lead_unit_id == bureau.id
    assert [(t.name, t.measure, t.planned) for t in project.targets] == [("加装电梯", "部", 120)]
    assert saved(db, made.number).project_id == project.id
    assert count(db, ProjectRequest) == 3
    followers = {f.phone: f.reason for f in db.scalars(select(Follower))}
    db.commit()
    assert followers == {PHONE: "request", OTHER_PHONE: "request"}
    # A proposal in a project cannot be shortlisted again.
    response = post(client, f"/staff/projects/proposals/shortlist/{batch.code}", candidate)
    assert response.status_code == 422
    assert f"建议 {made.number} 已经形成了候选项目" in response.text


def test_a_cluster_with_unknown_or_no_requests_is_refused(client, db, places):
    batch = open_batch(db)
    sign_in(client, office(db))
    form = {
        "numbers": "KS20990101-9999",
        "batch": batch.code,
        "area": "elderly",
        "title": "多层住宅加装电梯",
        "what": "近一年群众反映老楼上下楼难的诉求集中。",
    }
    response = post(client, "/staff/projects/proposals/from-requests", form)
    assert response.status_code == 422
    assert field_error(response.text, "requests") == "没有找到诉求 KS20990101-9999，请核对编号"
    response = post(client, "/staff/projects/proposals/from-requests", {**form, "numbers": ""})
    assert response.status_code == 422
    assert field_error(response.text, "requests") == "请至少选择或填写一件诉求"
    assert count(db, Proposal) == 0


def test_shortlisting_takes_only_accepted_proposals(client, db):
    batch = open_batch(db)
    number = propose(client)
    sign_in(client, office(db))
    bureau = make.unit(db, make.HOUSING_BUREAU)
    db.commit()
    form = {
        "proposals": number,
        "title": "既有多层住宅加装电梯",
        "area": "elderly",
        "lead_unit_id": str(bureau.id),
        "start_on": "2026-03-01",
        "end_on": "2026-12-31",
        "target_name_0": "加装电梯",
        "target_planned_0": "120",
        "target_measure_0": "部",
    }
    response = post(client, f"/staff/projects/proposals/shortlist/{batch.code}", form)
    assert response.status_code == 422
    assert "只有已采纳的建议能形成候选项目" in response.text
    answer(client, number, status="accepted")
    bad = {**form, "end_on": "2026-01-01", "target_planned_0": "-5", "lead_unit_id": ""}
    response = post(client, f"/staff/projects/proposals/shortlist/{batch.code}", bad)
    assert response.status_code == 422
    assert field_error(response.text, "target_planned_0") == "目标值必须大于 0"
    assert field_error(response.text, "lead_unit_id") == "请选择牵头单位"
    assert count(db, Project) == 0


def test_the_api_answers_with_structured_errors(client, db):
    open_batch(db)
    number = propose(client)
    user = office(db)
    headers = api_token(client, user.username, factories.PASSWORD)
    response = client.post(
        f"/api/v1/proposals/{number}/answer", json={"status": "not_adopted"}, headers=headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == [{"field": "answer", "message": "不予采纳时必须说明理由"}]
    response = client.post(
        f"/api/v1/proposals/{number}/answer",
        json={"status": "not_adopted", "answer": "不属于政府职责"},
        headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "not_adopted" and body["answer"] == "不属于政府职责"
    again = client.post(
        f"/api/v1/proposals/{number}/answer", json={"status": "accepted"}, headers=headers
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    anonymous = client.post(f"/api/v1/proposals/{number}/answer", json={"status": "accepted"})
    assert anonymous.status_code == 401
