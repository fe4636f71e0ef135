"""JSON API for regions and units: thin, check then call the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service
from minsheng.org.permissions import MANAGE_ORG, VIEW_ORG
from minsheng.org.schemas import (
    RegionCreate,
    RegionRead,
    RegionUpdate,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)

router = APIRouter(tags=["org"])
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_ORG))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_ORG))]
# Regions are the city's map: changed only by those who manage the whole organisation.
RegionManager = Annotated[StaffPrincipal, Depends(require(MANAGE_ORG, everywhere=True))]


@router.get("/regions", response_model=list[RegionRead], summary="区划树（上级在前）")
def list_regions(db: DbSession, _: Viewer) -> list[RegionRead]:
    return [RegionRead.model_validate(r) for r in service.list_regions(db)]


@router.post("/regions", response_model=RegionRead, status_code=201, summary="新增区划")
def create_region(data: RegionCreate, db: DbSession, _: RegionManager) -> RegionRead:
    return RegionRead.model_validate(service.create_region(db, data=data))


@router.put("/regions/{region_id}", response_model=RegionRead, summary="修改区划")
def update_region(
    region_id: int, data: RegionUpdate, db: DbSession, _: RegionManager
) -> RegionRead:
    region = service.get_region(db, region_id=region_id)
    return RegionRead.model_validate(service.update_region(db, region=region, data=data))


@router.get("/units", response_model=list[UnitRead], summary="单位列表（上级在前）")
def list_units(db: DbSession, _: Viewer) -> list[UnitRead]:
    return [UnitRead.model_validate(u) for u in service.list_units(db)]


@router.post("/units", response_model=UnitRead, status_code=201, summary="新增单位")
def create_unit(data: UnitCreate, db: DbSession, staff: Manager) -> UnitRead:
    return UnitRead.model_validate(service.create_unit(db, data=data, by=staff))


@router.get("/units/{unit_id}", response_model=UnitRead, summary="单位详情")
def get_unit(unit_id: int, db: DbSession, _: Viewer) -> UnitRead:
    return UnitRead.model_validate(service.get_unit(db, unit_id=unit_id))


@router.put("/units/{unit_id}", response_model=UnitRead, summary="修改单位")
def update_unit(unit_id: int, data: UnitUpdate, db: DbSession, staff: Manager) -> UnitRead:
    unit = service.get_unit(db, unit_id=unit_id)
    return UnitRead.model_validate(service.update_unit(db, unit=unit, data=data, by=staff))
