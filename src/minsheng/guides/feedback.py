"""'Was this helpful?': readers' votes and comments on a guide, the unit's tasks from unhelpful
comments, and the figures (views, scans, votes, questions) each unit sees for its matters.

Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from minsheng.core import ratelimit
from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import service
from minsheng.guides.models import (
    Feedback,
    FeedbackStatus,
    Matter,
    MatterVersion,
    Question,
    Usage,
)
from minsheng.guides.permissions import EDIT_GUIDES, VIEW_GUIDE_FEEDBACK
from minsheng.org.models import Unit

# Per client address and matter: a family sharing one address can all vote, a script cannot.
VOTES_PER_HOUR = 5
COMMENT_MAX = 500
ANSWER_MAX = 500
WEEKS = 8
PER_PAGE = 50
DONE_SHOWN = 50
# Roles that look after every unit's guides rather than their own unit's.
CITY_WIDE = frozenset({"administrator", "supervisor"})
COMMENT_TOO_LONG = "意见最多 500 字，请删减一些"
ANSWER_NEEDED = "请写明做了什么改进，例如：补充了租房合同的说明"
ANSWER_TOO_LONG = "处理说明最多 500 字，请删减一些"
TOO_MANY = "您评价得太频繁了，请一小时后再试。谢谢您的耐心！"
ALREADY = "您今天已经评价过这条指南了，谢谢！明天还可以再评价。"
# Control characters other than tab and line breaks: nobody types them on purpose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """What a person typed, without control characters and surrounding blanks."""
    return _CONTROL.sub("", text).strip()


def vote(
    db: Session,
    *,
    matter: Matter,
    helpful: bool,
    comment: str = "",
    version_number: int | None = None,
    client_addr: str = "unknown",
) -> Feedback:
    """Records a reader's vote; an unhelpful one with a comment becomes an open task."""
    comment = clean_text(comment)
    if len(comment) > COMMENT_MAX:
        raise InvalidInput({"comment": COMMENT_TOO_LONG})
    numbers = {v.number for v in matter.versions}
    number = version_number if version_number in numbers else matter.current_number
    if number is None:
        raise NotFound("没有找到这个办事事项，请检查编码或搜索事项名称。")
    key = f"guides:vote:{client_addr[:100]}:{matter.id}"
    if not ratelimit.allow(db, key=key, limit=VOTES_PER_HOUR, window_seconds=3600):
        raise TooManyRequests(TOO_MANY, retry_after=3600)
    task = not helpful and bool(comment)
    row = Feedback(
        matter_id=matter.id,
        version_number=number,
        helpful=helpful,
        comment=comment,
        status=FeedbackStatus.open if task else FeedbackStatus.none,
    )
    db.add(row)
    service.count(db, matter_id=matter.id, helpful=int(helpful), unhelpful=int(not helpful))
    db.flush()
    return row


# Who sees and answers what


def sees_all(staff: StaffPrincipal) -> bool:
    """Administrators and supervisors look at every unit's guides."""
    return staff.can(VIEW_GUIDE_FEEDBACK) and bool(staff.roles & CITY_WIDE)


def may_see(staff: StaffPrincipal, matter: Matter) -> bool:
    return sees_all(staff) or staff.can(VIEW_GUIDE_FEEDBACK, matter.unit.path)


def may_answer(staff: StaffPrincipal, matter: Matter) -> bool:
    """The matter's unit (its handlers) and administrators; supervisors only watch."""
    return "administrator" in staff.roles or staff.can(EDIT_GUIDES, matter.unit.path)


def _scope(staff: StaffPrincipal, unit: Unit | None) -> ColumnElement[bool]:
    """Units of the matters this person may see, narrowed to `unit` and those below it."""
    parts: list[ColumnElement[bool]] = []
    if unit is not None:
        parts.append(Unit.path.startswith(unit.path, autoescape=True))
    if not sees_all(staff):
        paths = staff.units_for(VIEW_GUIDE_FEEDBACK)
        parts.append(
            or_(*[Unit.path.startswith(p, autoescape=True) for p in paths]) if paths else false()
        )
    return and_(true(), *parts)


def units_for(db: Session, *, staff: StaffPrincipal) -> list[Unit]:
    """The units with matters this person may see, for the filter."""
    stmt = select(Unit).join(Matter, Matter.unit_id == Unit.id).where(_scope(staff, None))
    return list(db.scalars(stmt.distinct().order_by(Unit.name)))


