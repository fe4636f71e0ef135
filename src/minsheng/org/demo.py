"""Kunshan's demo organisation: the region tree and the units the news report names.

Towns and zones carry their official statistical division codes (National Bureau of Statistics);
communities and villages are named in the report, their codes left empty.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.org import service
from minsheng.org.models import Region, RegionLevel, Unit, UnitKind
from minsheng.org.schemas import RegionCreate, UnitCreate

CITY = ("320583", "昆山市")
TOWNS = [
    ("320583100", "玉山镇", RegionLevel.town),
    ("320583101", "巴城镇", RegionLevel.town),
    ("320583102", "周市镇", RegionLevel.town),
    ("320583103", "陆家镇", RegionLevel.town),
    ("320583104", "花桥镇", RegionLevel.town),
    ("320583105", "淀山湖镇", RegionLevel.town),
    ("320583106", "张浦镇", RegionLevel.town),
    ("320583107", "周庄镇", RegionLevel.town),
    ("320583108", "千灯镇", RegionLevel.town),
    ("320583109", "锦溪镇", RegionLevel.town),
    ("320583400", "昆山开发区", RegionLevel.zone),
    ("320583401", "昆山旅游度假区", RegionLevel.zone),
    (None, "昆山高新区", RegionLevel.zone),
]
COMMUNITIES = [
    ("周市镇", "长泾社区", RegionLevel.community),
    ("巴城镇", "并蒂莲社区", RegionLevel.community),
    ("昆山高新区", "泾河村", RegionLevel.village),
    ("昆山开发区", "蓬苑社区", RegionLevel.community),
    ("千灯镇", "千灯社区", RegionLevel.community),
]

# (name, kind, parent unit, region, contact phone); the parent comes before its children.
# The root "昆山市" holds everything, so that a role held there is city-wide (see permissions).
UNITS: list[tuple[str, UnitKind, str | None, str, str]] = [
    ("昆山市", UnitKind.city, None, "昆山市", ""),
    ("昆山市人民政府", UnitKind.government, "昆山市", "昆山市", "0512-57512345"),
    ("昆山市12345政务服务便民热线", UnitKind.dispatch_centre, "昆山市人民政府", "昆山市", "12345"),
    ("昆山市行政审批局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311001"),
    ("昆山市应急管理局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311002"),
    ("昆山市农业农村局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311003"),
    ("昆山市住房和城乡建设局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311004"),
    ("昆山市城市管理局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311005"),
    ("昆山市市场监督管理局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311006"),
    ("苏州市昆山生态环境局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311007"),
    ("昆山市交通运输局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311008"),
    ("昆山市教育局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311009"),
    ("昆山市卫生健康委员会", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311010"),
    (
        "昆山市人力资源和社会保障局",
        UnitKind.department,
        "昆山市人民政府",
        "昆山市",
        "0512-57311011",
    ),
    ("昆山市公安局交通警察大队", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311012"),
    ("昆山市水务局", UnitKind.department, "昆山市人民政府", "昆山市", "0512-57311013"),
    ("昆山市公证处", UnitKind.institution, "昆山市人民政府", "昆山市", "0512-57311014"),
    ("昆山市档案馆", UnitKind.institution, "昆山市人民政府", "昆山市", "0512-57311015"),
    (
        "中共昆山市委宣传部（市文明办）",
        UnitKind.party_congress,
        "昆山市",
        "昆山市",
        "0512-57311016",
    ),
    ("昆山市人大常委会", UnitKind.party_congress, "昆山市", "昆山市", "0512-57311017"),
    ("政协昆山市委员会", UnitKind.party_congress, "昆山市", "昆山市", "0512-57311018"),
    ("昆山城市建设投资发展集团", UnitKind.company, "昆山市", "昆山市", "0512-57311019"),
    (
        "昆山乐成置业有限公司",
        UnitKind.company,
        "昆山城市建设投资发展集团",
        "昆山市",
        "0512-57311020",
    ),
    ("国网昆山市供电公司", UnitKind.company, "昆山市", "昆山市", "95598"),
]
TOWN_OFFICES = [
    "巴城镇",
    "周市镇",
    "千灯镇",
    "张浦镇",
    "花桥镇",
    "陆家镇",
    "玉山镇",
    "淀山湖镇",
    "周庄镇",
    "锦溪镇",
]
ZONE_OFFICES = {
    "昆山开发区": "昆山开发区管委会",
    "昆山高新区": "昆山高新区管委会",
    "昆山旅游度假区": "昆山旅游度假区管委会",
}
COMMITTEES = [
    ("周市镇长泾社区居委会", "周市镇人民政府", "长泾社区"),
    ("巴城镇并蒂莲社区居委会", "巴城镇人民政府", "并蒂莲社区"),
    ("泾河村村民委员会", "昆山高新区管委会", "泾河村"),
    ("开发区蓬苑社区居委会", "昆山开发区管委会", "蓬苑社区"),
]


def _region(
    db: Session, name: str, code: str | None, level: RegionLevel, parent: Region | None
) -> Region:
    existing = service.get_region_by_code(db, code=code) if code else None
    if existing is None:
        existing = next(
            (
                r
                for r in service.list_regions(db)
                if r.name == name and r.parent_id == (parent.id if parent else None)
            ),
            None,
        )
    if existing is not None:
        return existing
    data = RegionCreate(name=name, code=code, level=level, parent_id=parent.id if parent else None)
    return service.create_region(db, data=data)


def _unit(
    db: Session, name: str, kind: UnitKind, parent: str | None, region: Region | None, phone: str
) -> Unit:
    existing = service.get_unit_by_name(db, name=name)
    if existing is not None:
        return existing
    parent_unit = service.get_unit_by_name(db, name=parent) if parent else None
    data = UnitCreate(
        name=name,
        kind=kind,
        parent_id=parent_unit.id if parent_unit else None,
        region_id=region.id if region else None,
        contact_phone=phone,
    )
    return service.create_unit(db, data=data)


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates what is missing of the demo organisation; running it again changes nothing."""
    progress("区划：昆山市及各区镇")
    city = _region(db, CITY[1], CITY[0], RegionLevel.city, None)
    regions = {CITY[1]: city}
    for code, name, level in TOWNS:
        regions[name] = _region(db, name, code, level, city)
    for town, name, level in COMMUNITIES:
        regions[name] = _region(db, name, None, level, regions[town])
    progress("单位：市级部门、区镇、社区和企业")
    for name, kind, parent, region, phone in UNITS:
        _unit(db, name, kind, parent, regions[region], phone)
    for town in TOWN_OFFICES:
        _unit(db, f"{town}人民政府", UnitKind.government, "昆山市人民政府", regions[town], "")
    for zone, office in ZONE_OFFICES.items():
        _unit(db, office, UnitKind.government, "昆山市人民政府", regions[zone], "")
    for town in ("千灯镇", "周市镇", "巴城镇"):
        _unit(db, f"{town}行政审批局", UnitKind.town_office, f"{town}人民政府", regions[town], "")
    for name, parent, community in COMMITTEES:
        _unit(db, name, UnitKind.community, parent, regions[community], "")
