"""Knowledge cards (知晓卡): a printable, ordered selection of published matters for an audience,
with what the printed card and its mobile page show of each matter. Flushes, never commits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.settings import get_settings
from minsheng.guides import service
from minsheng.guides.models import Card, CardItem, Matter, MatterStatus, MatterVersion
from minsheng.guides.schemas import CODE, clean, normalize_phone

# The front of a business card lists every matter's name beside the QR code: six lines fit.
CARD_LIMIT = 6
NO_CARD = "没有找到这张知晓卡，请检查编码或在办事指南里搜索。"
_SPLIT = re.compile(r"[\s,，、;；]+")


class CardData(BaseModel):
    """What staff fill in for a card; the matters are codes in the order they are printed."""

    code: str = Field(min_length=2, max_length=40, title="知晓卡编码")
    title: str = Field(min_length=2, max_length=60, title="标题")
    audience: str = Field(default="", max_length=100, title="发放对象")
    intro: str = Field(default="", max_length=300, title="导语")
    hotline: str = Field(default="12345", max_length=40, title="咨询热线")
    issuer: str = Field(default="", max_length=100, title="印发单位")
    published: bool = Field(default=True, title="公开")
    matters: list[str] = Field(default_factory=list, title="事项编码")

    _clean = field_validator("title", "audience", "intro", "issuer", mode="before")(clean)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            if not CODE.match(value):
                raise ValueError("知晓卡编码只能用字母、数字和短横线，2 到 40 位")
        return value

    @field_validator("hotline", mode="before")
    @classmethod
    def _hotline(cls, value: object) -> object:
        if isinstance(value, str):
            number = normalize_phone(value)
            if number is None:
                raise ValueError("咨询热线不是电话号码，请写成 12345 或 0512-57512345 这样")
            return number
        return value


def split_codes(text: str) -> list[str]:
    """Matter codes from a form field: one a line, or separated by commas or spaces."""
    codes = (unicodedata.normalize("NFKC", c).strip() for c in _SPLIT.split(text or ""))
    return list(dict.fromkeys(c for c in codes if c))


def list_cards(db: Session) -> list[Card]:
    """Every card, by code."""
    return list(db.scalars(select(Card).order_by(Card.code)))


def find_card(db: Session, *, code: str) -> Card | None:
    return db.scalar(select(Card).where(Card.code == code[:40]))


def get_card(db: Session, *, code: str) -> Card:
    """The card with that code, published or not (staff pages)."""
    card = find_card(db, code=code)
    if card is None:
        raise NotFound(NO_CARD)
    return card


def get_public_card(db: Session, *, code: str) -> Card:
    """A card readers may open: only a published one."""
    card = get_card(db, code=code)
    if not card.published:
        raise NotFound(NO_CARD)
    return card


def check_matters(db: Session, *, codes: list[str]) -> list[Matter]:
    """The matters for these codes in order; refuses unknown, draft and withdrawn ones, an empty
    list and more than fit on the card, saying why."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise InvalidInput({"matters": "请至少选择一个事项"})
    if len(codes) > CARD_LIMIT:
        raise InvalidInput(
            {
                "matters": f"名片大小的知晓卡最多放 {CARD_LIMIT} 个事项，现在选了 {len(codes)} 个，"
                f"请删去 {len(codes) - CARD_LIMIT} 个"
            }
        )
    found = {m.code: m for m in db.scalars(select(Matter).where(Matter.code.in_(codes)))}
    problems = []
    missing = [c for c in codes if c not in found]
    if missing:
        problems.append(f"没有这些事项编码：{'、'.join(missing)}")
    for code in codes:
        matter = found.get(code)
        if matter is None:
            continue
        title = _title(matter)
        if matter.status == MatterStatus.draft:
            problems.append(f"“{title}”（{code}）还是草稿，发布后才能放上知晓卡")
        elif matter.status == MatterStatus.withdrawn:
            reason = matter.withdrawn_reason or "未说明原因"
            problems.append(f"“{title}”（{code}）已停止办理（{reason}），不能放上知晓卡")
    if problems:
        raise InvalidInput({"matters": "；".join(problems)})
    return [found[c] for c in codes]


def _title(matter: Matter) -> str:
    version = service.current_version(matter) or (matter.versions[-1] if matter.versions else None)
    return version.title if version else matter.code


