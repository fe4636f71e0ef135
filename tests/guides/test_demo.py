"""Kunshan's demo guides: full texts, the cards and bundles, history, reading, and a second run
that adds nothing."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from minsheng.audit import service as audit
from minsheng.core.db import Actor, Database
from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.guides import demo, search, service
from minsheng.guides.demo_data import USAGE_DAYS
from minsheng.guides.models import (
    Bundle,
    BundleStep,
    Card,
    CardItem,
    Feedback,
    FeedbackStatus,
    Matter,
    MatterStatus,
    MatterVersion,
    SynonymGroup,
    Usage,
)
from minsheng.guides.schemas import MatterContent
from tests.conftest import PG_URL, TEMPLATE_DB

CONTENT_FIELDS = set(MatterContent.model_fields)
TABLES = (Matter, MatterVersion, Bundle, BundleStep, Card, CardItem, SynonymGroup, Usage, Feedback)


@pytest.fixture(scope="module")
def loaded(template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The demos the guides build on (org, accounts, routing …), then the guides' own, committed.

    Loaded once for the module: the accounts' password hashing alone takes seconds, and every
    test here only reads (the last one checks that a second run adds nothing)."""
    with pytest.MonkeyPatch.context() as env, _database(template, tmp_path_factory) as url:
        for name, value in {
            "ENV": "test",
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-" + "x" * 40,
            "DEMO_REQUESTS": "0",
            "DEMO_PROJECTS": "0",
        }.items():
            env.setenv(f"MINSHENG_{name}", value)
        get_settings.cache_clear()
        database = Database(url)
        db = database.new_session(Actor(kind="system", label="测试"))
        guides = next(m for m in load_modules() if m.name == "guides")
        for module in sorted(load_modules(), key=lambda m: m.demo_order):
            if module.demo is not None and module.demo_order < guides.demo_order:
                module.demo(db, lambda _step: None)
        steps: list[str] = []
        demo.load_demo(db, steps.append)
        assert steps and all(step.startswith("办事指南") for step in steps)
        db.commit()
        search.forget()
        yield db
        search.forget()
        db.rollback()
        db.close()
        database.dispose()
    get_settings.cache_clear()


