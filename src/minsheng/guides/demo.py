"""Kunshan's demo guides: 28 high-frequency matters with full texts (and one withdrawn),
step-by-step bundles, the 个体经营知晓卡 and the 新市民办事卡, synonyms, five weeks of reading and
readers' comments.

Matters go through the real service with the clock set back (core.db.clock_at), so versions carry
believable dates: the catalogue opened eight months ago, one matter was withdrawn four months ago,
two got a second text a month ago. Everything is created only when missing: a second run adds
nothing. The texts are in demo_matters_*.py, the rest in demo_data.py.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.core.db import clock_at
from minsheng.core.settings import get_settings
from minsheng.guides import bundles, cards, service, synonyms
from minsheng.guides.bundles import BundleIn, BundleStepIn
from minsheng.guides.cards import CardData
from minsheng.guides.demo_data import (
    BUNDLES,
    CARD_MATTERS,
    CARDS,
    DAYS_CREATED,
    DAYS_V2,
    DAYS_WITHDRAWN,
    FEEDBACK,
    OLDER_VERSIONS,
    POPULARITY,
    SYNONYMS,
    USAGE_DAYS,
    USAGE_SEED,
    WITHDRAWN,
)
from minsheng.guides.demo_matters_business import BUSINESS
from minsheng.guides.demo_matters_city import CITY
from minsheng.guides.demo_matters_people import PEOPLE
from minsheng.guides.demo_matters_permits import PERMITS
from minsheng.guides.models import Feedback, FeedbackStatus, Matter, MatterStatus, Usage
from minsheng.guides.schemas import MatterContent, MatterCreate
from minsheng.org import service as org

MATTERS: list[dict[str, Any]] = [*BUSINESS, *PERMITS, *CITY, *PEOPLE]


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates what is missing of the demo guides; running it again changes nothing."""
    progress("办事指南：事项")
    matters = _matters(db)
    progress("办事指南：一件事和知晓卡")
    _bundles(db)
    _cards(db)
    _synonyms(db)
    progress("办事指南：阅读和评价")
    _reading(db, matters)
    db.flush()


def content_of(entry: dict[str, Any], **changes: Any) -> MatterContent:
    """A demo entry's text (without its code and unit), with changes, validated."""
    fields = {k: v for k, v in entry.items() if k not in ("code", "unit")}
    extra = changes.pop("add_materials", [])
    fields.update(changes)
    fields["materials"] = [*fields["materials"], *extra]
    return MatterContent.model_validate(fields)


def _moment(days_ago: int, hour: int = 9) -> dt.datetime:
    """That day at that hour in the city's time zone."""
    day = service.local_today() - dt.timedelta(days=days_ago)
    zone = ZoneInfo(get_settings().timezone)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def _matters(db: Session) -> dict[str, Matter]:
    """Every demo matter by code, creating the missing ones with their history."""
    found: dict[str, Matter] = {}
    new: list[tuple[Matter, dict[str, Any]]] = []
    with clock_at(_moment(DAYS_CREATED)):
        for entry in MATTERS:
            matter = service.find_matter(db, code=entry["code"])
            if matter is None:
                matter = _create(db, entry)
                new.append((matter, entry))
            found[entry["code"]] = matter
        # Related codes point both ways, so they are set once every matter exists.
        for matter, entry in new:
            matter.versions[0].related = [c for c in entry["related"] if c in found]
        db.flush()
    for matter, entry in new:
        code = entry["code"]
        if code in WITHDRAWN:
            with clock_at(_moment(DAYS_WITHDRAWN, 16)):
                service.withdraw(db, matter=matter, reason=WITHDRAWN[code])
        if code in OLDER_VERSIONS:
            with clock_at(_moment(DAYS_V2, 10)):
                service.publish_version(db, matter=matter, content=content_of(entry))
    return found


def _create(db: Session, entry: dict[str, Any]) -> Matter:
    unit = org.get_unit_by_name(db, name=entry["unit"])
    if unit is None:
        raise RuntimeError(f"演示单位 {entry['unit']} 不存在：请先载入组织机构演示数据")
    older = OLDER_VERSIONS.get(entry["code"], {})
    data = MatterCreate(
        code=entry["code"], unit_id=unit.id, content=content_of(entry, **older, related=[])
    )
    return service.create_matter(db, data=data)


