"""JSON API of 问题通报: published circulars for everyone; drafting, editing, approval,
publication and corrections for supervisors; rectification answers for the named units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalStaff, require
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import circulars, rectification
from minsheng.projects.models_review import Circular, CircularItem
from minsheng.projects.permissions import REPORT_PROGRESS, SUPERVISE
from minsheng.projects.schemas_circulars import (
    CircularDraft,
    CircularItemAdd,
    CircularItemRead,
    CircularItemUpdate,
    CircularRead,
    CircularSummary,
    CircularUpdate,
    FollowUpRead,
    RectificationAnswer,
)
from minsheng.projects.service import get_batch

router = APIRouter(tags=["projects"])
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE))]
Reporter = Annotated[StaffPrincipal, Depends(require(REPORT_PROGRESS))]


def summary(circular: Circular) -> CircularSummary:
    return CircularSummary(
        id=circular.id,
        number=circular.number if circulars.numbered(circular) else None,
        title=circular.title,
        batch=circular.batch.code,
        period=circular.period,
        status=circular.status.value,
        status_label=circular.status_label,
        published_at=circular.published_at,
        items=len(circular.items),
        url=f"/projects/circulars/{circular.id}",
    )


def item_read(item: CircularItem) -> CircularItemRead:
    status = rectification.answer_status(item, circulars.today())
    return CircularItemRead(
        id=item.id,
        project=item.project.code,
        project_title=item.project.title,
        lead_unit=item.project.lead_unit.name,
        warning=item.project.warning.value,
        situation=item.situation,
        cause=item.cause,
        required_action=item.required_action,
        leader=item.leader,
        deadline=item.deadline,
        answer=item.answer,
        answered_at=item.answered_at,
        answer_status=status,
        answer_status_label=rectification.ANSWER_LABELS[status],
    )


def circular_read(db: Session, circular: Circular) -> CircularRead:
    figures = circulars.figures(circular)
    follow = figures.pop("follow_up", [])
    newer = circulars.superseded_by(db, circular)
    return CircularRead(
        **summary(circular).model_dump(),
        body=circular.body,
        figures=figures,
        rectify_by=circular.rectify_by,
        supersedes=circular.supersedes_id,
        superseded_by=newer.id if newer else None,
        item_list=[item_read(item) for item in circular.items],
        follow_up=[FollowUpRead.model_validate(row) for row in follow],
        pdf=f"/projects/circulars/{circular.id}.pdf",
        xlsx=f"/projects/circulars/{circular.id}.xlsx",
    )


def _visible(db: Session, circular_id: int, staff: StaffPrincipal | None) -> Circular:
    """Supervisors see drafts too; everyone else only what is published."""
    if staff is not None and staff.can(SUPERVISE):
        return circulars.get_circular(db, circular_id=circular_id)
    return circulars.get_public(db, circular_id=circular_id)


def _item_of(db: Session, circular: Circular, item_id: int) -> CircularItem:
    item = circulars.get_item(db, item_id=item_id)
    if item.circular_id != circular.id:
        raise NotFound("通报里没有这个项目。")
    return item


@router.get(
    "/circulars",
    response_model=list[CircularSummary],
    summary="已发布的问题通报",
    description="公开：已发布（含已被更正）的通报，最新的在前；可按批次编号筛选。",
)
def list_circulars(db: DbSession, batch: Annotated[str | None, Query(max_length=20)] = None):
    found = get_batch(db, code=batch) if batch else None
    return [summary(c) for c in circulars.list_circulars(db, batch=found, public_only=True)]


@router.get(
    "/circulars/{circular_id}",
    response_model=CircularRead,
    summary="一份通报",
    description="公开：已发布的通报及各项目的整改答复。督查人员带令牌时也能看草稿。",
)
def get_circular(circular_id: int, db: DbSession, staff: OptionalStaff) -> CircularRead:
    return circular_read(db, _visible(db, circular_id, staff))


@router.post(
    "/circulars",
    response_model=CircularRead,
    status_code=201,
    summary="按数据起草通报",
    description="按批次和月份取数：统计数字、预警为黄色或红色的项目（进展情况已填好）、"
    "前期通报项目的整改情况。同一批次同一月份只能有一份在用的通报。",
)
def draft(data: CircularDraft, db: DbSession, staff: Supervisor) -> CircularRead:
    return circular_read(db, circulars.draft(db, data=data, staff=staff))


@router.patch("/circulars/{circular_id}", response_model=CircularRead, summary="修改草稿")
def update(circular_id: int, data: CircularUpdate, db: DbSession, staff: Supervisor):
    circular = circulars.get_circular(db, circular_id=circular_id)
    return circular_read(db, circulars.update(db, circular=circular, data=data, staff=staff))


@router.delete("/circulars/{circular_id}", status_code=204, summary="删除草稿")
def delete(circular_id: int, db: DbSession, staff: Supervisor) -> Response:
    circular = circulars.get_circular(db, circular_id=circular_id)
    circulars.delete_draft(db, circular=circular, staff=staff)
    return Response(status_code=204)


@router.post(
    "/circulars/{circular_id}/items",
    response_model=CircularItemRead,
    status_code=201,
    summary="在草稿中增加一个项目",
    description="只能列入本通报所属批次的项目。",
)
def add_item(circular_id: int, data: CircularItemAdd, db: DbSession, staff: Supervisor):
    circular = circulars.get_circular(db, circular_id=circular_id)
    return item_read(circulars.add_item(db, circular=circular, data=data, staff=staff))


@router.patch(
    "/circulars/{circular_id}/items/{item_id}",
    response_model=CircularItemRead,
    summary="修改草稿中一个项目的原因、要求、责任领导或期限",
)
def update_item(
    circular_id: int, item_id: int, data: CircularItemUpdate, db: DbSession, staff: Supervisor
) -> CircularItemRead:
    item = _item_of(db, circulars.get_circular(db, circular_id=circular_id), item_id)
    return item_read(circulars.update_item(db, item=item, data=data, staff=staff))


@router.delete(
    "/circulars/{circular_id}/items/{item_id}", status_code=204, summary="从草稿中去掉一个项目"
)
def remove_item(circular_id: int, item_id: int, db: DbSession, staff: Supervisor) -> Response:
    item = _item_of(db, circulars.get_circular(db, circular_id=circular_id), item_id)
    circulars.remove_item(db, item=item, staff=staff)
    return Response(status_code=204)


@router.post(
    "/circulars/{circular_id}/approve",
    response_model=CircularRead,
    summary="审核通报",
    description="由起草人以外的督查人员（或系统管理员）审核；每个项目都要写明滞后原因和整改要求。",
)
def approve(circular_id: int, db: DbSession, staff: Supervisor) -> CircularRead:
    circular = circulars.get_circular(db, circular_id=circular_id)
    return circular_read(db, circulars.approve(db, circular=circular, staff=staff))


@router.post(
    "/circulars/{circular_id}/return", response_model=CircularRead, summary="退回已审核的通报修改"
)
def return_to_draft(circular_id: int, db: DbSession, staff: Supervisor) -> CircularRead:
    circular = circulars.get_circular(db, circular_id=circular_id)
    return circular_read(db, circulars.return_to_draft(db, circular=circular, staff=staff))


@router.post(
    "/circulars/{circular_id}/publish",
    response_model=CircularRead,
    summary="发布通报",
    description="编文号（昆实事通〔年份〕N号）、公开、写入各项目的进展记录并短信通知牵头单位。"
    "发布后不能再修改，只能更正。",
)
def publish(circular_id: int, db: DbSession, staff: Supervisor) -> CircularRead:
    circular = circulars.get_circular(db, circular_id=circular_id)
    return circular_read(db, circulars.publish(db, circular=circular, staff=staff))


@router.post(
    "/circulars/{circular_id}/supersede",
    response_model=CircularRead,
    status_code=201,
    summary="更正已发布的通报",
    description="复制出一份新草稿（已有的整改答复保留）；新通报发布后，原通报标为“已更正”并指向新通报。",
)
def supersede(circular_id: int, db: DbSession, staff: Supervisor) -> CircularRead:
    circular = circulars.get_circular(db, circular_id=circular_id)
    return circular_read(db, circulars.supersede(db, circular=circular, staff=staff))


@router.post(
    "/circulars/{circular_id}/items/{item_id}/answer",
    response_model=CircularItemRead,
    summary="报送整改情况",
    description="由被通报项目的牵头单位报送，每个项目一次；超过整改期限报送的标为逾期。",
)
def answer(
    circular_id: int, item_id: int, data: RectificationAnswer, db: DbSession, staff: Reporter
) -> CircularItemRead:
    item = _item_of(db, circulars.get_circular(db, circular_id=circular_id), item_id)
    return item_read(rectification.answer(db, item=item, data=data, staff=staff))
