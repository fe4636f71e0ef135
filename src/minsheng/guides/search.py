"""Search over the public catalogue: Chinese of any length, pinyin, initials, synonyms, typos.

Design
------
* What is searched: every published or withdrawn matter's current version (title, keywords,
  summary, unit name). Drafts never. Withdrawn matters are ranked after all others and marked.
* The index lives in the process (search_index.Index): postings of single characters and
  character pairs (so a two-character query such as 开业 always works, jieba or not), the
  catalogue's words by full pinyin and initials, the staff's synonym groups. Each app process
  keeps its own; nothing is shared or stored.
* Freshness: a search reads a cheap "generation" (one SELECT of counts and maxima over
  guide_matter, guide_matter_version, guide_synonym and unit) at most once a second
  (CHECK_SECONDS), and at once after this process committed a change to those tables (a
  Session after_commit hook). If it differs from the one the index was built at, the index is
  rebuilt (under a lock; readers keep the old one meanwhile). Analysis (jieba, pinyin) is cached
  by text, so a rebuild after one edit analyses only that matter. A change is seen by the next
  search in the process that made it and within a second in every other, synonyms included.
  Cost (bench/guides_search.py, 10,000 matters): a cold build takes seconds (jieba and pinyin of
  every title), a rebuild after one edit about a second; a search a few milliseconds.
* Popularity (views + 3×scans + 5×helpful over the last 90 days, from guide_usage) is re-read
  at most once a minute, and at every rebuild.
* Reading a query: NFKC, lower case, symbols dropped, cut to 50 characters (with a notice).
  Chinese runs of up to 4 characters are one concept; longer ones are cut into words by jieba
  (filler words dropped) and also earn a bonus as a whole phrase. Latin letters are cut into
  known pinyin or initials (kaiye, kai ye, ky, mt); one wrong letter is forgiven. A Chinese word
  that no matter holds is read as its homophones (开页 → 开业), else with one character
  replaced (营业执招 → 营业执照). Each reading is widened by its synonym group (门头 → 招牌 店招).
* Ranking: withdrawn last; then relevance (the sum over concepts of the best reading's pair
  coverage, weighted title 3 / keywords 2 / summary and unit 1, plus bonuses for the word in
  the title and for an exact title); then popularity; then shorter title and code. A word that
  most matters hold (材料, 办理) only adds to matters that a rarer word of the query found.
* Empty query: the catalogue by popularity (the home page's "popular"; the API's listing). A
  query that has nothing searchable left after dropping symbols: EMPTY_MESSAGE, 422 in the API.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from sqlalchemy import and_, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from minsheng.guides.models import (
    STATUS_LABELS,
    Bundle,
    Card,
    Matter,
    MatterStatus,
    MatterVersion,
    SynonymGroup,
    Usage,
)
from minsheng.guides.schemas import MatterSummary, SearchResults
from minsheng.guides.search_index import Doc, Index, analyse
from minsheng.guides.search_text import CUT_NOTICE, EMPTY_MESSAGE, clean
from minsheng.guides.service import local_today
from minsheng.org.models import Unit

POPULARITY_DAYS = 90
POPULARITY_SECONDS = 60.0
CHECK_SECONDS = 1.0  # how stale another process's edit may be; this process's own: never
PER_PAGE = 20
MAX_PER_PAGE = 50


class SearchHit(MatterSummary):
    """A search hit; a withdrawn matter says so."""

    status: str = Field(title="published 可办理 / withdrawn 已停止办理")
    status_label: str


class SearchPage(SearchResults):
    """One page of ranked hits, with what the query was read as."""

    items: list[SearchHit]  # type: ignore[assignment]
    page: int
    per_page: int
    notice: str = Field(default="", title="提示，如搜索词被截短")


@dataclass
class Outcome:
    """What a search found, for the page and the API alike."""

    query: str
    total: int
    hits: list[SearchHit]
    interpreted: list[str] = field(default_factory=list)
    notice: str = ""
    error: str = ""
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class _Entry:
    generation: tuple[Any, ...]
    index: Index
    popular_at: float
    checked_at: float


WATCHED = (Matter, MatterVersion, SynonymGroup, Unit)
_lock = threading.Lock()
_indexes: weakref.WeakKeyDictionary[Engine, _Entry] = weakref.WeakKeyDictionary()


def _engine(db: Session) -> Engine:
    return db.get_bind().engine


def _generation(db: Session) -> tuple[Any, ...]:
    """Changes whenever anything the index holds may have changed."""
    row = db.execute(
        select(
            select(func.count(Matter.id)).scalar_subquery(),
            select(func.max(Matter.updated_at)).scalar_subquery(),
            select(func.max(MatterVersion.id)).scalar_subquery(),
            select(func.count(SynonymGroup.id)).scalar_subquery(),
            select(func.max(SynonymGroup.id)).scalar_subquery(),
            select(func.max(SynonymGroup.updated_at)).scalar_subquery(),
            select(func.max(Unit.updated_at)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def _popularity(db: Session) -> dict[int, float]:
    since = local_today() - dt.timedelta(days=POPULARITY_DAYS)
    score = func.sum(Usage.views + 3 * Usage.scans + 5 * Usage.helpful)
    rows = db.execute(
        select(Usage.matter_id, score).where(Usage.day > since).group_by(Usage.matter_id)
    )
    return {matter_id: float(value or 0) for matter_id, value in rows}


def build(db: Session) -> Index:
    """A fresh index of the public catalogue and the synonym groups."""
    rows = db.execute(
        select(
            Matter.id,
            Matter.code,
            Matter.status,
            Unit.name,
            MatterVersion.title,
            MatterVersion.kind,
            MatterVersion.summary,
            MatterVersion.keywords,
        )
        .join(Unit, Unit.id == Matter.unit_id)
        .join(
            MatterVersion,
            and_(
                MatterVersion.matter_id == Matter.id,
                MatterVersion.number == Matter.current_number,
            ),
        )
        .where(Matter.status.in_([MatterStatus.published, MatterStatus.withdrawn]))
        .order_by(Matter.id)
    ).all()
    docs = [
        Doc(r.id, r.code, r.title, r.kind, r.name, r.summary, MatterStatus(r.status).value)
        for r in rows
    ]
    analysed = [
        analyse(d.title, r.keywords, d.summary, d.unit) for d, r in zip(docs, rows, strict=True)
    ]
    groups = [g.split() for g in db.scalars(select(SynonymGroup.words).order_by(SynonymGroup.id))]
    index = Index(docs, analysed, groups)
    index.set_popularity(_popularity(db))
    return index


def index_for(db: Session) -> Index:
    """This process's index of the database `db` reads, rebuilt when the catalogue changed."""
    engine = _engine(db)
    now = time.monotonic()
    entry = _indexes.get(engine)
    if entry is None or now - entry.checked_at >= CHECK_SECONDS:
        generation = _generation(db)
        if entry is None or entry.generation != generation:
            with _lock:
                entry = _indexes.get(engine)
                if entry is None or entry.generation != generation:
                    entry = _Entry(generation, build(db), now, now)
                    _indexes[engine] = entry
        entry.checked_at = now
    if now - entry.popular_at > POPULARITY_SECONDS:
        entry.popular_at = now
        entry.index.set_popularity(_popularity(db))
    return entry.index


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: object) -> None:
    """Marks a session that changed what the index holds."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(item, WATCHED) for item in changed):
        session.info["guides_search_changed"] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """A change committed in this process: every index checks its generation next time."""
    if session.info.pop("guides_search_changed", False):
        for entry in list(_indexes.values()):
            entry.checked_at = -CHECK_SECONDS


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop("guides_search_changed", None)


def forget() -> None:
    """Drops every index of this process (the next search rebuilds; tests use it)."""
    with _lock:
        _indexes.clear()


def _hit(doc: Doc, score: float | None) -> SearchHit:
    return SearchHit(
        code=doc.code,
        title=doc.title,
        kind=doc.kind,
        unit=doc.unit,
        summary=doc.summary,
        url=f"/guides/{doc.code}",
        score=None if score is None else round(score, 3),
        status=doc.status,
        status_label=STATUS_LABELS[MatterStatus(doc.status)],
    )


def _page(page: int, per_page: int) -> tuple[int, int]:
    return max(1, min(page, 10_000)), max(1, min(per_page, MAX_PER_PAGE))


def popular(db: Session, *, limit: int = 10) -> list[SearchHit]:
    """The most used matters that can still be handled."""
    return search(db, query="", per_page=limit).hits


def search(db: Session, *, query: str | None, page: int = 1, per_page: int = PER_PAGE) -> Outcome:
    """Ranked matters for a query (see the module's docstring for how it is read)."""
    page, per_page = _page(page, per_page)
    text, cut = clean(query)
    notice = CUT_NOTICE if cut else ""
    index = index_for(db)
    docs = index.docs
    if not text:
        if (query or "").strip():
            return Outcome(query="", total=0, hits=[], error=EMPTY_MESSAGE, page=page)
        ranked = sorted(
            (i for i, d in enumerate(docs) if not d.withdrawn), key=index.rank.__getitem__
        )
        chosen = ranked[(page - 1) * per_page : page * per_page]
        hits = [_hit(docs[i], None) for i in chosen]
        return Outcome("", len(ranked), hits, page=page, per_page=per_page)
    concepts, phrase = index.plan(text)
    scores, used = index.score(concepts, phrase)
    exact = index.by_code.get((query or "").strip().lower())
    if exact is not None:  # a matter's code, as printed on a card
        scores[exact] = scores.get(exact, 0.0) + 10.0
    chosen = index.ranked(scores, page * per_page)[(page - 1) * per_page :]
    return Outcome(
        query=text,
        total=len(scores),
        hits=[_hit(docs[i], scores[i]) for i in chosen],
        interpreted=used[:12],
        notice=notice,
        page=page,
        per_page=per_page,
    )


def by_unit(db: Session) -> list[tuple[str, list[SearchHit]]]:
    """Every matter that can be handled, grouped by its unit, units by name."""
    groups: dict[str, list[SearchHit]] = {}
    for doc in sorted(index_for(db).docs, key=lambda d: (d.unit, d.title, d.code)):
        if not doc.withdrawn:
            groups.setdefault(doc.unit, []).append(_hit(doc, None))
    return list(groups.items())


def as_page(outcome: Outcome) -> SearchPage:
    """The API's answer for an outcome."""
    return SearchPage(
        query=outcome.query,
        total=outcome.total,
        items=outcome.hits,
        interpreted=outcome.interpreted,
        page=outcome.page,
        per_page=outcome.per_page,
        notice=outcome.notice,
    )


def showcase(db: Session) -> tuple[list[Bundle], list[Card]]:
    """The published step-by-step bundles and cards, for the home of the guides."""
    bundles = db.scalars(select(Bundle).where(Bundle.published).order_by(Bundle.title))
    cards = db.scalars(select(Card).where(Card.published).order_by(Card.title))
    return list(bundles), list(cards)
