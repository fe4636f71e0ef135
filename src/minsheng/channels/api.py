"""JSON API for QR boxes, estates and reception days."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from minsheng.accounts.deps import OptionalStaff, require
from minsheng.channels import service
from minsheng.channels.permissions import MANAGE_ALL_CHANNELS, MANAGE_CHANNELS, VIEW_CHANNELS
from minsheng.channels.schemas import (
    BoxCreate,
    BoxPublic,
    BoxRead,
    BoxUpdate,
    EstateCreate,
    EstateRead,
    EstateUpdate,
    ReceptionDayCreate,
    ReceptionDayRead,
)
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.core.permissions import StaffPrincipal

router = APIRouter(tags=["channels"])
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_CHANNELS))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_CHANNELS))]
CityManager = Annotated[StaffPrincipal, Depends(require(MANAGE_ALL_CHANNELS))]


@router.get("/boxes", response_model=list[BoxRead], summary="二维码意见箱")
def list_boxes(db: DbSession, _: Viewer) -> list[BoxRead]:
    return [service.box_read(b) for b in service.list_boxes(db)]


@router.post(
    "/boxes",
    response_model=BoxRead,
    status_code=201,
    summary="新增意见箱",
    description="编码随机生成，用在海报二维码的地址里。社区工作者只能以本单位或下级单位为责任单位。",
)
def create_box(data: BoxCreate, db: DbSession, staff: Manager) -> BoxRead:
    return service.box_read(service.create_box(db, data=data, staff=staff))


@router.get(
    "/boxes/{code}",
    response_model=BoxPublic,
    summary="扫码后显示的意见箱地点（公开）",
    description="手机表单据此显示意见箱的地点；已停用或不存在的意见箱返回 404。",
)
def box_by_code(code: str, db: DbSession) -> BoxPublic:
    return service.box_public(service.get_active_box(db, code=code))


@router.put("/boxes/{code}", response_model=BoxRead, summary="修改或停用意见箱")
def update_box(code: str, data: BoxUpdate, db: DbSession, staff: Manager) -> BoxRead:
    box = service.get_box_by_code(db, code=code[:40])
    if box is None:
        raise NotFound("没有这个意见箱。")
    return service.box_read(service.update_box(db, box=box, data=data, staff=staff))


@router.get(
    "/estates",
    response_model=list[EstateRead],
    summary="物业小区及楼栋",
    description="公开：在用的小区（物业报修时选择）。带工作人员令牌时也列出已停用的小区。",
)
def list_estates(db: DbSession, staff: OptionalStaff) -> list[EstateRead]:
    every = staff is not None and staff.can(VIEW_CHANNELS)
    return [service.estate_read(e) for e in service.list_estates(db, active_only=not every)]


@router.post("/estates", response_model=EstateRead, status_code=201, summary="新增小区")
def create_estate(data: EstateCreate, db: DbSession, _: CityManager) -> EstateRead:
    return service.estate_read(service.create_estate(db, data=data))


@router.put("/estates/{estate_id}", response_model=EstateRead, summary="修改或停用小区")
def update_estate(estate_id: int, data: EstateUpdate, db: DbSession, _: CityManager) -> EstateRead:
    estate = service.get_estate(db, estate_id=estate_id)
    return service.estate_read(service.update_estate(db, estate=estate, data=data))


@router.get("/reception-days", response_model=list[ReceptionDayRead], summary="代表接待日")
def list_reception_days(db: DbSession, _: Viewer) -> list[ReceptionDayRead]:
    return [service.reception_day_read(d) for d in service.list_reception_days(db)]


@router.post(
    "/reception-days",
    response_model=ReceptionDayRead,
    status_code=201,
    summary="登记代表接待日",
    description="当天反映的问题以 POST /api/v1/requests 录入："
    "渠道 reception_day，并给出 reception_day（接待日编号）。",
)
def create_reception_day(data: ReceptionDayCreate, db: DbSession, _: Manager) -> ReceptionDayRead:
    return service.reception_day_read(service.create_reception_day(db, data=data))
