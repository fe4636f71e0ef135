"""The channels' demo data, the module's manifest, and the schemas' reading of what people type."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from minsheng.channels import service
from minsheng.channels.demo import load_demo
from minsheng.channels.models import Estate, QrBox, ReceptionDay
from minsheng.channels.module import module
from minsheng.channels.schemas import EstateCreate, ReceptionDayCreate
from minsheng.core.modules import load_modules
from tests.channels.test_boxes import CODE


def counts(db) -> tuple[int, ...]:
    return tuple(
        int(db.scalar(select(func.count()).select_from(m)) or 0)
        for m in (QrBox, Estate, ReceptionDay)
    )


def test_demo_puts_a_dozen_boxes_across_the_towns(db, kunshan):
    boxes = service.list_boxes(db)
    assert len(boxes) == 12 and all(b.active and CODE.match(b.code) for b in boxes)
    assert len({b.code for b in boxes}) == 12
    assert len({b.town_id for b in boxes}) >= 10
    assert all(b.unit is not None and b.unit.active for b in boxes)
    # A community's box is the community committee's.
    box = next(b for b in boxes if b.name == "长泾社区党群服务中心")
    assert box.community is not None and box.community.name == "长泾社区"
    assert box.unit is not None and box.unit.name == "周市镇长泾社区居委会"


def test_demo_estates_are_served_by_the_property_company(db, kunshan):
    estates = service.list_estates(db)
    assert len(estates) >= 5
    assert {e.unit.name for e in estates} == {"昆山乐成置业有限公司"}
    assert all(e.building_list[0] == "1幢" for e in estates)


def test_demo_reception_days_fall_in_2026(db, kunshan):
    days = service.list_reception_days(db)
    assert len(days) >= 4 and all(d.held_on.year == 2026 for d in days)
    assert all("、" in d.deputies and d.town is not None for d in days)


def test_loading_the_demo_again_changes_nothing(db, kunshan):
    before = counts(db)
    load_demo(db, lambda _: None)
    db.flush()
    assert counts(db) == before


def test_manifest_registers_the_demo_between_routing_and_requests():
    demos = {m.name: m.demo_order for m in load_modules() if m.demo}
    assert demos["routing"] < module.demo_order == 35
    if "requests" in demos:
        assert module.demo_order < demos["requests"]
    paths = {item.path for item in module.nav}
    assert paths == {
        "/staff/boxes",
        "/staff/estates",
        "/staff/reception-days",
        "/staff/requests/new",
        "/staff/inspections/new",
    }


# Schemas


def estate(**changes: object) -> EstateCreate:
    data: dict[str, object] = {"name": "乐成花园", "town_id": 1, "unit_id": 1, "buildings": ""}
    return EstateCreate.model_validate({**data, **changes})


def test_buildings_are_read_as_people_list_them():
    assert estate(buildings="1幢\n2幢，3幢、4幢;5幢\n\n2幢").buildings == [
        "1幢",
        "2幢",
        "3幢",
        "4幢",
        "5幢",
    ]
    assert estate(buildings=[" A区 1幢 ", "A区 1幢", "商铺"]).buildings == ["A区 1幢", "商铺"]


@pytest.mark.parametrize(
    ("buildings", "message"),
    [
        ("", "请至少填写一个楼栋，每行一个，例如 1幢"),
        ("\n、，", "请至少填写一个楼栋，每行一个，例如 1幢"),
        ("1幢\n" + "楼" * 41, "每个楼栋最多 40 个字"),
        ("\n".join(f"{n}幢" for n in range(301)), "楼栋最多 300 个"),
        ("1幢\x00", "含有无法识别的控制字符"),
    ],
)
def test_bad_buildings_are_explained(buildings: str, message: str):
    with pytest.raises(ValidationError) as caught:
        estate(buildings=buildings)
    assert message in str(caught.value)


def test_deputies_are_joined_with_the_chinese_list_comma():
    day = ReceptionDayCreate(
        held_on="2026-03-14", place="人大代表之家", deputies="张三, 李四　王五"
    )
    assert day.deputies == "张三、李四、王五" and day.held_on == dt.date(2026, 3, 14)
