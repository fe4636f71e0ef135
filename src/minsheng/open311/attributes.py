"""A category's extra questions: kept by administrators, answered by Open311 clients.

Flushes, never commits.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.open311.formats import Open311Error, w3c
from minsheng.open311.models import LISTS, CategoryAttribute, Datatype
from minsheng.open311.params import clean_text, parse_w3c
from minsheng.open311.schemas import AttributeIn
from minsheng.routing.models import Category

MAX_PER_CATEGORY = 30
# Longest answer kept, by type; a list's answer is bounded by its options.
LIMITS = {Datatype.string: 200, Datatype.text: 2000, Datatype.number: 40, Datatype.datetime: 40}
Answer = str | int | float | list[str]


def for_category(db: Session, *, category: Category) -> list[CategoryAttribute]:
    """The category's questions in the order a client should ask them."""
    query = (
        select(CategoryAttribute)
        .where(CategoryAttribute.category_id == category.id)
        .order_by(CategoryAttribute.order, CategoryAttribute.id)
    )
    return list(db.scalars(query))


def counts(db: Session) -> dict[int, int]:
    """How many questions each category has (for the services list's metadata flag)."""
    found: dict[int, int] = {}
    for category_id in db.scalars(select(CategoryAttribute.category_id)):
        found[category_id] = found.get(category_id, 0) + 1
    return found


def parse_values(datatype: Datatype, text: str) -> list[dict[str, str]]:
    """The options of a list, one per line as `key=name` (a lone name is its own key)."""
    if datatype not in LISTS:
        return []
    options: list[dict[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _, name = line.partition("=")
        key, name = key.strip(), (name.strip() or key.strip())
        if not key or len(key) > 40 or len(name) > 100:
            raise InvalidInput(
                {"values_text": f"选项“{line.strip()[:40]}”不对：代码最多 40 个字，名称最多 100 个"}
            )
        if any(o["key"] == key for o in options):
            raise InvalidInput({"values_text": f"选项代码“{key}”重复了"})
        options.append({"key": key, "name": name})
    if len(options) < 2:
        raise InvalidInput({"values_text": "单选和多选至少要两个选项，每行一个，写成“代码=名称”"})
    return options


def save(db: Session, *, category: Category, data: AttributeIn) -> CategoryAttribute:
    """Adds the question, or changes the one with the same code."""
    values = parse_values(data.datatype, data.values_text)
    existing = {a.code: a for a in for_category(db, category=category)}
    attribute = existing.get(data.code)
    if attribute is None:
        if len(existing) >= MAX_PER_CATEGORY:
            raise InvalidInput({"code": f"一个分类最多 {MAX_PER_CATEGORY} 个补充问题"})
        attribute = CategoryAttribute(category_id=category.id, code=data.code)
        db.add(attribute)
    attribute.description = data.description
    attribute.datatype = data.datatype
    attribute.required = data.required and data.variable
    attribute.variable = data.variable
    attribute.order = data.order
    attribute.datatype_description = data.datatype_description
    attribute.values = values
    db.flush()
    return attribute


def delete(db: Session, *, category: Category, attribute_id: int) -> None:
    attribute = db.get(CategoryAttribute, attribute_id)
    if attribute is None or attribute.category_id != category.id:
        raise NotFound("没有找到这个补充问题。")
    db.delete(attribute)
    db.flush()


def definition(attribute: CategoryAttribute) -> dict[str, Any]:
    """One attribute as the service definition shows it, in the specification's order."""
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype.value,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": v["key"], "name": v["name"]} for v in attribute.values],
    }


def _one(attribute: CategoryAttribute, given: list[str], name: str) -> Answer:
    if len(given) > 1:
        raise Open311Error(400, f"{name} 只能有一个值")
    value = clean_text(name, given[0], LIMITS.get(attribute.datatype, 2000))
    if attribute.datatype == Datatype.number:
        try:
            number = float(value)
        except ValueError:
            raise Open311Error(400, f"{name} 应为数字，收到“{value[:20]}”") from None
        if not math.isfinite(number):
            raise Open311Error(400, f"{name} 应为数字，收到“{value[:20]}”")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if attribute.datatype == Datatype.datetime:
        return w3c(parse_w3c(name, value)) or ""
    if attribute.datatype == Datatype.singlevaluelist and value not in attribute.value_names:
        raise Open311Error(400, f"{name} 不是可选的值：{value[:40]}")
    return value


def check_answers(
    attributes: list[CategoryAttribute], given: dict[str, list[str]]
) -> dict[str, Answer]:
    """The answers to the questions asked, checked against their definitions; answers to
    questions the category does not ask are ignored. Every error is reported at once."""
    answers: dict[str, Answer] = {}
    errors: list[tuple[int, str]] = []
    for attribute in attributes:
        if not attribute.variable:
            continue
        name = f"attribute[{attribute.code}]"
        values = [v.strip() for v in given.get(attribute.code, []) if v.strip()]
        if not values:
            if attribute.required:
                errors.append((400, f"缺少必答的 {name}（{attribute.description}）"))
            continue
        try:
            if attribute.datatype == Datatype.multivaluelist:
                unknown = [v for v in values if v not in attribute.value_names]
                if unknown:
                    raise Open311Error(400, f"{name} 不是可选的值：{unknown[0][:40]}")
                answers[attribute.code] = list(dict.fromkeys(values))
            else:
                answers[attribute.code] = _one(attribute, values, name)
        except Open311Error as exc:
            errors.extend(exc.errors)
    if errors:
        raise Open311Error(errors[0][0], errors[0][1], *errors[1:])
    return answers


def describe(attributes: list[CategoryAttribute], answers: dict[str, Answer]) -> str:
    """The answers as a handler reads them on the timeline, one question a line."""
    lines = []
    for attribute in attributes:
        if attribute.code not in answers:
            continue
        answer = answers[attribute.code]
        names = attribute.value_names
        if isinstance(answer, list):
            shown = "、".join(names.get(v, v) for v in answer)
        else:
            shown = names.get(str(answer), str(answer))
        lines.append(f"{attribute.description}：{shown}")
    return "\n".join(lines)