def _bundles(db: Session) -> None:
    with clock_at(_moment(DAYS_CREATED, 11)):
        for code, title, summary, chain in BUNDLES:
            if bundles.find_bundle(db, code=code) is not None:
                continue
            chosen = [BundleStepIn(matter_code=c, note=note) for c, note in chain]
            data = BundleIn(code=code, title=title, summary=summary, steps=chosen)
            bundles.create_bundle(db, data=data)


def _cards(db: Session) -> None:
    with clock_at(_moment(DAYS_CREATED, 11)):
        for code, title, audience, intro, issuer, codes in CARDS:
            if cards.find_card(db, code=code) is not None:
                continue
            data = CardData(
                code=code,
                title=title,
                audience=audience,
                intro=intro,
                hotline="12345",
                issuer=issuer,
                matters=codes,
            )
            cards.create_card(db, data=data)


def _synonyms(db: Session) -> None:
    """The demo's groups, then the module's defaults; a group sharing a word is left out."""
    taken = {w for group in synonyms.list_groups(db) for w in group.words.split()}
    for words in SYNONYMS:
        if not taken & set(words.split()):
            synonyms.create_group(db, words=words)
            taken |= set(words.split())
    synonyms.ensure_defaults(db)


def _reading(db: Session, matters: dict[str, Matter]) -> None:
    """Five weeks of views, scans and votes, and the readers' comments among the votes."""
    ids = [m.id for m in matters.values()]
    if db.scalar(select(Usage.id).where(Usage.matter_id.in_(ids)).limit(1)) is not None:
        return
    if db.scalar(select(Feedback.id).where(Feedback.matter_id.in_(ids)).limit(1)) is not None:
        return
    today = service.local_today()
    counts = _usage(matters.values(), today)
    admin = accounts.get_user_by_username(db, username="admin")
    for index, (code, days_ago, helpful, comment, answer) in enumerate(FEEDBACK):
        matter = matters[code]
        created = _moment(days_ago, 9 + index % 9)
        version = matter.current_number or 1
        if code in OLDER_VERSIONS and days_ago > DAYS_V2:
            version = 1
        status = FeedbackStatus.none
        if not helpful and comment:
            status = FeedbackStatus.done if answer else FeedbackStatus.open
        done = status == FeedbackStatus.done
        db.add(
            Feedback(
                matter=matter,
                version_number=version,
                helpful=helpful,
                comment=comment,
                status=status,
                answer=answer,
                created_at=created,
                handled_at=created + dt.timedelta(days=2) if done else None,
                handled_by_id=admin.id if done and admin else None,
            )
        )
        # The votes kept as rows are among the day's counted votes.
        row = counts.setdefault((matter.id, today - dt.timedelta(days=days_ago)), [3, 0, 0, 0])
        row[2 if helpful else 3] += 1
    db.add_all(
        Usage(matter_id=matter_id, day=day, views=v, scans=s, helpful=h, unhelpful=u)
        for (matter_id, day), (v, s, h, u) in sorted(counts.items())
    )
    db.flush()


def _usage(matters: Iterable[Matter], today: dt.date) -> dict[tuple[int, dt.date], list[int]]:
    """Deterministic daily counts: busier on weekdays, card matters scanned most."""
    rng = random.Random(USAGE_SEED)
    counts: dict[tuple[int, dt.date], list[int]] = {}
    for matter in sorted(matters, key=lambda m: m.code):
        if matter.status != MatterStatus.published:
            continue
        weight = POPULARITY.get(matter.code, 1.0)
        for back in range(1, USAGE_DAYS + 1):
            day = today - dt.timedelta(days=back)
            busy = 0.5 if day.weekday() >= 5 else 1.0
            views = round(weight * 6 * busy * rng.uniform(0.5, 1.5))
            if matter.code in CARD_MATTERS:
                scans = round(weight * 1.5 * busy * rng.uniform(0.3, 1.3))
            else:
                scans = int(rng.random() < 0.15)
            helpful = sum(rng.random() < 0.06 for _ in range(views + scans))
            unhelpful = sum(rng.random() < 0.015 for _ in range(views + scans))
            counts[(matter.id, day)] = [views + scans, scans, helpful, unhelpful]
    return counts
