"""Demo extra questions for a few categories, as FixMyStreet-style clients will ask them.

No demo key is made: a key is a secret an administrator issues to one integration.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.open311 import attributes
from minsheng.open311.models import Datatype
from minsheng.open311.schemas import AttributeIn
from minsheng.routing import service as routing

# category code, question code, question, type, required, options (key=name per line), hint
QUESTIONS: list[tuple[str, str, str, Datatype, bool, str, str]] = [
    (
        "traffic.road",
        "hazard",
        "路面是什么情况？",
        Datatype.singlevaluelist,
        True,
        "pothole=坑洼\nmanhole=井盖缺失或破损\nsubsidence=路面塌陷",
        "",
    ),
    (
        "traffic.road",
        "width_m",
        "坑洼或塌陷大约多宽（米）？",
        Datatype.number,
        False,
        "",
        "数字，单位米",
    ),
    (
        "housing.elevator",
        "trapped",
        "是否有人被困在电梯里？",
        Datatype.singlevaluelist,
        True,
        "yes=有人被困\nno=没有人被困",
        "有人被困请同时拨打 96333 电梯应急救援电话",
    ),
    (
        "housing.elevator",
        "lift_no",
        "电梯编号（轿厢内铭牌上的号码）",
        Datatype.string,
        False,
        "",
        "",
    ),
    (
        "environment.noise",
        "sources",
        "噪声来自哪里？",
        Datatype.multivaluelist,
        True,
        "construction=建筑施工\nshop=商铺音响\nplaza=广场舞\nvehicle=车辆",
        "可多选",
    ),
    (
        "environment.noise",
        "since",
        "从什么时候开始？",
        Datatype.datetime,
        False,
        "",
        "例如 2026-11-26T22:00:00+08:00",
    ),
]


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Adds the demo questions the categories do not have yet; never changes existing ones."""
    progress("Open311 补充问题")
    for order, (code, key, text, datatype, required, options, hint) in enumerate(QUESTIONS, 1):
        category = routing.get_category_by_code(db, code=code)
        if category is None:
            continue
        if any(a.code == key for a in attributes.for_category(db, category=category)):
            continue
        data = AttributeIn(
            code=key,
            description=text,
            datatype=datatype,
            required=required,
            order=order,
            datatype_description=hint,
            values_text=options,
        )
        attributes.save(db, category=category, data=data)
