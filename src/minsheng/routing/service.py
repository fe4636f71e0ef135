"""Categories, their inherited time limits, and routing requests to units. Flushes only."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.settings import get_settings
from minsheng.core.tree import ancestor_ids, get_parent, place, tree_order
from minsheng.org.models import Region, Unit, UnitKind
from minsheng.routing.models import Category, RoutingRule
from minsheng.routing.schemas import (
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    RouteAnswer,
    RoutingRuleCreate,
    RoutingRuleRead,
)

# Categories


def list_categories(
    db: Session, *, active_only: bool = False, public_only: bool = False
) -> list[Category]:
    """The category tree in display order (parents before children)."""
    query = select(Category)
    if active_only:
        query = query.where(Category.active.is_(True))
    if public_only:
        query = query.where(Category.accepts_public.is_(True))
    return tree_order(list(db.scalars(query)), lambda c: (c.sort_order, c.id))


def get_category(db: Session, *, category_id: int) -> Category:
    category = db.get(Category, category_id)
    if category is None:
        raise NotFound("没有找到这个分类。")
    return category


def get_category_by_code(db: Session, *, code: str) -> Category | None:
    return db.scalar(select(Category).where(Category.code == code.strip().lower()))


def effective_limits(db: Session, *, category: Category) -> tuple[int, int]:
    """(response hours, resolve working days): the nearest set value up the tree, else settings."""
    chain = {
        c.id: c
        for c in db.scalars(select(Category).where(Category.id.in_(ancestor_ids(category.path))))
    }
    return _inherit([chain[i] for i in ancestor_ids(category.path) if i in chain])


def _inherit(root_to_node: list[Category]) -> tuple[int, int]:
    settings = get_settings()
    response, resolve = settings.default_response_hours, settings.default_resolve_days
    for node in root_to_node:
        response = node.response_hours or response
        resolve = node.resolve_days or resolve
    return response, resolve


def read_all(
    categories: list[Category], *, shown: Callable[[Category], bool] | None = None
) -> list[CategoryRead]:
    """Categories as the API shows them, limits inherited within the list given.

    `shown` narrows what is returned (e.g. to what residents may choose) while the limits are
    still inherited through the whole list; a category whose parent is not shown is returned at
    the top level, as `tree_order` places it.
    """
    by_id = {c.id: c for c in categories}
    visible = {c.id for c in categories if shown is None or shown(c)}
    out = []
    for c in categories:
        if c.id not in visible:
            continue
        chain = [by_id[i] for i in ancestor_ids(c.path) if i in by_id]
        response, resolve = _inherit(chain)
        parent = by_id.get(c.parent_id) if c.parent_id in visible else None
        out.append(
            CategoryRead(
                id=c.id,
                code=c.code,
                name=c.name,
                parent_id=parent.id if parent else None,
                parent_code=parent.code if parent else None,
                depth=sum(1 for n in chain[:-1] if n.id in visible),
                description=c.description,
                keywords=c.keywords,
                response_hours=c.response_hours,
                resolve_days=c.resolve_days,
                effective_response_hours=response,
                effective_resolve_days=resolve,
                accepts_public=c.accepts_public,
                default_unit_id=c.default_unit_id,
                sort_order=c.sort_order,
                active=c.active,
            )
        )
    return out


def is_public(category: Category) -> bool:
    """Whether residents may choose the category themselves."""
    return category.active and category.accepts_public


def _check_category(
    db: Session, data: CategoryCreate, category: Category | None
) -> Category | None:
    parent = get_parent(db, Category, data.parent_id, "parent_id")
    if parent is not None and not parent.active and getattr(data, "active", True):
        # Kept the other way round too: a category with active children cannot be retired.
        raise InvalidInput({"parent_id": f"上级分类“{parent.name}”已停用，请先启用它"})
    same = get_category_by_code(db, code=data.code)
    if same is not None and same is not category:
        raise InvalidInput({"code": f"代码“{data.code}”已被“{same.name}”使用"})
    if data.default_unit_id is not None and db.get(Unit, data.default_unit_id) is None:
        raise InvalidInput({"default_unit_id": "所选的单位不存在"})
    return parent


def _apply(category: Category, data: CategoryCreate) -> None:
    category.code, category.name = data.code, data.name
    category.description, category.keywords = data.description, data.keywords
    category.response_hours, category.resolve_days = data.response_hours, data.resolve_days
    category.accepts_public, category.default_unit_id = data.accepts_public, data.default_unit_id
    category.sort_order = data.sort_order


def create_category(db: Session, *, data: CategoryCreate) -> Category:
    """Adds a category under its parent."""
    parent = _check_category(db, data, None)
    category = Category()
    _apply(category, data)
    db.add(category)
    place(db, category, parent)
    return category


def update_category(db: Session, *, category: Category, data: CategoryUpdate) -> Category:
    """Changes a category's names, limits, default unit, place in the tree, or retires it."""
    parent = _check_category(db, data, category)
    if not data.active and category.active:
        children = db.scalar(
            select(func.count())
            .select_from(Category)
            .where(Category.parent_id == category.id, Category.active)
        )
        if children:
            raise Conflict("请先停用它的下级分类。")
    _apply(category, data)
    category.active = data.active
    if category.parent_id != data.parent_id:
        place(db, category, parent)
    db.flush()
    # The ids changed; relationships loaded earlier in this session would still name the old rows.
    db.expire(category, ["parent", "default_unit"])
    return category


