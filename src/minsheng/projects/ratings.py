"""Satisfaction surveys of a project: residents rate it, deputies rate it in committee.

- Residents answer 满意 / 基本满意 / 不满意 with an optional comment, one rating per person and
  project. "Person" is a phone number confirmed with the one-time-code sign-in; only an HMAC of the
  number keyed with the app secret is kept, so the table proves one-per-person without holding
  numbers. Counts are public; comments are read by staff only (people write names and numbers).
- Deputies (DEPUTY_VOTE) rate in the committee survey, one rating per deputy and project. The
  project is 满意 when more than half of the deputies who rated chose 满意.
- Both surveys are open while a project is running or completed (a simple rule: there is something
  to judge from the first day of work, and a finished project can still be judged).
- Satisfaction rate = (满意 × w1 + 基本满意 × w2) ÷ ratings × 100, with w1, w2 the settings
  MINSHENG_SATISFIED_WEIGHT and MINSHENG_BASIC_WEIGHT, as for requests (feedback/rates.py).

Flushes, never commits.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.core import ratelimit
from minsheng.core.errors import Conflict, Forbidden, TooManyRequests
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Satisfaction
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_review import DeputyRating, ProjectRating
from minsheng.projects.permissions import DEPUTY_VOTE
from minsheng.projects.schemas_evaluation import DeputyRatingIn, RatingIn

OPEN_STAGES = (Stage.running, Stage.completed)
# Per client address: a household or an office shares one address, a script does not need more.
RATINGS_PER_ADDRESS_PER_HOUR = 30
ALREADY_RATED = "您已经评价过这个项目了，每个手机号码只能评价一次。谢谢您的参与！"


def phone_hash(phone: str) -> str:
    """What stands for the phone in project_rating: an HMAC keyed with the app secret."""
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"project-rating:{phone}".encode(), hashlib.sha256).hexdigest()


def open_for_rating(project: Project) -> bool:
    return project.public and project.stage in OPEN_STAGES


def closed_message(project: Project) -> str:
    return f"这个项目目前为“{project.stage_label}”，实施中或已完成的项目才能评价。"


def rating_by(db: Session, *, project: Project, phone: str) -> ProjectRating | None:
    """The rating this phone gave the project, if any."""
    return db.scalar(
        select(ProjectRating).where(
            ProjectRating.project_id == project.id,
            ProjectRating.phone_hash == phone_hash(phone),
        )
    )


def rate(
    db: Session,
    *,
    project: Project,
    resident: ResidentPrincipal,
    data: RatingIn,
    client_addr: str,
) -> ProjectRating:
    """Records a resident's rating; a second one from the same phone is refused."""
    if not open_for_rating(project):
        raise Conflict(closed_message(project), code="not_open")
    if rating_by(db, project=project, phone=resident.phone) is not None:
        raise Conflict(ALREADY_RATED, code="already_rated")
    if not ratelimit.allow(
        db,
        key=f"project-rating:addr:{client_addr}",
        limit=RATINGS_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    ):
        raise TooManyRequests("评价太频繁，请一小时后再试。", retry_after=3600)
    rating = ProjectRating(
        project_id=project.id,
        phone_hash=phone_hash(resident.phone),
        resident_id=resident.resident_id,
        satisfaction=data.satisfaction,
        comment=data.comment.strip(),
        via=data.via,
    )
    # Two tabs sending at once: the unique key decides, and the loser hears it was already done.
    try:
        with db.begin_nested():
            db.add(rating)
            db.flush()
    except IntegrityError:
        raise Conflict(ALREADY_RATED, code="already_rated") from None
    return rating


def ratings_of(db: Session, project: Project) -> list[ProjectRating]:
    """Every resident rating of the project with its comment, newest first: for staff only."""
    return list(
        db.scalars(
            select(ProjectRating)
            .where(ProjectRating.project_id == project.id)
            .order_by(ProjectRating.rated_at.desc(), ProjectRating.id.desc())
        )
    )


