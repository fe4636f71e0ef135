"""Step 2, the business: organisation form and family members, the name from its parts, the
operating place in Kunshan, the scope. Everything is checked at once and nothing is saved
unless all of it is right; a banned or identical name, a place outside Kunshan, conflicting
scope items and a second pending application of the same person for the same place are refused
here rather than sent to a registrar."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput
from minsheng.licensing import identity_numbers, names, scope
from minsheng.licensing.models import ORG_FORMS, Application, ApplicationKind, ApplicationStatus
from minsheng.licensing.schemas import BusinessIn, FamilyMember
from minsheng.licensing.service import local_today, require_editable
from minsheng.licensing.uscc import KUNSHAN
from minsheng.org.models import Region, RegionLevel

OUTSIDE = "经营场所须在昆山市范围内"
MAX_FAMILY = 10
ADDRESS_MIN, ADDRESS_MAX = 5, 120
TOWN_LEVELS = (RegionLevel.town, RegionLevel.zone)
COMMUNITY_LEVELS = (RegionLevel.community, RegionLevel.village)
PENDING = (ApplicationStatus.filling, ApplicationStatus.reviewing, ApplicationStatus.returned)

# fmt: off
# Provinces and the other cities of Jiangsu: only with 省/市/自治区 after them, since many
# Kunshan roads carry such names (马鞍山西路 holds 山西, 黄河南路 holds 河南).
_PROVINCES = [
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川",
    "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏",
    "新疆", "香港", "澳门", "南京", "无锡", "徐州", "常州", "南通", "连云港", "淮安",
    "盐城", "扬州", "镇江", "泰州", "宿迁", "太仓", "常熟", "张家港",
]
# Suzhou's other districts and the neighbouring Shanghai districts: named with their 区.
_DISTRICTS = [
    "姑苏区", "虎丘区", "吴中区", "相城区", "吴江区", "苏州工业园区", "苏州高新区", "嘉定区",
    "青浦区", "松江区", "宝山区", "闵行区", "浦东新区", "普陀区", "长宁区", "徐汇区",
    "黄浦区", "静安区", "杨浦区", "虹口区", "金山区", "奉贤区", "崇明区",
]
# Places just across the border, caught even without a suffix unless a road is named after them.
_NEIGHBOURS = ["上海", "太仓", "常熟", "张家港", "吴江", "安亭", "白鹤", "朱家角"]
# fmt: on
_STREET = "路|街|巷|弄|道|桥|广场|花园|小区|新村|公寓"
OUTSIDE_PATTERN = re.compile(
    "|".join(
        [f"(?:{'|'.join(_PROVINCES)})(?:省|市|自治区|特别行政区)"]
        + [re.escape(d) for d in _DISTRICTS]
        + [f"(?:{'|'.join(_NEIGHBOURS)})(?!{_STREET})"]
    )
)
_PREFIXES = ("江苏省", "江苏", "苏州市", "昆山市")
_PUNCTUATION = re.compile(r"[\s,，.。、;；:：\-－—_#（）()]")


def kunshan(db: Session) -> Region | None:
    """The city at the root of the region tree (division code 320583)."""
    return db.scalar(select(Region).where(Region.code == KUNSHAN, Region.level == RegionLevel.city))


def towns(db: Session) -> list[Region]:
    """Kunshan's towns and zones, the places a business may be registered in."""
    city = kunshan(db)
    if city is None:
        return []
    return list(
        db.scalars(
            select(Region)
            .where(Region.parent_id == city.id, Region.level.in_(TOWN_LEVELS), Region.active)
            .order_by(Region.code, Region.id)
        )
    )


def communities(db: Session, *, town_id: int) -> list[Region]:
    """The communities and villages of a town."""
    return list(
        db.scalars(
            select(Region)
            .where(
                Region.parent_id == town_id,
                Region.level.in_(COMMUNITY_LEVELS),
                Region.active,
            )
            .order_by(Region.name)
        )
    )


def kunshan_town(db: Session, town_id: int | None) -> Region | None:
    """The town or zone with this id if it lies in Kunshan, else None."""
    town = db.get(Region, town_id) if town_id is not None else None
    if town is None or town.level not in TOWN_LEVELS or not town.active:
        return None
    city = kunshan(db)
    return town if city is not None and town.parent_id == city.id else None


def clean_address(address: str, town: Region | None) -> str:
    """The address with spaces tidied and the province, city and town it repeats dropped."""
    text = " ".join(unicodedata.normalize("NFKC", address or "").split())
    changed = True
    while changed:
        changed = False
        for prefix in (*_PREFIXES, *((town.name,) if town else ())):
            if text.startswith(prefix):
                text, changed = text[len(prefix) :].lstrip(), True
    return text