def _fill(card: Card, data: CardData, matters: list[Matter]) -> None:
    card.title = data.title
    card.audience = data.audience
    card.intro = data.intro
    card.hotline = data.hotline
    card.issuer = data.issuer
    card.published = data.published
    kept = {item.matter_id: item for item in card.items}
    card.items = []
    for position, matter in enumerate(matters, start=1):
        item = kept.get(matter.id) or CardItem(matter=matter)
        item.position = position
        card.items.append(item)


def create_card(db: Session, *, data: CardData) -> Card:
    """A new card with its matters in the order given."""
    matters = check_matters(db, codes=data.matters)
    if find_card(db, code=data.code) is not None:
        raise InvalidInput({"code": f"知晓卡编码 {data.code} 已经有了，请换一个"})
    card = Card(code=data.code, title=data.title)
    _fill(card, data, matters)
    db.add(card)
    try:
        db.flush()
    except IntegrityError:  # two people saving the same code at once
        db.rollback()
        raise InvalidInput({"code": f"知晓卡编码 {data.code} 已经有了，请换一个"}) from None
    return card


def update_card(db: Session, *, card: Card, data: CardData) -> Card:
    """New text and matters for a card; its code (printed in its QR code) never changes."""
    matters = check_matters(db, codes=data.matters)
    _fill(card, data, matters)
    db.flush()
    return card


def delete_card(db: Session, *, card: Card) -> None:
    """Removes a card; its matters stay. Printed QR codes then open a 'not found' page."""
    db.delete(card)
    db.flush()


def card_url(card: Card) -> str:
    """What the card's QR code encodes."""
    return f"{get_settings().base_url.rstrip('/')}/guides/cards/{card.code}?s=qr"


def matter_url(code: str) -> str:
    """What a matter's QR code encodes."""
    return f"{get_settings().base_url.rstrip('/')}/guides/{code}?s=qr"


@dataclass(frozen=True)
class Essentials:
    """What a card prints of one matter: hashable, so a rendered PDF can be cached by it."""

    code: str
    title: str
    summary: str
    materials: tuple[tuple[str, int, int], ...]  # name, originals, copies
    steps: tuple[tuple[str, str], ...]  # title, text
    phones: tuple[tuple[str, str], ...]  # label, number
    place: str
    hours: str
    promised_days: int | None
    visits: int
    url: str


def essentials(matter: Matter, version: MatterVersion) -> Essentials:
    """The parts of a version a card shows, required materials first."""
    materials = sorted(version.materials, key=lambda m: not m.get("required", True))
    return Essentials(
        code=matter.code,
        title=version.title,
        summary=version.summary,
        materials=tuple((m["name"], m.get("originals", 1), m.get("copies", 0)) for m in materials),
        steps=tuple((s["title"], s.get("text", "")) for s in version.steps),
        phones=tuple((p.get("label", ""), p["number"]) for p in version.phones),
        place=version.place,
        hours=version.hours,
        promised_days=version.promised_days,
        visits=version.visits,
        url=matter_url(matter.code),
    )


@dataclass(frozen=True)
class Entry:
    """One matter on a card as readers see it now; a withdrawn one says so."""

    matter: Matter
    essentials: Essentials | None
    withdrawn: bool


def entries(card: Card) -> list[Entry]:
    """The card's matters in order, as they stand now (a matter may be withdrawn since)."""
    found = []
    for item in card.items:
        matter = item.matter
        version = service.current_version(matter)
        if version is None:  # never published: not for readers
            continue
        withdrawn = matter.status == MatterStatus.withdrawn
        found.append(Entry(matter, essentials(matter, version), withdrawn))
    return found


def printable(card: Card) -> list[Essentials]:
    """The matters a card prints: still handled ones only."""
    return [e.essentials for e in entries(card) if e.essentials and not e.withdrawn]


def count_scans(db: Session, *, card: Card) -> None:
    """A scan of the card's QR code counts as a scan of every matter it lists."""
    for entry in entries(card):
        service.count(db, matter_id=entry.matter.id, scans=1)


def choices(db: Session) -> list[tuple[str, str, str]]:
    """Published matters (code, title, unit) to choose from on the staff form."""
    matters = db.scalars(
        select(Matter).where(Matter.status == MatterStatus.published).order_by(Matter.code)
    )
    return [(m.code, _title(m), m.unit.name) for m in matters]
