"""Demo QR boxes across Kunshan's towns, estates served by 乐成置业, and 2026's reception days.

Places are those of the org demo; box codes are random, so each installation prints its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.channels import service
from minsheng.channels.models import QrBox
from minsheng.channels.schemas import EstateCreate, ReceptionDayCreate
from minsheng.org import service as org
from minsheng.org.models import Region, Unit

# name, town, community, address, responsible unit
BOXES: list[tuple[str, str, str | None, str, str]] = [
    ("亭林园东门", "玉山镇", None, "亭林园东门入口服务亭旁", "玉山镇人民政府"),
    (
        "长泾社区党群服务中心",
        "周市镇",
        "长泾社区",
        "长泾社区党群服务中心一楼大厅",
        "周市镇长泾社区居委会",
    ),
    (
        "并蒂莲社区邻里中心",
        "巴城镇",
        "并蒂莲社区",
        "并蒂莲社区邻里中心门口",
        "巴城镇并蒂莲社区居委会",
    ),
    ("巴城老街农贸市场", "巴城镇", None, "巴城老街农贸市场东门", "巴城镇人民政府"),
    ("泾河村村民活动室", "昆山高新区", "泾河村", "泾河村村民委员会活动室门口", "泾河村村民委员会"),
    (
        "蓬苑社区服务中心",
        "昆山开发区",
        "蓬苑社区",
        "蓬苑社区服务中心公告栏",
        "开发区蓬苑社区居委会",
    ),
    ("千灯古镇游客中心", "千灯镇", "千灯社区", "千灯古镇游客中心出口", "千灯镇人民政府"),
    ("花桥镇中心公园", "花桥镇", None, "中心公园北门健身广场", "花桥镇人民政府"),
    ("陆家镇菜市场", "陆家镇", None, "陆家镇菜市场南门", "陆家镇人民政府"),
    ("张浦镇便民服务中心", "张浦镇", None, "张浦镇便民服务中心办事大厅", "张浦镇人民政府"),
    ("周庄古镇停车场", "周庄镇", None, "周庄古镇游客停车场收费亭", "周庄镇人民政府"),
    ("锦溪镇长寿公园", "锦溪镇", None, "长寿公园南门", "锦溪镇人民政府"),
]

PROPERTY_COMPANY = "昆山乐成置业有限公司"
# name, town, community, number of buildings
ESTATES: list[tuple[str, str, str | None, int]] = [
    ("乐成花园", "玉山镇", None, 18),
    ("长泾花苑", "周市镇", "长泾社区", 12),
    ("蓬苑新村", "昆山开发区", "蓬苑社区", 24),
    ("并蒂莲家园", "巴城镇", "并蒂莲社区", 9),
    ("千灯馨苑", "千灯镇", "千灯社区", 15),
    ("花桥乐成公寓", "花桥镇", None, 6),
]

# held on, place, deputies, town
RECEPTION_DAYS: list[tuple[dt.date, str, str, str]] = [
    (dt.date(2026, 3, 14), "周市镇长泾社区党群服务中心", "张建华、刘敏", "周市镇"),
    (dt.date(2026, 5, 16), "巴城镇并蒂莲社区邻里中心", "陈志刚、王秀英", "巴城镇"),
    (dt.date(2026, 7, 11), "千灯镇人大代表之家", "顾卫东、沈丽华、周强", "千灯镇"),
    (dt.date(2026, 9, 12), "昆山开发区蓬苑社区服务中心", "李红、朱建平", "昆山开发区"),
    (dt.date(2026, 11, 14), "玉山镇人大代表联络站", "徐明、钱芳", "玉山镇"),
]


def _region(regions: list[Region], name: str, parent: Region | None = None) -> Region:
    found = next(
        (r for r in regions if r.name == name and (parent is None or r.parent_id == parent.id)),
        None,
    )
    assert found is not None, name
    return found


def _unit(db: Session, name: str) -> Unit:
    unit = org.get_unit_by_name(db, name=name)
    assert unit is not None, name
    return unit


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates the demo boxes, estates and reception days that do not exist yet."""
    # Boxes are made directly: the service checks a staff member's scope, and there is none.
    regions = org.list_regions(db)
    progress("二维码意见箱")
    boxes = {b.name for b in service.list_boxes(db)}
    for name, town_name, community_name, address, unit_name in BOXES:
        if name in boxes:
            continue
        town = _region(regions, town_name)
        community = _region(regions, community_name, town) if community_name else None
        db.add(
            QrBox(
                code=service.new_box_code(),
                name=name,
                address=address,
                town=town,
                community=community,
                unit=_unit(db, unit_name),
            )
        )
    progress("物业小区")
    estates = {(e.name, e.town_id) for e in service.list_estates(db)}
    company = _unit(db, PROPERTY_COMPANY)
    for name, town_name, community_name, buildings in ESTATES:
        town = _region(regions, town_name)
        if (name, town.id) in estates:
            continue
        community = _region(regions, community_name, town) if community_name else None
        data = EstateCreate(
            name=name,
            town_id=town.id,
            community_id=community.id if community else None,
            unit_id=company.id,
            buildings=[f"{n}幢" for n in range(1, buildings + 1)],
        )
        service.create_estate(db, data=data)
    progress("代表接待日")
    days = {(d.held_on, d.place) for d in service.list_reception_days(db)}
    for held_on, place, deputies, town_name in RECEPTION_DAYS:
        if (held_on, place) not in days:
            town = _region(regions, town_name)
            day = ReceptionDayCreate(
                held_on=held_on, place=place, deputies=deputies, town_id=town.id
            )
            service.create_reception_day(db, data=day)
    db.flush()
