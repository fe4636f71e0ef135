"""Step-by-step bundles (一件事): a journey such as 开小餐馆 chaining matters in order, each step
linking a matter by its code. Staff create and edit them; the public page reads `journey()`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.guides import reading, service
from minsheng.guides.models import Bundle, BundleStep, Matter, MatterStatus, MatterVersion
from minsheng.guides.schemas import CODE, clean

MAX_STEPS = 20
GONE = "没有找到这个一件事指南。"


class BundleStepIn(BaseModel):
    """One step as staff enter it: the matter's code, an optional own title, a note."""

    matter_code: str = Field(min_length=2, max_length=40, title="事项编码")
    title: str = Field(default="", max_length=100, title="步骤名称")
    note: str = Field(default="", max_length=500, title="说明")

    _clean = field_validator("matter_code", "title", "note", mode="before")(clean)


class BundleIn(BaseModel):
    """A bundle's whole content; saving replaces the steps in the order given."""

    code: str = Field(min_length=2, max_length=40, title="编码")
    title: str = Field(min_length=2, max_length=100, title="名称")
    summary: str = Field(default="", max_length=500, title="简介")
    published: bool = Field(default=True, title="公开")
    steps: list[BundleStepIn] = Field(default_factory=list, max_length=MAX_STEPS, title="步骤")

    _clean = field_validator("title", "summary", mode="before")(clean)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            if not CODE.match(value):
                raise ValueError("编码只能用字母、数字和短横线，2 到 40 位")
        return value


@dataclass(frozen=True)
class JourneyStep:
    """A step as the public page shows it, with its matter's current text."""

    number: int
    title: str
    note: str
    matter: Matter
    version: MatterVersion
    withdrawn: bool
    time_limits: list[reading.Phrase]
    trips: reading.Phrase


def list_bundles(db: Session, *, published_only: bool = False) -> list[Bundle]:
    """Bundles by title, with their steps."""
    query = select(Bundle).options(selectinload(Bundle.steps)).order_by(Bundle.title, Bundle.id)
    if published_only:
        query = query.where(Bundle.published.is_(True))
    return list(db.scalars(query))


def find_bundle(db: Session, *, code: str) -> Bundle | None:
    return db.scalar(select(Bundle).where(Bundle.code == code[:40]))


def get_bundle(db: Session, *, code: str, public: bool = False) -> Bundle:
    """The bundle with that code; `public` hides unpublished ones."""
    bundle = find_bundle(db, code=code)
    if bundle is None or (public and not bundle.published):
        raise NotFound(GONE)
    return bundle


def _matters(db: Session, data: BundleIn) -> list[Matter]:
    """The steps' matters in order, or InvalidInput naming each bad step."""
    if not data.steps:
        raise InvalidInput({"steps": "请至少填写一个步骤的事项编码"})
    codes = [s.matter_code for s in data.steps]
    found = {m.code: m for m in db.scalars(select(Matter).where(Matter.code.in_(codes)))}
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for number, code in enumerate(codes, start=1):
        matter = found.get(code)
        key = f"step{number}_code"
        if matter is None:
            errors[key] = f"第 {number} 步：没有编码为 {code} 的事项"
        elif matter.status == MatterStatus.draft:
            errors[key] = f"第 {number} 步：事项 {code} 还没有发布，发布后才能列入"
        elif matter.status == MatterStatus.withdrawn:
            errors[key] = f"第 {number} 步：事项 {code} 已停止办理，请换成现在办理的事项"
        elif code in seen:
            errors[key] = f"第 {number} 步：事项 {code} 前面已经列入，不要重复"
        seen.add(code)
    if errors:
        raise InvalidInput(errors)
    return [found[c] for c in codes]


def _fill(bundle: Bundle, data: BundleIn, matters: list[Matter]) -> None:
    bundle.title = data.title
    bundle.summary = data.summary
    bundle.published = data.published
    bundle.steps.clear()
    for position, (step, matter) in enumerate(zip(data.steps, matters, strict=True), start=1):
        bundle.steps.append(
            BundleStep(position=position, matter=matter, title=step.title, note=step.note)
        )


def create_bundle(db: Session, *, data: BundleIn) -> Bundle:
    """A new bundle with its steps; a taken code or a bad matter code is refused."""
    if find_bundle(db, code=data.code) is not None:
        raise InvalidInput({"code": f"编码 {data.code} 已经有了，请换一个"})
    matters = _matters(db, data)
    bundle = Bundle(code=data.code)
    _fill(bundle, data, matters)
    try:
        with db.begin_nested():
            db.add(bundle)
            db.flush()
    except IntegrityError:  # two people saving the same code at once
        raise InvalidInput({"code": f"编码 {data.code} 已经有了，请换一个"}) from None
    return bundle


def update_bundle(db: Session, *, bundle: Bundle, data: BundleIn) -> Bundle:
    """Replaces a bundle's title, summary, visibility and steps; its code never changes."""
    matters = _matters(db, data)
    _fill(bundle, data, matters)
    db.flush()
    return bundle


def journey(bundle: Bundle) -> list[JourneyStep]:
    """The steps with their matters' current texts; drafts (never public) are left out."""
    steps: list[JourneyStep] = []
    for step in bundle.steps:
        matter = step.matter
        version = service.current_version(matter)
        if version is None or matter.status == MatterStatus.draft:
            continue
        steps.append(
            JourneyStep(
                number=len(steps) + 1,
                title=step.title or version.title,
                note=step.note,
                matter=matter,
                version=version,
                withdrawn=matter.status == MatterStatus.withdrawn,
                time_limits=reading.time_limits(version),
                trips=reading.trips(version),
            )
        )
    return steps