@contextmanager
def _database(template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the migrated template for this module (as conftest makes one per test)."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("guides_demo") / "minsheng.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"minsheng_guides_demo_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _current(db: Session, code: str) -> tuple[Matter, MatterVersion]:
    matter = service.get_matter(db, code=code)
    version = service.current_version(matter)
    assert version is not None, code
    return matter, version


def test_every_published_matter_has_a_full_valid_text(loaded: Session) -> None:
    db = loaded
    matters = db.scalars(select(Matter).where(Matter.status == MatterStatus.published)).all()
    assert len(matters) >= 24
    codes = set(db.scalars(select(Matter.code)))
    units = Counter(m.unit.name for m in matters)
    assert len(units) >= 8 and units["昆山市住房和城乡建设局"] >= 2
    for matter in matters:
        version = service.current_version(matter)
        assert version is not None and version.valid_to is None, matter.code
        fields = {name: getattr(version, name) for name in CONTENT_FIELDS}
        content = MatterContent.model_validate(fields)  # what staff would have to save
        assert len(content.materials) >= 2 and len(content.steps) >= 2, matter.code
        assert all(m.originals + m.copies > 0 for m in content.materials)
        assert content.phones and content.phones[-1].number == "12345", matter.code
        assert any(p.kind == "consult" for p in content.phones), matter.code
        assert content.place and content.hours and content.window, matter.code
        assert content.latitude is not None and 31.2 <= content.latitude <= 31.5
        assert content.longitude is not None and 120.8 <= content.longitude <= 121.1
        assert content.summary and content.keywords and "《" in content.basis, matter.code
        assert 2 <= len(content.questions) <= 4, matter.code
        assert content.related and set(content.related) <= codes - {matter.code}, matter.code
        assert content.online_url.startswith("https://"), matter.code


def test_the_three_shop_matters_are_there_and_found_by_their_words(loaded: Session) -> None:
    db = loaded
    _, licence = _current(db, "KS-GT-001")
    assert licence.title == "个体工商户设立登记" and licence.promised_days == 0
    assert "开业" in licence.keywords and licence.matter.unit.name == "昆山市行政审批局"
    _, food = _current(db, "KS-SP-001")
    assert food.title == "食品经营许可（小餐饮）" and "小餐饮" in food.keywords
    sign_matter, sign = _current(db, "KS-CG-001")
    assert "门头" in sign.title and "店招标牌" in sign.title
    assert {"门头", "招牌", "店招"} <= set(sign.keywords.split())
    assert sign_matter.unit.name == "昆山市城市管理局"
    groups = set(db.scalars(select(SynonymGroup.words)))
    assert "门头 招牌 店招 店招标牌" in groups and len(groups) >= 10
    assert "身份证 居民身份证" in groups  # the module's defaults that do not overlap ours
    words = [w for group in groups for w in group.split()]
    assert len(words) == len(set(words))  # a word means one thing


def test_search_finds_the_shop_front_sign_by_its_words_and_initials(loaded: Session) -> None:
    for query in ("门头", "mt", "店招", "招牌"):
        hits = search.search(loaded, query=query).hits
        assert hits and hits[0].code == "KS-CG-001", query
    opening = [hit.code for hit in search.search(loaded, query="开业").hits]
    assert "KS-GT-001" in opening[:3]
    popular = [hit.code for hit in search.popular(loaded, limit=5)]
    assert popular[0] == "KS-GT-001" and "KS-SP-002" not in popular


def test_the_cards_list_their_published_matters_in_order(loaded: Session) -> None:
    db = loaded
    card = db.scalar(select(Card).where(Card.code == "getihu"))
    assert card is not None and card.published
    assert (card.title, card.audience, card.hotline) == (
        "个体经营知晓卡",
        "准备开店的个体经营者",
        "12345",
    )
    assert card.intro and card.issuer == "昆山市行政审批局"
    codes = [item.matter.code for item in card.items]
    assert codes[:3] == ["KS-GT-001", "KS-SP-001", "KS-CG-001"] and 3 <= len(codes) <= 5
    assert [item.position for item in card.items] == list(range(1, len(codes) + 1))
    newcomers = db.scalar(select(Card).where(Card.code == "xinshimin"))
    assert newcomers is not None and newcomers.title == "新市民办事卡"
    assert "KS-HJ-001" in [item.matter.code for item in newcomers.items]
    for item in [*card.items, *newcomers.items]:
        assert item.matter.status == MatterStatus.published


def test_bundles_chain_published_matters(loaded: Session) -> None:
    db = loaded
    bundles = {b.code: b for b in db.scalars(select(Bundle))}
    assert {"xiaocanguan", "lifadian", "bianlidian"} <= set(bundles) and len(bundles) >= 4
    restaurant = [step.matter.code for step in bundles["xiaocanguan"].steps]
    assert restaurant[:3] == ["KS-GT-001", "KS-SP-001", "KS-CG-001"]
    assert bundles["xiaocanguan"].title == "开小餐馆"
    shop = bundles["bianlidian"].steps
    tobacco = next(step for step in shop if step.matter.code == "KS-YC-001")
    assert "可选" in tobacco.note
    assert "KS-WS-001" in [step.matter.code for step in bundles["lifadian"].steps]
    for bundle in bundles.values():
        assert bundle.published and len(bundle.steps) >= 3, bundle.code
        assert [s.position for s in bundle.steps] == list(range(1, len(bundle.steps) + 1))
        assert all(s.matter.status == MatterStatus.published for s in bundle.steps)


def test_two_matters_have_an_older_text_and_one_is_withdrawn(loaded: Session) -> None:
    db = loaded
    today = service.local_today()
    for code in ("KS-SP-001", "KS-GJ-001"):
        matter = service.get_matter(db, code=code)
        old, new = matter.versions
        assert (matter.current_number, old.number, new.number) == (2, 1, 2)
        assert old.valid_to == new.valid_from and new.valid_to is None
        assert new.promised_days is not None and old.promised_days is not None
        assert new.promised_days < old.promised_days
        assert "缩短" in new.change_note and old.change_note == ""
        assert old.valid_from.date() < today - dt.timedelta(days=180)
    housing_fund = service.get_matter(db, code="KS-GJ-001")
    old_names = [m["name"] for m in housing_fund.versions[0].materials]
    assert "房屋租赁合同" in old_names
    assert "房屋租赁合同" not in [m["name"] for m in housing_fund.versions[1].materials]

    stopped = service.get_matter(db, code="KS-SP-002")
    assert stopped.status == MatterStatus.withdrawn and stopped.withdrawn_at is not None
    assert "KS-SP-001" in stopped.withdrawn_reason and "食品经营许可" in stopped.withdrawn_reason
    last = service.current_version(stopped)
    assert last is not None and last.valid_to == stopped.withdrawn_at
    assert last.related == ["KS-SP-001"]


def test_reading_and_comments_give_popularity_and_tasks(loaded: Session) -> None:
    db = loaded
    today = service.local_today()
    days = db.execute(select(func.min(Usage.day), func.max(Usage.day))).one()
    assert days == (today - dt.timedelta(days=40), today - dt.timedelta(days=1))
    totals = dict(
        db.execute(
            select(Matter.code, func.sum(Usage.views + 3 * Usage.scans + 5 * Usage.helpful))
            .join(Usage, Usage.matter_id == Matter.id)
            .group_by(Matter.code)
        ).all()
    )
    ranked = sorted(totals, key=totals.__getitem__, reverse=True)
    assert ranked[0] == "KS-GT-001" and "KS-SP-001" in ranked[:5]
    assert "KS-SP-002" not in totals  # withdrawn before the five weeks began
    scans = dict(
        db.execute(
            select(Matter.code, func.sum(Usage.scans))
            .join(Usage, Usage.matter_id == Matter.id)
            .group_by(Matter.code)
        ).all()
    )
    assert scans["KS-CG-001"] > 10 * scans["KS-RS-002"]  # on the card vs not
    assert db.scalar(select(func.count()).select_from(Usage)) >= 28 * USAGE_DAYS

    feedback = db.scalars(select(Feedback)).all()
    open_tasks = [f for f in feedback if f.status == FeedbackStatus.open]
    assert len(open_tasks) >= 4
    assert all(not f.helpful and f.comment and not f.answer for f in open_tasks)
    assert "昆山市住房和城乡建设局" in {f.matter.unit.name for f in open_tasks}
    done = [f for f in feedback if f.status == FeedbackStatus.done]
    assert done and all(f.answer and f.handled_at and f.handled_by_id for f in done)
    before_v2 = next(f for f in done if f.matter.code == "KS-SP-001")
    assert before_v2.version_number == 1  # the comment that led to the shorter time limit
    # Each kept vote is among the counted ones of its day.
    for f in feedback:
        day = f.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        row = db.scalar(select(Usage).where(Usage.matter_id == f.matter_id, Usage.day == day))
        assert row is not None and (row.helpful if f.helpful else row.unhelpful) >= 1


def test_usage_counts_are_the_same_every_time(loaded: Session) -> None:
    matters = list(loaded.scalars(select(Matter)))
    today = service.local_today()
    assert demo._usage(matters, today) == demo._usage(matters, today)


def test_a_second_run_adds_nothing(loaded: Session) -> None:
    db = loaded

    def sizes() -> list[int]:
        return [db.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES]

    before, events = sizes(), audit.total(db)
    demo.load_demo(db, lambda _step: None)
    db.flush()
    assert sizes() == before and audit.total(db) == events
