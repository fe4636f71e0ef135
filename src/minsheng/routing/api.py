"""JSON API for categories (public to read), routing rules and route look-ups (staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from minsheng.accounts.deps import OptionalStaff, require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.routing import service
from minsheng.routing.permissions import MANAGE_ROUTING, VIEW_ROUTING
from minsheng.routing.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    RouteAnswer,
    RoutingRuleCreate,
    RoutingRuleRead,
)

router = APIRouter(tags=["routing"])
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_ROUTING))]
# Categories, limits and rules are city-wide settings.
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_ROUTING, everywhere=True))]


@router.get(
    "/categories",
    response_model=list[CategoryRead],
    summary="分类树及时限",
    description="群众可选的在用分类；带工作人员令牌时返回全部分类（含停用和内部分类）。"
    "时限单位：签收为工作小时，办结为工作日；未设置的从上级继承。",
)
def list_categories(db: DbSession, staff: OptionalStaff) -> list[CategoryRead]:
    if staff is not None and staff.can(VIEW_ROUTING):
        return service.read_all(service.list_categories(db))
    return service.read_all(service.list_categories(db), shown=service.is_public)


@router.post("/categories", response_model=CategoryRead, status_code=201, summary="新增分类")
def create_category(data: CategoryCreate, db: DbSession, _: Manager) -> CategoryRead:
    service.create_category(db, data=data)
    return _read(db, data.code)


@router.put("/categories/{category_id}", response_model=CategoryRead, summary="修改分类")
def update_category(
    category_id: int, data: CategoryUpdate, db: DbSession, _: Manager
) -> CategoryRead:
    category = service.get_category(db, category_id=category_id)
    service.update_category(db, category=category, data=data)
    return _read(db, data.code)


def _read(db: DbSession, code: str) -> CategoryRead:
    return next(c for c in service.read_all(service.list_categories(db)) if c.code == code)


@router.get("/routing/rules", response_model=list[RoutingRuleRead], summary="派单规则")
def list_rules(db: DbSession, _: Viewer) -> list[RoutingRuleRead]:
    return [service.rule_read(r) for r in service.list_rules(db)]


@router.post(
    "/routing/rules", response_model=RoutingRuleRead, status_code=201, summary="新增派单规则"
)
def create_rule(data: RoutingRuleCreate, db: DbSession, _: Manager) -> RoutingRuleRead:
    return service.rule_read(service.create_rule(db, data=data))


@router.put("/routing/rules/{rule_id}", response_model=RoutingRuleRead, summary="修改派单规则")
def update_rule(
    rule_id: int, data: RoutingRuleCreate, db: DbSession, _: Manager
) -> RoutingRuleRead:
    rule = service.get_rule(db, rule_id=rule_id)
    return service.rule_read(service.update_rule(db, rule=rule, data=data))


@router.delete("/routing/rules/{rule_id}", status_code=204, summary="删除派单规则")
def delete_rule(rule_id: int, db: DbSession, _: Manager) -> None:
    service.delete_rule(db, rule=service.get_rule(db, rule_id=rule_id))


@router.get("/routing/route", response_model=RouteAnswer, summary="试算：某分类、某地的诉求派给谁")
def route(
    db: DbSession,
    _: Viewer,
    category: Annotated[str, Query(description="分类代码", examples=["property.elevator"])],
    region: Annotated[str | None, Query(description="区划代码或区划编号")] = None,
) -> RouteAnswer:
    found = service.get_category_by_code(db, code=category)
    if found is None:
        raise InvalidInput({"category": f"没有代码为“{category}”的分类"})
    place = None
    if region:
        place = org.find_region(db, key=region)
        if place is None:
            raise InvalidInput({"region": f"没有“{region}”这个区划"})
    return service.route(db, category=found, region=place)
