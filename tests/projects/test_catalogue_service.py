"""The catalogue's services: batches and projects with their plan, the rules of the plan, who
may change what, versions, links to requests and proposals, and the stage changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from minsheng.core.db import clock_at
from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.projects import catalogue, stages
from minsheng.projects.models import (
    Follower,
    Project,
    ProjectEvent,
    ProjectRequest,
    Stage,
    Target,
    WarningColour,
)
from minsheng.projects.models_collection import Proposal, ProposalSource
from minsheng.projects.models_progress import MonthlyReport, ReportResult
from minsheng.projects.schemas_batches import BatchCreate
from minsheng.projects.schemas_catalogue import ProjectCreate
from tests.projects.catalogue import (
    EDUCATION,
    HOUSING,
    RESIDENT,
    batch_body,
    count,
    kunshan,
    leak_request,
    make_batch,
    make_project,
    principal,
    project_body,
    sms_to,
    stored,
    unit_id,
)

KUNSHAN_NOON = dt.datetime(2026, 7, 15, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def city(db) -> None:
    kunshan(db)
    make_batch(db)


def refused(db, **changes: Any) -> dict[str, str]:
    """The field messages when creating a project with `changes`; nothing is left behind."""
    before = count(db, Project)
    with pytest.raises(InvalidInput) as caught:
        data = catalogue.validated(ProjectCreate, project_body(db, **changes))
        catalogue.create_project(db, staff=principal(db, "admin"), data=data)
    db.rollback()
    assert count(db, Project) == before
    return caught.value.fields


def test_a_project_is_created_with_its_plan_and_numbered_in_its_batch(db, city):
    first = make_project(db)
    second = make_project(db, title="公证档案信息互联互通", area="governance")
    assert (first.code, second.code) == ("2026-1-001", "2026-1-002")
    project = stored(db, first.code)
    assert project.stage == Stage.running and project.version == 1
    assert [(t.name, t.measure, t.planned) for t in project.targets] == [
        ("排查农村自建房", "户", 1000),
        ("整改消防隐患", "处", 200),
    ]
    assert [(m.due_on, m.planned_percent) for m in project.milestones] == [
        (dt.date(2026, 6, 30), 50),
        (dt.date(2026, 10, 31), 90),
    ]
    assert [c.unit.name for c in project.co_units] == ["昆山市应急管理局"]
    event = db.scalar(select(ProjectEvent).where(ProjectEvent.project_id == project.id))
    assert event is not None and event.public and "2026年第一批民生实事项目" in event.text


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"targets": [{"name": "惠及企业", "measure": "", "planned": 40000}]},
            "targets.0.measure",
            "计量单位",
        ),
        (
            {"targets": [{"name": "惠及企业", "measure": "家", "planned": 0}]},
            "targets.0.planned",
            "大于 0",
        ),
        ({"targets": []}, "targets", "至少填写一项"),
        (
            {"milestones": [{"title": "排查", "due_on": "2026-05-01", "planned_percent": 120}]},
            "milestones.0.planned_percent",
            "0 到 100",
        ),
        (
            {"milestones": [{"title": "排查", "due_on": "2026-05-01", "planned_percent": -1}]},
            "milestones.0.planned_percent",
            "0 到 100",
        ),
        ({"end_on": "2026-02-01"}, "end_on", "晚于开始日期"),
        ({"end_on": "2026-03-01"}, "end_on", "晚于开始日期"),
        (
            {"milestones": [{"title": "排查", "due_on": "2027-05-01", "planned_percent": 50}]},
            "milestones.0.due_on",
            "之间",
        ),
        ({"weight": 0}, "weight", "大于 0"),
        ({"area": "space"}, "area", "选择领域"),
        ({"start_on": "2026-13-01"}, "start_on", "2026-03-15 的格式"),
        ({"batch": "2030-9"}, "batch", "没有这个批次"),
        ({"code": "2026/1"}, "code", "字母、数字和短横线"),
    ],
)
def test_bad_plans_are_refused_with_a_message_at_the_field(db, city, changes, field, words):
    assert words in refused(db, **changes)[field]


def test_milestones_must_rise_with_their_dates_whatever_order_they_are_given_in(db, city):
    rising_out_of_order = [
        {"title": "完成整改", "due_on": "2026-10-31", "planned_percent": 90},
        {"title": "完成排查", "due_on": "2026-06-30", "planned_percent": 50},
    ]
    assert make_project(db, milestones=rising_out_of_order).milestones[0].due_on == dt.date(
        2026, 6, 30
    )
    falling = [
        {"title": "完成排查", "due_on": "2026-06-30", "planned_percent": 60},
        {"title": "完成整改", "due_on": "2026-10-31", "planned_percent": 40},
    ]
    assert (
        "不能低于前面的（60%）" in refused(db, milestones=falling)["milestones.1.planned_percent"]
    )


def test_unknown_or_repeated_units_are_refused(db, city):
    assert "没有这个单位" in refused(db, lead_unit_id=999_999)["lead_unit_id"]
    assert "没有这个单位" in refused(db, co_unit_ids=[999_999])["co_unit_ids"]
    lead = unit_id(db, HOUSING)
    assert "不必再列为配合单位" in refused(db, co_unit_ids=[lead])["co_unit_ids"]


def test_a_used_code_is_refused(db, city):
    make_project(db, code="2026-1-188")
    assert "已被其他项目使用" in refused(db, code="2026-1-188")["code"]


def test_only_the_programme_office_creates_projects(db, city):
    data = ProjectCreate.model_validate(project_body(db))
    with pytest.raises(Forbidden):
        catalogue.create_project(db, staff=principal(db, "handler"), data=data)


def test_a_change_with_a_stale_version_is_refused_and_changes_nothing(db, city):
    project = make_project(db)
    admin = principal(db, "admin")
    catalogue.update_project(
        db, staff=admin, project=project, changes={"budget_wan": 150}, version=1
    )
    db.commit()
    assert stored(db, project.code).version == 2
    with pytest.raises(Conflict) as caught:
        catalogue.update_project(
            db, staff=admin, project=project, changes={"budget_wan": 90}, version=1
        )
    assert caught.value.code == "stale"
    db.rollback()
    assert stored(db, project.code).budget_wan == 150


def test_changing_only_a_target_still_moves_the_version(db, city):
    project = make_project(db)
    targets = catalogue.project_values(db, project)["targets"]
    targets[0]["planned"] = 1200
    catalogue.update_project(
        db, staff=principal(db, "admin"), project=project, changes={"targets": targets}, version=1
    )
    db.commit()
    again = stored(db, project.code)
    assert again.version == 2 and again.targets[0].planned == 1200
    assert again.targets[0].id == targets[0]["id"]  # the same row, so reported results stay
    texts = db.scalars(select(ProjectEvent.text).where(ProjectEvent.project_id == again.id))
    assert "项目计划调整：目标" in list(texts)


def test_the_lead_units_handler_keeps_the_details_but_not_the_plan(db, city):
    project = make_project(db)
    handler = principal(db, "handler")  # 住建局, the lead unit
    catalogue.update_project(
        db,
        staff=handler,
        project=project,
        changes={"description": "扩大到城乡结合部。", "responsible_person": "李副局长"},
        version=1,
    )
    db.commit()
    assert stored(db, project.code).responsible_person == "李副局长"
    targets = catalogue.project_values(db, project)["targets"]
    targets[0]["planned"] = 10
    with pytest.raises(Forbidden) as caught:
        catalogue.update_project(
            db, staff=handler, project=project, changes={"targets": targets}, version=2
        )
    assert "主管部门" in caught.value.message
    db.rollback()
    assert stored(db, project.code).targets[0].planned == 1000


def test_another_units_handler_may_not_change_the_project(db, city):
    project = make_project(db)
    with pytest.raises(Forbidden):
        catalogue.update_project(
            db,
            staff=principal(db, "jiaoyu"),
            project=project,
            changes={"description": "改一下"},
            version=1,
        )
    other = make_project(db, lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[])
    catalogue.update_project(
        db, staff=principal(db, "jiaoyu"), project=other, changes={"description": "好"}, version=1
    )


def test_a_target_with_reported_results_cannot_be_removed(db, city):
    project = make_project(db)
    report = MonthlyReport(
        project_id=project.id, month="2026-04", progress=10, done="排查", due_on=dt.date(2026, 5, 5)
    )
    db.add(report)
    db.flush()
    db.add(ReportResult(report_id=report.id, target_id=project.targets[0].id, value=100))
    db.commit()
    targets = catalogue.project_values(db, project)["targets"][1:]
    with pytest.raises(InvalidInput) as caught:
        catalogue.update_project(
            db,
            staff=principal(db, "admin"),
            project=project,
            changes={"targets": targets},
            version=1,
        )
    assert "已有月报填报的完成数" in caught.value.fields["targets"]
    db.rollback()
    assert count(db, Target) == 2


def test_linking_a_request_makes_its_reporter_a_follower_and_tells_them_once(db, city):
    number = leak_request(db)
    project = make_project(db, request_numbers=[number.lower()])
    assert [f.reason for f in db.scalars(select(Follower))] == ["request"]
    told = [m for m in sms_to(db, RESIDENT) if "已列入实事项目" in m]
    assert len(told) == 1 and number in told[0] and "/unfollow/" in told[0]
    values = catalogue.project_values(db, project)
    assert values["request_numbers"] == [number]
    catalogue.update_project(
        db,
        staff=principal(db, "admin"),
        project=project,
        changes={"request_numbers": [number], "budget_wan": 130},
        version=1,
    )
    db.commit()
    assert len([m for m in sms_to(db, RESIDENT) if "已列入实事项目" in m]) == 1
    catalogue.update_project(
        db,
        staff=principal(db, "admin"),
        project=project,
        changes={"request_numbers": []},
        version=2,
    )
    db.commit()
    assert count(db, ProjectRequest) == 0


def test_unknown_requests_and_proposals_of_another_batch_are_refused(db, city):
    assert "KS20990101-0001" in refused(db, request_numbers=["KS20990101-0001"])["request_numbers"]
    other = make_batch(db, code="2025-1", name="2025年民生实事项目")
    db.add(
        Proposal(
            number="JY2025-0001",
            batch_id=other.id,
            source=ProposalSource.resident,
            area="safety",
            title="老小区加装烟感",
            what="老小区没有烟感报警器。",
        )
    )
    db.commit()
    assert "不是本批次" in refused(db, proposal_numbers=["JY2025-0001"])["proposal_numbers"]


def test_a_proposal_of_the_batch_is_linked_to_the_project(db, city):
    batch_id = stored(db, make_project(db).code).batch_id
    db.add(
        Proposal(
            number="JY2026-0007",
            batch_id=batch_id,
            source=ProposalSource.resident,
            area="safety",
            title="农房消防排查",
            what="农村自建房电线老化。",
        )
    )
    db.commit()
    project = make_project(db, proposal_numbers=["jy2026-0007"])
    proposal = db.scalar(select(Proposal).where(Proposal.number == "JY2026-0007"))
    assert proposal is not None and proposal.project_id == project.id


def test_completing_sets_progress_to_100_and_tells_the_followers(db, city):
    number = leak_request(db)
    project = make_project(db, request_numbers=[number])
    with clock_at(KUNSHAN_NOON):
        stages.complete(
            db, staff=principal(db, "supervisor"), project=project, completed_on=None, version=1
        )
    db.commit()
    done = stored(db, project.code)
    assert done.stage == Stage.completed and done.progress == 100
    assert done.completed_on == dt.date(2026, 7, 15) and done.warning == WarningColour.none
    assert any("已完成" in m for m in sms_to(db, RESIDENT))
    with pytest.raises(Conflict) as caught:
        stages.complete(db, staff=principal(db, "supervisor"), project=done, version=done.version)
    assert caught.value.code == "wrong_stage"


def test_a_handler_cannot_complete_or_stop(db, city):
    project = make_project(db)
    with pytest.raises(Forbidden):
        stages.complete(db, staff=principal(db, "handler"), project=project, version=1)
    with pytest.raises(Forbidden):
        stages.stop(
            db, staff=principal(db, "handler"), project=project, reason="不想做了啊", version=1
        )


def test_stopping_needs_a_reason_which_goes_on_the_public_timeline(db, city):
    project = make_project(db)
    with pytest.raises(InvalidInput) as caught:
        stages.stop(db, staff=principal(db, "admin"), project=project, reason=" 不 ", version=1)
    assert "reason" in caught.value.fields
    db.rollback()
    stages.stop(
        db,
        staff=principal(db, "admin"),
        project=project,
        reason="规划调整，并入城市更新项目",
        version=1,
    )
    db.commit()
    assert stored(db, project.code).stage == Stage.stopped
    texts = list(db.scalars(select(ProjectEvent.text).where(ProjectEvent.public.is_(True))))
    assert "项目终止：规划调整，并入城市更新项目" in texts


def test_a_chosen_project_starts_and_a_candidate_is_chosen(db, city):
    candidate = make_project(db, stage="candidate")
    stages.choose(db, project=candidate, chosen=True, actor_label="票决结果")
    assert candidate.stage == Stage.chosen
    stages.start(db, project=candidate, actor_label="公示期满")
    db.commit()
    assert stored(db, candidate.code).stage == Stage.running
    with pytest.raises(Conflict):
        stages.choose(db, project=candidate, chosen=False, actor_label="票决结果")


def test_a_completed_projects_plan_is_kept(db, city):
    project = make_project(db)
    with clock_at(KUNSHAN_NOON):
        stages.complete(db, staff=principal(db, "admin"), project=project, version=1)
    db.commit()
    with pytest.raises(Conflict):
        catalogue.update_project(
            db, staff=principal(db, "admin"), project=project, changes={"budget_wan": 1}, version=2
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"report_day": 0}, "report_day"),
        ({"report_day": 29}, "report_day"),
        ({"collect_until": "2025-12-31"}, "collect_until"),
        ({"vote_opens_at": "2026-02-10T09:00"}, "vote_closes_at"),
        (
            {"vote_opens_at": "2026-02-10T09:00", "vote_closes_at": "2026-02-10T08:00"},
            "vote_closes_at",
        ),
        ({"code": "第一批"}, "code"),
    ],
)
def test_bad_batches_are_refused(db, city, changes, field):
    with pytest.raises(InvalidInput) as caught:
        data = catalogue.validated(BatchCreate, batch_body(**({"code": "2027-1"} | changes)))
        catalogue.create_batch(db, staff=principal(db, "admin"), data=data)
    assert field in caught.value.fields


def test_a_batch_code_is_used_once(db, city):
    with pytest.raises(InvalidInput) as caught:
        catalogue.create_batch(
            db, staff=principal(db, "admin"), data=BatchCreate.model_validate(batch_body())
        )
    assert "已被使用" in caught.value.fields["code"]


def test_a_project_behind_its_plan_is_warned_at_once_and_a_new_plan_can_clear_it(db, city):
    with clock_at(KUNSHAN_NOON):  # mid-July; nothing reported since March
        project = make_project(db)
        assert stored(db, project.code).warning == WarningColour.red
        catalogue.update_project(
            db,
            staff=principal(db, "admin"),
            project=project,
            changes={"start_on": "2026-07-01", "milestones": []},
            version=1,
        )
        db.commit()
    again = stored(db, project.code)
    assert again.warning == WarningColour.none and again.version == 2
    texts = list(db.scalars(select(ProjectEvent.text).where(ProjectEvent.kind == "warning")))
    db.commit()
    assert len(texts) == 1 and texts[0].startswith("进度预警解除")