def normalize_address(address: str) -> str:
    """The address reduced for comparing two places: no spaces or punctuation, same case."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", address)).lower()


def check_address(db: Session, *, address: str, town: Region | None) -> str | None:
    """Why the street address cannot be the place, or None."""
    if not address:
        return "请填写详细地址（路名和门牌号）"
    if not ADDRESS_MIN <= len(address) <= ADDRESS_MAX:
        return f"详细地址须为 {ADDRESS_MIN} 到 {ADDRESS_MAX} 个字，您填了 {len(address)} 个"
    if OUTSIDE_PATTERN.search(address):
        return OUTSIDE
    if town is not None:
        other = next((t.name for t in towns(db) if t.id != town.id and t.name in address), None)
        if other is not None:
            return f"地址里的“{other}”与所选区镇“{town.name}”不一致，请核对"
    return None


def check_place(
    db: Session, *, town_id: int | None, community_id: int | None, address: str
) -> tuple[dict[str, str], Region | None, str]:
    """Errors by field, the town (when in Kunshan) and the cleaned address."""
    errors: dict[str, str] = {}
    town = kunshan_town(db, town_id)
    if town_id is None:
        errors["town_id"] = "请选择经营场所所在的区镇"
    elif town is None:
        errors["town_id"] = OUTSIDE
    if community_id is not None and town is not None:
        community = db.get(Region, community_id)
        if community is None or community.parent_id != town.id:
            errors["community_id"] = "请选择该镇的社区"
    cleaned = clean_address(address, town)
    problem = check_address(db, address=cleaned, town=town)
    if problem:
        errors["address"] = problem
    return errors, town, cleaned


def check_family(members: list[FamilyMember], *, operator_id: str) -> list[dict[str, Any]] | str:
    """The family members, tidied, or why they cannot be registered (one sentence)."""
    if not members:
        return "家庭经营须填写至少一位参与经营的家庭成员"
    if len(members) > MAX_FAMILY:
        return f"家庭成员最多 {MAX_FAMILY} 位"
    tidy: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for n, member in enumerate(members, start=1):
        name = "".join(member.name.split())
        if not 2 <= len(name) <= 20 or not all(names.is_chinese(c) or c == "·" for c in name):
            problems.append(f"第 {n} 位家庭成员的姓名须为 2 到 20 个汉字")
        try:
            number = identity_numbers.parse(member.id_number, today=local_today()).number
        except identity_numbers.BadIdNumber as exc:
            problems.append(f"第 {n} 位家庭成员：{exc}")
            continue
        if operator_id and number == operator_id:
            problems.append(f"第 {n} 位家庭成员是经营者本人，不必再填")
        elif number in seen:
            problems.append(f"第 {n} 位家庭成员与第 {seen[number]} 位的身份证号码相同")
        seen.setdefault(number, n)
        tidy.append({"name": name, "id_number": number})
    return "；".join(problems) if problems else tidy


def pending_duplicate(
    db: Session, *, app: Application, town_id: int | None, address: str
) -> Application | None:
    """Another pending application of the same person for the same place (or license)."""
    if not app.id_number:
        return None
    others = db.scalars(
        select(Application).where(
            Application.id_number == app.id_number,
            Application.id != app.id,
            Application.status.in_(PENDING),
        )
    )
    place = normalize_address(address)
    for other in others:
        if app.license_id is not None and other.license_id == app.license_id:
            return other
        if other.town_id == town_id and place and normalize_address(other.address) == place:
            return other
    return None


def duplicate_message(other: Application) -> str:
    return (
        f"您在同一经营场所已有一份申请正在办理（编号 {other.number}），"
        "请继续办理那一份，或等它办结后再申请"
    )


def _name_errors(results: list[Any]) -> dict[str, str]:
    # The name's parts are separate fields; the rest of the name checks show on the 字号.
    fields = {"name.industry": "industry_word", "name.form": "form_word"}
    errors: dict[str, list[str]] = {}
    for result in results:
        if not result.passed:
            errors.setdefault(fields.get(result.code, "trade_name"), []).append(result.message)
    return {k: "；".join(v) for k, v in errors.items()}


def set_business(db: Session, *, app: Application, data: BusinessIn) -> None:
    """Step 2: checks the whole business and saves it, or raises InvalidInput by field."""
    require_editable(app)
    errors: dict[str, str] = {}
    if data.org_form not in ORG_FORMS:
        errors["org_form"] = "请选择组成形式：个人经营或家庭经营"
    family: list[dict[str, Any]] = []
    if data.org_form == "family":
        checked = check_family(data.family_members, operator_id=app.id_number)
        if isinstance(checked, str):
            errors["family_members"] = checked
        else:
            family = checked
    place_errors, town, address = check_place(
        db, town_id=data.town_id, community_id=data.community_id, address=data.address
    )
    errors.update(place_errors)
    scope_errors = scope.validate(db, data.scope_codes)
    if scope_errors:
        errors["scope_codes"] = "；".join(scope_errors)
    # Inner spaces are reported by the name check, not silently removed.
    trade_name = data.trade_name.strip()
    industry_word, form_word = data.industry_word.strip(), data.form_word.strip()
    results = names.check(
        db,
        town_id=town.id if town else None,
        trade_name=trade_name,
        industry_word=industry_word,
        form_word=form_word,
        exclude_application_id=app.id,
        exclude_license_id=app.license_id if app.kind == ApplicationKind.amend else None,
    )
    if town is None:  # the place's own error says it; no second one on the name
        results = [r for r in results if r.code != "name.duplicate"]
    errors.update({k: v for k, v in _name_errors(results).items() if k not in errors})
    if town is not None and "address" not in errors:
        other = pending_duplicate(db, app=app, town_id=town.id, address=address)
        if other is not None:
            errors["__all__"] = duplicate_message(other)
    if errors:
        raise InvalidInput(errors)
    assert town is not None
    app.org_form = data.org_form
    app.family_members = family
    app.trade_name = trade_name
    app.industry_word = industry_word if trade_name else ""
    app.form_word = form_word if trade_name else ""
    app.name_division = names.division_of(town)
    app.town_id = town.id
    app.community_id = data.community_id
    app.address = address
    app.scope_codes = [i.code for i in scope.items(db, data.scope_codes)]
    db.flush()
