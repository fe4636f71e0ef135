"""The catalogue's core: look-ups, creating matters, publishing versions, withdrawing, unit scope,
usage counters. Every other file of the module goes through these; they flush, never commit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.guides.models import Matter, MatterStatus, MatterVersion, Usage
from minsheng.guides.permissions import EDIT_GUIDES
from minsheng.guides.schemas import MatterContent, MatterCreate
from minsheng.org.models import Unit

WITHDRAWN = "这个事项已停止办理。"


def local_today() -> dt.date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def find_matter(db: Session, *, code: str) -> Matter | None:
    return db.scalar(select(Matter).where(Matter.code == code[:40]))


def get_matter(db: Session, *, code: str) -> Matter:
    """The matter with that code, draft and withdrawn ones included (callers decide who sees)."""
    matter = find_matter(db, code=code)
    if matter is None:
        raise NotFound("没有找到这个办事事项，请检查编码或搜索事项名称。")
    return matter


def get_public_matter(db: Session, *, code: str) -> Matter:
    """A matter readers may open: published or withdrawn (the page then says so), never a draft."""
    matter = get_matter(db, code=code)
    if matter.status == MatterStatus.draft:
        raise NotFound("没有找到这个办事事项，请检查编码或搜索事项名称。")
    return matter


def current_version(matter: Matter) -> MatterVersion | None:
    """The version readers see now (the last one, for a withdrawn matter)."""
    if matter.current_number is None:
        return None
    return version_of(matter, matter.current_number)


def version_of(matter: Matter, number: int) -> MatterVersion:
    for version in matter.versions:
        if version.number == number:
            return version
    raise NotFound(f"“{matter.code}”没有第 {number} 版。")


def was_in_force(matter: Matter, version: MatterVersion) -> bool:
    """True for the current version and every version that was current before being replaced
    (a draft saved and then replaced before publishing never was)."""
    return version.number == matter.current_number or version.valid_to is not None


def may_edit(staff: StaffPrincipal, matter: Matter) -> bool:
    """Administrators edit every matter, a unit's handlers their own unit's."""
    return staff.can(EDIT_GUIDES, matter.unit.path)


def require_edit(staff: StaffPrincipal, matter: Matter) -> None:
    if not may_edit(staff, matter):
        raise Forbidden("只有实施主体单位和管理员可以修改这个事项。")


def _unit(db: Session, unit_id: int | None) -> Unit:
    unit = db.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.active:
        raise InvalidInput({"unit_id": "请选择实施主体单位"})
    return unit


def _check_related(db: Session, content: MatterContent, *, own_code: str) -> None:
    codes = [c for c in dict.fromkeys(content.related) if c != own_code]
    if not codes:
        content.related = []
        return
    found = set(db.scalars(select(Matter.code).where(Matter.code.in_(codes))))
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInput({"related": f"没有这些事项编码：{'、'.join(missing)}"})
    content.related = codes


def create_matter(
    db: Session,
    *,
    data: MatterCreate,
    staff: StaffPrincipal | None = None,
    publish: bool = True,
) -> Matter:
    """A new matter with its first version, published at once unless `publish` is False."""
    unit = _unit(db, data.unit_id)
    if staff is not None and not staff.can(EDIT_GUIDES, unit.path):
        raise Forbidden("您只能为本单位添加办事事项。")
    if find_matter(db, code=data.code) is not None:
        raise InvalidInput({"code": f"事项编码 {data.code} 已经有了，请换一个"})
    _check_related(db, data.content, own_code=data.code)
    matter = Matter(code=data.code, unit=unit, status=MatterStatus.draft)
    db.add(matter)
    try:
        db.flush()
    except IntegrityError:  # two people saving the same code at once
        db.rollback()
        raise InvalidInput({"code": f"事项编码 {data.code} 已经有了，请换一个"}) from None
    _add_version(db, matter, data.content, staff=staff, publish=publish)
    return matter


def _add_version(
    db: Session,
    matter: Matter,
    content: MatterContent,
    *,
    staff: StaffPrincipal | None,
    publish: bool,
) -> MatterVersion:
    now = utcnow()
    number = max((v.number for v in matter.versions), default=0) + 1
    fields = content.model_dump(mode="json")
    version = MatterVersion(
        matter=matter,
        number=number,
        valid_from=now,
        published_by_id=staff.user_id if staff else None,
        **fields,
    )
    db.add(version)
    if publish:
        previous = current_version(matter)
        if previous is not None and previous.valid_to is None:
            previous.valid_to = now
        matter.current_number = number
        matter.status = MatterStatus.published
        matter.withdrawn_at = None
        matter.withdrawn_reason = ""
    db.flush()
    return version


def publish_version(
    db: Session,
    *,
    matter: Matter,
    content: MatterContent,
    staff: StaffPrincipal | None = None,
    unit_id: int | None = None,
) -> MatterVersion:
    """Publishes a new text; the old one stays readable with the dates it was in force."""
    if staff is not None:
        require_edit(staff, matter)
    if unit_id is not None and unit_id != matter.unit_id:
        unit = _unit(db, unit_id)
        if staff is not None and not staff.can(EDIT_GUIDES, unit.path):
            raise Forbidden("您不能把事项转给您管不到的单位。")
        matter.unit = unit
    _check_related(db, content, own_code=matter.code)
    return _add_version(db, matter, content, staff=staff, publish=True)


def withdraw(
    db: Session, *, matter: Matter, reason: str, staff: StaffPrincipal | None = None
) -> None:
    """Stops a matter: its pages stay, saying it is no longer handled and why."""
    if staff is not None:
        require_edit(staff, matter)
    if matter.status != MatterStatus.published:
        raise InvalidInput({"reason": "只有已发布的事项才能停止办理"})
    reason = reason.strip()[:200]
    if not reason:
        raise InvalidInput({"reason": "请写明停止办理的原因，读者会看到它"})
    now = utcnow()
    matter.status = MatterStatus.withdrawn
    matter.withdrawn_at = now
    matter.withdrawn_reason = reason
    version = current_version(matter)
    if version is not None and version.valid_to is None:
        version.valid_to = now
    db.flush()


def count(
    db: Session,
    *,
    matter_id: int,
    views: int = 0,
    scans: int = 0,
    helpful: int = 0,
    unhelpful: int = 0,
) -> None:
    """Adds to today's counters of a matter (one row per matter and day)."""
    day = local_today()
    changes = {"views": views, "scans": scans, "helpful": helpful, "unhelpful": unhelpful}
    values = {k: getattr(Usage, k) + v for k, v in changes.items() if v}
    if not values:
        return
    done = db.execute(
        update(Usage).where(Usage.matter_id == matter_id, Usage.day == day).values(**values)
    )
    if done.rowcount:  # type: ignore[attr-defined]
        return
    try:
        with db.begin_nested():
            db.add(Usage(matter_id=matter_id, day=day, **changes))
    except IntegrityError:  # another request made today's row first
        db.execute(
            update(Usage).where(Usage.matter_id == matter_id, Usage.day == day).values(**values)
        )
