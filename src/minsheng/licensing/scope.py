"""The business-scope catalogue (经营范围规范表述): choosing items, checking a choice, and the
text printed on the license (general items, then the permit items with the usual note)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.licensing.models import ScopeItem

MAX_ITEMS = 15
PERMIT_NOTE = "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"


@dataclass
class IndustryGroup:
    """One industry's items, general ones and those needing a permit."""

    industry: str
    general: list[ScopeItem] = field(default_factory=list)
    permit: list[ScopeItem] = field(default_factory=list)


@dataclass(frozen=True)
class PermitItem:
    """A chosen item that needs a permit, and the service guide that explains how to get it."""

    code: str
    wording: str
    permit_name: str
    guide_code: str

    @property
    def guide_url(self) -> str:
        return f"/guides/{self.guide_code}" if self.guide_code else ""


def catalogue(db: Session) -> list[IndustryGroup]:
    """The active items grouped by industry (in catalogue order), general before permit."""
    groups: dict[str, IndustryGroup] = {}
    for item in db.scalars(
        select(ScopeItem).order_by(ScopeItem.position, ScopeItem.code).where(ScopeItem.active)
    ):
        group = groups.setdefault(item.industry, IndustryGroup(item.industry))
        (group.permit if item.permit else group.general).append(item)
    return list(groups.values())


def _unique(codes: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for code in codes:
        code = (code or "").strip()[:20]
        if code:
            seen.setdefault(code, None)
    return list(seen)


def items(db: Session, codes: Iterable[str]) -> list[ScopeItem]:
    """The items with these codes (active or not), in catalogue order."""
    wanted = _unique(codes)
    if not wanted:
        return []
    return list(
        db.scalars(
            select(ScopeItem)
            .order_by(ScopeItem.position, ScopeItem.code)
            .where(ScopeItem.code.in_(wanted))
        )
    )


def validate(db: Session, codes: Iterable[str]) -> list[str]:
    """What is wrong with a choice of items, one sentence each; [] when it can be registered."""
    wanted = _unique(codes)
    if not wanted:
        return ["请至少选择一项经营范围"]
    errors: list[str] = []
    if len(wanted) > MAX_ITEMS:
        errors.append(f"经营范围最多选择 {MAX_ITEMS} 项，您选了 {len(wanted)} 项")
    found = {item.code: item for item in items(db, wanted)}
    for code in wanted:
        item = found.get(code)
        if item is None:
            errors.append(f"经营范围目录里没有“{code}”这一项，请从目录中选择")
        elif not item.active:
            errors.append(f"经营范围“{item.wording}”已停用，请重新选择")
    chosen = [found[c] for c in wanted if c in found]
    for i, first in enumerate(chosen):
        for second in chosen[i + 1 :]:
            if second.code in (first.conflicts or []) or first.code in (second.conflicts or []):
                errors.append(f"“{first.wording}”与“{second.wording}”不能同时选择，请去掉其中一项")
    return errors


def describe(db: Session, codes: Iterable[str]) -> tuple[str, list[PermitItem]]:
    """The license's 经营范围 text and the permit items in it.

    The text is the general items joined with "；", then "许可项目：…" with the note that they
    need approval first, as real licenses print it; without permit items, only the general ones.
    """
    chosen = items(db, codes)
    general = "；".join(i.wording for i in chosen if not i.permit)
    permits = [
        PermitItem(i.code, i.wording, i.permit_name, i.guide_code) for i in chosen if i.permit
    ]
    if not permits:
        return general, permits
    permit_text = "许可项目：" + "；".join(p.wording for p in permits) + PERMIT_NOTE
    return (general + "；" + permit_text if general else permit_text), permits


def industry_of(db: Session, codes: Iterable[str]) -> str:
    """The industry of the first item chosen (the license's 行业), or ""."""
    wanted = _unique(codes)
    if not wanted:
        return ""
    found = {i.code: i for i in items(db, wanted)}
    return next((found[c].industry for c in wanted if c in found), "")