# Routing rules


def list_rules(db: Session) -> list[RoutingRule]:
    query = (
        select(RoutingRule)
        .join(Category)
        .order_by(Category.path, RoutingRule.region_id, RoutingRule.id)
    )
    return list(db.scalars(query))


def rule_read(rule: RoutingRule) -> RoutingRuleRead:
    return RoutingRuleRead(
        id=rule.id,
        category_id=rule.category_id,
        category_name=rule.category.name,
        region_id=rule.region_id,
        region_name=rule.region.name if rule.region else None,
        unit_id=rule.unit_id,
        unit_name=rule.unit.name,
        note=rule.note,
    )


def get_rule(db: Session, *, rule_id: int) -> RoutingRule:
    rule = db.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("没有找到这条派单规则。")
    return rule


def _check_rule(db: Session, data: RoutingRuleCreate, rule: RoutingRule | None) -> None:
    errors = {}
    if db.get(Category, data.category_id) is None:
        errors["category_id"] = "所选的分类不存在"
    if data.region_id is not None and db.get(Region, data.region_id) is None:
        errors["region_id"] = "所选的区域不存在"
    unit = db.get(Unit, data.unit_id)
    if unit is None or not unit.active:
        errors["unit_id"] = "所选的单位不存在或已停用"
    if errors:
        raise InvalidInput(errors)
    same = db.scalar(
        select(RoutingRule).where(
            RoutingRule.category_id == data.category_id,
            RoutingRule.region_id.is_(None)
            if data.region_id is None
            else RoutingRule.region_id == data.region_id,
        )
    )
    if same is not None and same is not rule:
        raise InvalidInput({"region_id": f"这个分类在这个区域已有规则（派给“{same.unit.name}”）"})


def create_rule(db: Session, *, data: RoutingRuleCreate) -> RoutingRule:
    """Adds a rule: requests of a category in a region go to a unit."""
    _check_rule(db, data, None)
    rule = RoutingRule(**data.model_dump())
    db.add(rule)
    db.flush()
    return rule


def update_rule(db: Session, *, rule: RoutingRule, data: RoutingRuleCreate) -> RoutingRule:
    _check_rule(db, data, rule)
    for key, value in data.model_dump().items():
        setattr(rule, key, value)
    db.flush()
    db.expire(rule, ["category", "region", "unit"])  # loaded ones would still name the old rows
    return rule


def delete_rule(db: Session, *, rule: RoutingRule) -> None:
    db.delete(rule)
    db.flush()


def dispatch_centre(db: Session) -> Unit | None:
    """The unit whose triage queue takes what no rule places (the 12345 centre)."""
    query = (
        select(Unit)
        .where(Unit.kind == UnitKind.dispatch_centre, Unit.active.is_(True))
        .order_by(Unit.id)
        .limit(1)
    )
    return db.scalar(query)


def route(db: Session, *, category: Category, region: Region | None) -> RouteAnswer:
    """Where a request goes: the most specific category's rule for the nearest region wins;
    then the nearest category default unit; else the dispatch centre's triage queue."""
    categories = ancestor_ids(category.path)[::-1]  # the category itself first
    regions: list[int | None] = [*(ancestor_ids(region.path)[::-1] if region else []), None]
    rules = {
        (r.category_id, r.region_id): r
        for r in db.scalars(select(RoutingRule).where(RoutingRule.category_id.in_(categories)))
    }
    for category_id in categories:
        for region_id in regions:
            rule = rules.get((category_id, region_id))
            if rule is not None and rule.unit.active:
                where = rule.region.name if rule.region else "全市"
                reason = f"派单规则：{rule.category.name}（{where}）"
                return RouteAnswer(
                    unit_id=rule.unit_id, unit_name=rule.unit.name, reason=reason, rule_id=rule.id
                )
    chain = {c.id: c for c in db.scalars(select(Category).where(Category.id.in_(categories)))}
    for category_id in categories:
        node = chain.get(category_id)
        if node is not None and node.default_unit is not None and node.default_unit.active:
            reason = f"分类“{node.name}”的默认承办单位"
            return RouteAnswer(
                unit_id=node.default_unit_id, unit_name=node.default_unit.name, reason=reason
            )
    centre = dispatch_centre(db)
    if centre is None:
        return RouteAnswer(
            unit_id=None, unit_name=None, reason="没有匹配的规则，也没有设置派单中心"
        )
    return RouteAnswer(
        unit_id=centre.id, unit_name=centre.name, reason="没有匹配的规则，进入派单中心待分拣"
    )