def title_of(matter: Matter) -> str:
    version = service.current_version(matter) or (matter.versions[-1] if matter.versions else None)
    return version.title if version else matter.code


@dataclass(frozen=True)
class Task:
    """A reader's comment as the unit sees it."""

    feedback: Feedback
    title: str
    may_answer: bool


def tasks(
    db: Session, *, staff: StaffPrincipal, unit: Unit | None = None
) -> tuple[list[Task], list[Task]]:
    """Open comments oldest first, then the latest answered ones."""
    base = select(Feedback).join(Matter).join(Unit).where(_scope(staff, unit))
    open_rows = db.scalars(
        base.where(Feedback.status == FeedbackStatus.open).order_by(
            Feedback.created_at, Feedback.id
        )
    ).all()
    done_rows = db.scalars(
        base.where(Feedback.status == FeedbackStatus.done)
        .order_by(Feedback.handled_at.desc(), Feedback.id.desc())
        .limit(DONE_SHOWN)
    ).all()

    def task(row: Feedback) -> Task:
        return Task(row, title_of(row.matter), may_answer(staff, row.matter))

    return [task(r) for r in open_rows], [task(r) for r in done_rows]


def answer(db: Session, *, staff: StaffPrincipal, feedback_id: int, text: str) -> Feedback:
    """Marks a comment handled, with what the unit changed in the guide."""
    row = db.get(Feedback, feedback_id)
    if row is None or row.status == FeedbackStatus.none:
        raise NotFound("没有找到这条读者意见。")
    if not may_answer(staff, row.matter):
        raise Forbidden("这条意见属于其他单位的办事指南，您不能处理。")
    if row.status == FeedbackStatus.done:
        raise Conflict("这条意见已经有人处理过了。", code="already_done")
    text = clean_text(text)
    if not text:
        raise InvalidInput({f"answer-{row.id}": ANSWER_NEEDED})
    if len(text) > ANSWER_MAX:
        raise InvalidInput({f"answer-{row.id}": ANSWER_TOO_LONG})
    row.status = FeedbackStatus.done
    row.answer = text
    row.handled_at = utcnow()
    row.handled_by_id = staff.user_id
    db.flush()
    return row


# Figures


def helpful_rate(helpful: int, unhelpful: int) -> str:
    votes = helpful + unhelpful
    return f"{helpful * 100 / votes:.0f}%" if votes else "—"


@dataclass(frozen=True)
class MatterTotals:
    code: str
    title: str
    unit: str
    views: int
    scans: int
    helpful: int
    unhelpful: int
    questions: int
    open_tasks: int

    @property
    def helpful_rate(self) -> str:
        return helpful_rate(self.helpful, self.unhelpful)