@dataclass
class Tally:
    """The counts of both surveys of one project."""

    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    deputy_satisfied: int = 0
    deputy_basic: int = 0
    deputy_dissatisfied: int = 0

    @property
    def ratings(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def deputy_rated(self) -> int:
        return self.deputy_satisfied + self.deputy_basic + self.deputy_dissatisfied

    @property
    def rate(self) -> float | None:
        """Residents' satisfaction rate, 0-100, or None when nobody rated."""
        return _rate(self.satisfied, self.basic, self.ratings)

    @property
    def deputy_rate(self) -> float | None:
        return _rate(self.deputy_satisfied, self.deputy_basic, self.deputy_rated)

    @property
    def deputy_result(self) -> str | None:
        """满意 when more than half of the deputies who rated chose 满意."""
        if not self.deputy_rated:
            return None
        return "满意" if 2 * self.deputy_satisfied > self.deputy_rated else "不满意"


def _rate(satisfied: int, basic: int, total: int) -> float | None:
    if not total:
        return None
    s = get_settings()
    return (satisfied * s.satisfied_weight + basic * s.basic_weight) / total * 100


def rate_formula() -> str:
    s = get_settings()
    return (
        f"满意率 =（满意数 × {s.satisfied_weight:g} + 基本满意数 × {s.basic_weight:g}）"
        " ÷ 评价总数 × 100"
    )


def tallies(db: Session, project_ids: list[int]) -> dict[int, Tally]:
    """Both surveys' counts for many projects in two queries (the evaluation of a whole batch)."""
    found: dict[int, Tally] = defaultdict(Tally)
    if not project_ids:
        return found
    for model, prefix in ((ProjectRating, ""), (DeputyRating, "deputy_")):
        rows = db.execute(
            select(model.project_id, model.satisfaction, func.count())
            .where(model.project_id.in_(project_ids))
            .group_by(model.project_id, model.satisfaction)
        )
        for project_id, satisfaction, count in rows:
            setattr(found[project_id], prefix + Satisfaction(satisfaction).value, int(count))
    return found


def tally(db: Session, project: Project) -> Tally:
    return tallies(db, [project.id])[project.id]


def summary(db: Session, project: Project) -> dict[str, Any]:
    """The public summary: counts per answer, the rate (0-100) and the deputies' result."""
    t = tally(db, project)
    return {
        "ratings": t.ratings,
        "satisfied": t.satisfied,
        "basic": t.basic,
        "dissatisfied": t.dissatisfied,
        "rate": None if t.rate is None else round(t.rate, 1),
        "deputy": {
            "rated": t.deputy_rated,
            "satisfied": t.deputy_satisfied,
            "result": t.deputy_result,
        },
    }


def survey(
    db: Session, *, deputy: StaffPrincipal, batch: Batch | None = None
) -> list[tuple[Project, DeputyRating | None]]:
    """The projects open to the committee survey, each with this deputy's rating if given."""
    query = select(Project).where(Project.stage.in_(OPEN_STAGES)).order_by(Project.code)
    if batch is not None:
        query = query.where(Project.batch_id == batch.id)
    projects = list(db.scalars(query))
    mine = {
        r.project_id: r
        for r in db.scalars(select(DeputyRating).where(DeputyRating.deputy_id == deputy.user_id))
    }
    return [(p, mine.get(p.id)) for p in projects]


def deputy_rate(
    db: Session, *, project: Project, deputy: StaffPrincipal, data: DeputyRatingIn
) -> DeputyRating:
    """A deputy's answer in the committee survey; one per deputy and project."""
    if not deputy.can(DEPUTY_VOTE):
        raise Forbidden("只有人大代表可以参加满意度测评。")
    if project.stage not in OPEN_STAGES:
        raise Conflict(
            f"这个项目目前为“{project.stage_label}”，实施中或已完成的项目才能测评。",
            code="not_open",
        )
    taken = "您已经测评过这个项目，每位代表只能测评一次。"
    existing = db.scalar(
        select(DeputyRating).where(
            DeputyRating.project_id == project.id, DeputyRating.deputy_id == deputy.user_id
        )
    )
    if existing is not None:
        raise Conflict(taken, code="already_rated")
    rating = DeputyRating(
        project_id=project.id,
        deputy_id=deputy.user_id,
        satisfaction=data.satisfaction,
        comment=data.comment.strip(),
    )
    try:
        with db.begin_nested():
            db.add(rating)
            db.flush()
    except IntegrityError:
        raise Conflict(taken, code="already_rated") from None
    return rating


def deputy_ratings_of(db: Session, project: Project) -> list[DeputyRating]:
    return list(
        db.scalars(
            select(DeputyRating)
            .where(DeputyRating.project_id == project.id)
            .order_by(DeputyRating.rated_at, DeputyRating.id)
        )
    )
