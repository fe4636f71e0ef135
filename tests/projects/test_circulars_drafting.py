"""问题通报, drafting to publication: the draft picks exactly the lagging projects from the data,
refuses projects of another batch, is approved by a second person, is numbered and published,
is never edited afterwards and is corrected only by a circular that supersedes it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.notify.models import OutboundMessage
from minsheng.projects import circulars
from minsheng.projects.batch_month import month_end
from minsheng.projects.models import ProjectEvent
from minsheng.projects.models_review import Circular, CircularItem, CircularStatus
from minsheng.projects.schemas_circulars import (
    CircularDraft,
    CircularItemAdd,
    CircularItemUpdate,
    CircularUpdate,
)
from minsheng.projects.service import month_key
from tests.projects import circulars_kit as fx


@pytest.fixture
def city(db):
    return fx.build(db)


def test_a_draft_names_exactly_the_lagging_projects_red_first(db, city) -> None:
    circular = fx.draft(db, city)
    assert circular.status == CircularStatus.draft
    assert [i.project.title for i in circular.items] == [fx.RED_TITLE, fx.YELLOW_TITLE]
    red, yellow = circular.items
    assert red.situation == "计划进度50%，实际进度10%，滞后40个百分点。"
    assert yellow.situation == "计划进度50%，实际进度35%，滞后15个百分点。"
    assert (red.leader, yellow.leader) == ("张副局长", "李副局长")
    assert red.cause == red.required_action == ""
    # Ten working days after drafting, on the installation's calendar.
    assert red.deadline == circular.rectify_by == circulars.default_rectify_by(utcnow())
    assert circular.rectify_by - circulars.today() >= dt.timedelta(days=12)
    figures = circulars.figures(circular)
    expected = {"total": 4, "started": 4, "completed": 1, "on_schedule": 2, "lagging": 2}
    assert {k: figures[k] for k in expected} == expected
    assert (figures["red"], figures["yellow"]) == (1, 1)
    assert figures["as_of"] == fx.as_of().isoformat()
    assert figures["follow_up"] == []
    assert figures["warnings"] == {str(city.red.id): "red", str(city.yellow.id): "yellow"}
    assert circular.title == f"关于{city.batch.name}{int(fx.month()[5:])}月份推进情况的通报"
    assert "共4个，已开工4个，已完成1个，按计划推进2个，进度滞后2个" in circular.body
    assert circulars.number_label(circular) == "（发布时编号）"


def test_a_month_to_come_or_a_second_draft_of_a_month_is_refused(db, city) -> None:
    sup = city.staff(db, "sup1")
    future = month_end(month_key(circulars.today())) + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        circulars.draft(
            db, data=CircularDraft(batch="2026-1", month=future.strftime("%Y-%m")), staff=sup
        )
    assert refused.value.fields == {"month": "这个月还没到，不能通报。"}
    fx.draft(db, city)
    with pytest.raises(InvalidInput) as again:
        circulars.draft(db, data=CircularDraft(batch="2026-1", month=fx.month()), staff=sup)
    assert "已有通报（（发布时编号），草稿）" in again.value.fields["month"]
    with pytest.raises(InvalidInput) as nobatch:
        circulars.draft(db, data=CircularDraft(batch="1999-9", month=fx.month()), staff=sup)
    assert nobatch.value.fields == {"batch": "没有这个批次，请从列表中选择。"}


def test_a_project_of_another_batch_is_refused_and_nothing_is_written(db, city) -> None:
    circular = fx.draft(db, city)
    sup = city.staff(db, "sup1")
    with pytest.raises(InvalidInput) as refused:
        circulars.add_item(
            db, circular=circular, data=CircularItemAdd(project="2025-2-001"), staff=sup
        )
    assert refused.value.fields == {
        "project": f"“{fx.OTHER_BATCH_TITLE}”（2025-2-001）属于2025年第二批民生实事项目，"
        f"不在本通报的批次（{city.batch.name}）里，不能列入本通报。"
    }
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CircularItem)) == 2
    with pytest.raises(InvalidInput) as twice:
        circulars.add_item(
            db, circular=circular, data=CircularItemAdd(project="2026-1-001"), staff=sup
        )
    assert twice.value.fields == {"project": f"“{fx.RED_TITLE}”已在本通报里。"}
    added = circulars.add_item(
        db, circular=circular, data=CircularItemAdd(project="2026-1-003"), staff=sup
    )
    assert added.situation == "计划进度50%，实际进度48%，滞后2个百分点。"
    assert circulars.figures(circular)["warnings"][str(city.on_time.id)] == "none"


def test_the_drafter_cannot_approve_and_an_unwritten_draft_is_not_approved(db, city) -> None:
    circular = fx.draft(db, city)
    with pytest.raises(Conflict) as own:
        circulars.approve(db, circular=circular, staff=city.staff(db, "sup1"))
    assert own.value.code == "own_draft"
    with pytest.raises(InvalidInput) as unwritten:
        circulars.approve(db, circular=circular, staff=city.staff(db, "sup2"))
    red = circular.items[0]
    assert unwritten.value.fields[f"item-{red.id}-cause"] == f"请填写“{fx.RED_TITLE}”的滞后原因。"
    assert f"item-{red.id}-required_action" in unwritten.value.fields
    fx.written(db, city, circular)
    # With one supervisor, the administrator (who holds the permission too) approves.
    circulars.approve(db, circular=circular, staff=city.staff(db, "admin"))
    assert circular.status == CircularStatus.approved
    assert circular.approved_by_id == city.users["admin"].id


def test_publishing_numbers_tells_the_units_and_writes_the_timelines(db, city) -> None:
    circular = fx.published(db, city)
    year = circulars.today().year
    assert circular.number == f"昆实事通〔{year}〕1号"
    assert circular.status == CircularStatus.published and circular.published_at is not None
    events = db.scalars(select(ProjectEvent).where(ProjectEvent.kind == "circular")).all()
    assert {e.project_id for e in events} == {city.red.id, city.yellow.id}
    assert all(e.public and circular.number in e.text for e in events)
    sms = db.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "project_circular"))
    by_phone = {m.recipient: m.body for m in sms}
    assert set(by_phone) == {fx.HOUSING_PHONE, fx.JUSTICE_PHONE}
    assert fx.RED_TITLE in by_phone[fx.HOUSING_PHONE]
    assert fx.YELLOW_TITLE not in by_phone[fx.HOUSING_PHONE]
    assert [i.id for i in circulars.naming(db, city.red)] == [circular.items[0].id]
    assert circulars.naming(db, city.on_time) == []


def test_a_published_circular_is_never_edited(db, city) -> None:
    circular = fx.published(db, city)
    sup = city.staff(db, "sup1")
    item = circular.items[0]
    attempts = [
        lambda: circulars.update(db, circular=circular, data=CircularUpdate(body="改"), staff=sup),
        lambda: circulars.add_item(
            db, circular=circular, data=CircularItemAdd(project="2026-1-003"), staff=sup
        ),
        lambda: circulars.update_item(
            db, item=item, data=CircularItemUpdate(cause="改"), staff=sup
        ),
        lambda: circulars.remove_item(db, item=item, staff=sup),
        lambda: circulars.delete_draft(db, circular=circular, staff=sup),
        lambda: circulars.approve(db, circular=circular, staff=sup),
        lambda: circulars.publish(db, circular=circular, staff=sup),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
    db.rollback()
    db.expire_all()
    assert circular.body.startswith("各区镇") and len(circular.items) == 2
    assert circular.items[0].cause.endswith("前期手续办理慢。")


def test_a_correction_supersedes_the_published_circular(db, city) -> None:
    first = fx.published(db, city)
    sup2 = city.staff(db, "sup2")
    copy = circulars.supersede(db, circular=first, staff=city.staff(db, "sup1"))
    db.commit()
    assert copy.status == CircularStatus.draft and copy.supersedes_id == first.id
    assert [i.cause for i in copy.items] == [i.cause for i in first.items]
    with pytest.raises(Conflict) as again:
        circulars.supersede(db, circular=first, staff=sup2)
    assert again.value.code == "correction_exists"
    circulars.update_item(
        db, item=copy.items[0], data=CircularItemUpdate(leader="王局长"), staff=sup2
    )
    circulars.approve(db, circular=copy, staff=sup2)
    circulars.publish(db, circular=copy, staff=city.staff(db, "sup1"))
    db.commit()
    year = circulars.today().year
    assert copy.number == f"昆实事通〔{year}〕2号"
    assert first.status == CircularStatus.superseded
    assert circulars.superseded_by(db, first) is copy
    # The old number stays; the project page now shows only the correction.
    assert first.number == f"昆实事通〔{year}〕1号"
    assert [i.circular_id for i in circulars.naming(db, city.red)] == [copy.id]
    assert copy.items[0].leader == "王局长"
    public = circulars.list_circulars(db, public_only=True)
    assert {c.id for c in public} == {first.id, copy.id}


def test_next_months_draft_follows_up_the_projects_named_before(db, city) -> None:
    first = fx.published(db, city)
    first.period = "2020-01"  # as if published long ago, so that this month is free again
    db.commit()
    second = fx.draft(db, city, by="sup2")
    follow = circulars.figures(second)["follow_up"]
    assert [row["project_title"] for row in follow] == [fx.RED_TITLE, fx.YELLOW_TITLE]
    assert follow[0]["circular"] == first.number
    assert follow[0]["answer_status_label"] == "待答复"
    assert follow[0]["warning_label"] == "红色预警"


def test_an_approved_circular_goes_back_to_draft_for_changes(db, city) -> None:
    circular = fx.written(db, city, fx.draft(db, city))
    circulars.approve(db, circular=circular, staff=city.staff(db, "sup2"))
    with pytest.raises(Conflict):
        circulars.update(
            db,
            circular=circular,
            data=CircularUpdate(title="关于某某的通报"),
            staff=city.staff(db, "sup1"),
        )
    circulars.return_to_draft(db, circular=circular, staff=city.staff(db, "sup1"))
    assert circular.status == CircularStatus.draft and circular.approved_by_id is None
    with pytest.raises(InvalidInput) as past:
        circulars.update_item(
            db,
            item=circular.items[0],
            data=CircularItemUpdate(deadline=circulars.today() - dt.timedelta(days=1)),
            staff=city.staff(db, "sup1"),
        )
    assert past.value.fields == {"deadline": "整改期限不能早于今天。"}
    circulars.delete_draft(db, circular=circular, staff=city.staff(db, "sup1"))
    db.commit()
    assert db.scalar(select(func.count()).select_from(Circular)) == 0