def totals(
    db: Session, *, staff: StaffPrincipal, unit: Unit | None = None, page: int = 1
) -> tuple[list[MatterTotals], int]:
    """One row per matter in scope, those with open comments and most read first; and the count."""
    usage = (
        select(
            Usage.matter_id.label("matter_id"),
            func.sum(Usage.views).label("views"),
            func.sum(Usage.scans).label("scans"),
            func.sum(Usage.helpful).label("helpful"),
            func.sum(Usage.unhelpful).label("unhelpful"),
        )
        .group_by(Usage.matter_id)
        .subquery()
    )
    questions = (
        select(Question.matter_id.label("matter_id"), func.count().label("n"))
        .group_by(Question.matter_id)
        .subquery()
    )
    opened = (
        select(Feedback.matter_id.label("matter_id"), func.count().label("n"))
        .where(Feedback.status == FeedbackStatus.open)
        .group_by(Feedback.matter_id)
        .subquery()
    )
    figures = [
        func.coalesce(usage.c.views, 0),
        func.coalesce(usage.c.scans, 0),
        func.coalesce(usage.c.helpful, 0),
        func.coalesce(usage.c.unhelpful, 0),
        func.coalesce(questions.c.n, 0),
        func.coalesce(opened.c.n, 0),
    ]
    shown = MatterVersion.number == func.coalesce(Matter.current_number, 1)
    stmt = (
        select(Matter.code, MatterVersion.title, Unit.name, *figures)
        .join(Unit, Unit.id == Matter.unit_id)
        .outerjoin(MatterVersion, and_(MatterVersion.matter_id == Matter.id, shown))
        .outerjoin(usage, usage.c.matter_id == Matter.id)
        .outerjoin(questions, questions.c.matter_id == Matter.id)
        .outerjoin(opened, opened.c.matter_id == Matter.id)
        .where(_scope(staff, unit))
        .order_by(figures[5].desc(), figures[0].desc(), Matter.code)
        .offset((max(page, 1) - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    rows = [
        MatterTotals(code, title or code, unit_name, *(int(n) for n in numbers))
        for code, title, unit_name, *numbers in db.execute(stmt)
    ]
    total = db.scalar(
        select(func.count()).select_from(Matter).join(Unit).where(_scope(staff, unit))
    )
    return rows, int(total or 0)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int
    kind: str  # views or scans


@dataclass(frozen=True)
class WeekChart:
    """Views and scans per week as bars, drawn on the server as inline SVG."""

    width: int
    height: int
    bars: list[Bar]
    x_labels: list[tuple[float, str]]
    top_value: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: int
    bar_width: float


# About a phone's width in CSS pixels, so that the text is drawn near its own size there.
WIDTH, HEIGHT = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 12, 24


def week_chart(weeks: list[dict[str, Any]]) -> WeekChart:
    """Two bars a week (views dark, scans light), scaled to the largest figure."""
    top = max([1, *(w["views"] for w in weeks), *(w["scans"] for w in weeks)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(len(weeks), 1)
    bar_w = round(group * 0.36, 1)
    bars, labels = [], []
    for i, week in enumerate(weeks):
        start = LEFT + i * group + group * 0.1
        for j, kind in enumerate(("views", "scans")):
            height = round(plot_h * week[kind] / top, 1)
            bars.append(
                Bar(
                    x=round(start + j * bar_w, 1),
                    y=round(TOP + plot_h - height, 1),
                    height=height,
                    value=week[kind],
                    kind=kind,
                )
            )
        labels.append((round(LEFT + i * group + group / 2, 1), week["label"]))
    return WeekChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        x_labels=labels,
        top_value=top,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        baseline=TOP + plot_h,
        bar_width=bar_w,
    )


def _weeks(db: Session, matter: Matter, today: dt.date) -> list[dict[str, Any]]:
    """The last WEEKS weeks (Monday to Sunday, this one included) of views and scans."""
    first = today - dt.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    weeks: list[dict[str, Any]] = [
        {"start": first + dt.timedelta(days=7 * i), "views": 0, "scans": 0} for i in range(WEEKS)
    ]
    rows = db.execute(
        select(Usage.day, Usage.views, Usage.scans).where(
            Usage.matter_id == matter.id, Usage.day >= first, Usage.day <= today
        )
    )
    for day, views, scans in rows:
        week = weeks[(day - first).days // 7]
        week["views"] += views
        week["scans"] += scans
    for week in weeks:
        week["label"] = f"{week['start']:%m/%d}"
    return weeks


def stats_for(db: Session, *, matter: Matter) -> dict[str, Any]:
    """Totals of views, scans, votes, questions and open comments, and the last weeks' chart."""
    sums = db.execute(
        select(
            func.coalesce(func.sum(Usage.views), 0),
            func.coalesce(func.sum(Usage.scans), 0),
            func.coalesce(func.sum(Usage.helpful), 0),
            func.coalesce(func.sum(Usage.unhelpful), 0),
        ).where(Usage.matter_id == matter.id)
    ).one()
    views, scans, helpful, unhelpful = (int(n) for n in sums)
    asked = db.scalar(select(func.count()).where(Question.matter_id == matter.id))
    opened = db.scalar(
        select(func.count()).where(
            Feedback.matter_id == matter.id, Feedback.status == FeedbackStatus.open
        )
    )
    weeks = _weeks(db, matter, service.local_today())
    return {
        "views": views,
        "scans": scans,
        "helpful": helpful,
        "unhelpful": unhelpful,
        "helpful_rate": helpful_rate(helpful, unhelpful),
        "questions": int(asked or 0),
        "open_tasks": int(opened or 0),
        "weeks": weeks,
        "chart": week_chart(weeks),
    }
