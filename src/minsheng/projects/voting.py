"""票决: deputies vote on the candidate projects of a batch, once each, inside the vote window.

After the window closes the office records the result and publishes it in one step: a candidate
is chosen when more than half of the deputies who voted on it approve (abstentions count as
voting). A batch without a vote window has its candidates chosen directly by the office.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import stages
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_collection import VOTE_LABELS, Vote, VoteChoice
from minsheng.projects.permissions import DEPUTY_VOTE, MANAGE_PROJECTS
from minsheng.projects.schemas_collection import BatchVotes, CandidateTally, VoteWindow
from minsheng.projects.service import require

RULE = (
    "候选项目获得参加该项目表决代表人数过半数的赞成票，即为入选；其余为未入选。"
    "弃权计入参加表决人数。"
)
DECIDED = (Stage.chosen, Stage.not_chosen)


def _local(moment: dt.datetime) -> dt.datetime:
    """A time from a form without a zone is the installation's wall-clock time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return moment


def _shown(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def has_vote(batch: Batch) -> bool:
    return batch.vote_opens_at is not None and batch.vote_closes_at is not None


def window_text(batch: Batch) -> str:
    return f"{_shown(batch.vote_opens_at)} 至 {_shown(batch.vote_closes_at)}"


def voting_open(batch: Batch, now: dt.datetime | None = None) -> bool:
    if not has_vote(batch) or batch.vote_published_at is not None:
        return False
    assert batch.vote_opens_at is not None and batch.vote_closes_at is not None
    moment = now or utcnow()
    return batch.vote_opens_at <= moment < batch.vote_closes_at


def vote_count(db: Session, *, batch: Batch) -> int:
    stmt = (
        select(func.count())
        .select_from(Vote)
        .join(Project, Project.id == Vote.project_id)
        .where(Project.batch_id == batch.id)
    )
    return int(db.scalar(stmt) or 0)


def set_window(db: Session, *, staff: StaffPrincipal, batch: Batch, data: VoteWindow) -> Batch:
    """Sets when deputies may vote; fixed once the first vote is cast."""
    require(staff, MANAGE_PROJECTS)
    if batch.vote_published_at is not None:
        raise Conflict("本批次的票决结果已经公布，不能再修改票决时间。", code="vote_published")
    if vote_count(db, batch=batch):
        raise Conflict("已经有代表投票，票决时间不能再修改。", code="votes_cast")
    if any(p.stage in DECIDED for p in batch.projects):
        raise Conflict("本批次已经直接确定了项目，不能再改为票决。", code="already_chosen")
    batch.vote_opens_at = _local(data.opens_at)
    batch.vote_closes_at = _local(data.closes_at)
    db.flush()
    return batch


def ballot(db: Session, *, batch: Batch) -> list[Project]:
    """The projects of the batch on the ballot: candidates, and those the vote decided, even
    once the notice has moved the chosen ones on (running, completed): the result stands."""
    if batch.vote_published_at is None:
        on_ballot = Project.stage == Stage.candidate
    else:
        voted = select(Vote.project_id)  # the outer query keeps to the batch
        on_ballot = or_(Project.stage.in_((Stage.candidate, *DECIDED)), Project.id.in_(voted))
    stmt = select(Project).where(Project.batch_id == batch.id, on_ballot)
    return list(db.scalars(stmt.order_by(Project.code)))


def my_votes(db: Session, *, staff: StaffPrincipal, batch: Batch) -> dict[int, Vote]:
    """The deputy's own votes in the batch, by project id."""
    stmt = (
        select(Vote)
        .join(Project, Project.id == Vote.project_id)
        .where(Project.batch_id == batch.id, Vote.deputy_id == staff.user_id)
    )
    return {v.project_id: v for v in db.scalars(stmt)}


def cast(db: Session, *, staff: StaffPrincipal, project: Project, choice: VoteChoice) -> Vote:
    """A deputy's vote on one candidate: inside the window, once."""
    require(staff, DEPUTY_VOTE)
    batch = project.batch
    if not has_vote(batch):
        raise Conflict("本批次不实行人大代表票决。", code="no_vote")
    if not voting_open(batch):
        raise Conflict(
            f"票决时间为 {window_text(batch)}，现在不在票决时间内，不能投票。", code="vote_closed"
        )
    if project.stage != Stage.candidate:
        raise Conflict("这个项目不是候选项目，不能投票。", code="not_candidate")
    mine = db.scalar(
        select(Vote).where(Vote.project_id == project.id, Vote.deputy_id == staff.user_id)
    )
    if mine is not None:
        raise Conflict(
            f"您已经对这个项目投过票（{VOTE_LABELS[mine.choice]}），"
            "每位代表对每个候选项目只能投一次。",
            code="already_voted",
        )
    vote = Vote(project_id=project.id, deputy_id=staff.user_id, choice=choice)
    db.add(vote)
    db.flush()
    return vote


def _counts(db: Session, batch: Batch) -> dict[int, dict[VoteChoice, int]]:
    stmt = (
        select(Vote.project_id, Vote.choice, func.count())
        .join(Project, Project.id == Vote.project_id)
        .where(Project.batch_id == batch.id)
        .group_by(Vote.project_id, Vote.choice)
    )
    counts: dict[int, dict[VoteChoice, int]] = {}
    for project_id, choice, n in db.execute(stmt):
        counts.setdefault(project_id, {})[VoteChoice(choice)] = int(n)
    return counts


def passes(approve: int, voted: int) -> bool:
    """More than half of the deputies who voted on it approve."""
    return voted > 0 and approve * 2 > voted


def tally(db: Session, *, batch: Batch) -> list[CandidateTally]:
    """Counts per candidate; never who voted how."""
    counts = _counts(db, batch)
    rows = []
    for project in ballot(db, batch=batch):
        mine = counts.get(project.id, {})
        approve = mine.get(VoteChoice.approve, 0)
        oppose = mine.get(VoteChoice.oppose, 0)
        abstain = mine.get(VoteChoice.abstain, 0)
        voted = approve + oppose + abstain
        rows.append(
            CandidateTally(
                code=project.code,
                title=project.title,
                lead_unit=project.lead_unit.name,
                approve=approve,
                oppose=oppose,
                abstain=abstain,
                voted=voted,
                chosen=passes(approve, voted),
                stage=project.stage,
                stage_label=project.stage_label,
            )
        )
    return rows


def results(db: Session, *, batch: Batch) -> BatchVotes:
    return BatchVotes(
        batch=batch.code,
        name=batch.name,
        opens_at=batch.vote_opens_at,
        closes_at=batch.vote_closes_at,
        published_at=batch.vote_published_at,
        rule=RULE,
        candidates=tally(db, batch=batch),
    )


def record_result(db: Session, *, staff: StaffPrincipal, batch: Batch) -> list[CandidateTally]:
    """After the window: candidates move to chosen or not_chosen and the result is published."""
    require(staff, MANAGE_PROJECTS)
    if not has_vote(batch):
        raise Conflict("本批次不实行人大代表票决。", code="no_vote")
    if batch.vote_published_at is not None:
        raise Conflict("本批次的票决结果已经公布。", code="vote_published")
    assert batch.vote_closes_at is not None
    if utcnow() < batch.vote_closes_at:
        raise Conflict(
            f"票决到 {_shown(batch.vote_closes_at)} 才截止，截止后才能记录结果。",
            code="vote_not_closed",
        )
    rows = tally(db, batch=batch)
    by_code = {p.code: p for p in ballot(db, batch=batch)}
    for row in rows:
        note = f"人大代表票决：赞成 {row.approve} 票，反对 {row.oppose} 票，弃权 {row.abstain} 票"
        stages.choose(
            db, project=by_code[row.code], chosen=row.chosen, actor_label="人大代表票决", note=note
        )
    batch.vote_published_at = utcnow()
    db.flush()
    return tally(db, batch=batch)


def choose(db: Session, *, staff: StaffPrincipal, project: Project, chosen: bool) -> Project:
    """Without a vote, the office decides each candidate directly."""
    require(staff, MANAGE_PROJECTS)
    if has_vote(project.batch):
        raise Conflict("本批次由人大代表票决确定项目，不能直接确定。", code="has_vote")
    if project.stage != Stage.candidate:
        raise Conflict(
            f"这个项目现在是“{project.stage_label}”，不是候选项目。", code="not_candidate"
        )
    return stages.choose(db, project=project, chosen=chosen, actor_label=staff.display_name)
