"""绩效评估: a weighted scheme per batch, a score per indicator and project, with its evidence.

Each indicator scores 0-100 from the data, and says which figures it used:
- progress 进度: actual ÷ planned × 100, capped at 100 (planned from the plan curve on the day of
  the evaluation, service.planned_percent); once the plan reaches 100 this is the actual progress;
  a completed project scores 100; no data while nothing is planned yet.
- timeliness 月报及时: reports filed on time ÷ reports due × 100. Due: every month from the start
  month to the evaluation day (to the completion month for a completed project) whose due day has
  passed; a missing month counts as not on time, a report flagged late (MonthlyReport.late) too.
- targets 目标完成: the mean over the targets of min(1, achieved ÷ planned) × 100.
- quality 质量: the supervisors' mark (QualityScore, 0-100, with the reason they gave).
- satisfaction 满意度: residents' rate (ratings.rate_formula) and the deputies' rate by the same
  formula, half each; either alone when only one survey has answers.
An indicator with no data shows 无数据 and its weight is shared among the others in proportion
to their weights, so the total stays on 0-100. A unit's score is the mean of the totals of the
projects it leads. Ranks are shared on equal scores (1, 2, 2, 4).

Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit
from minsheng.projects import evaluation_indicators as indicators
from minsheng.projects import ratings
from minsheng.projects.evaluation_indicators import num
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.models_review import Indicator, QualityScore
from minsheng.projects.schemas_evaluation import IndicatorIn
from minsheng.projects.service import local_today

INDICATORS: dict[str, str] = {
    "progress": "进度",
    "timeliness": "月报及时",
    "targets": "目标完成",
    "quality": "质量",
    "satisfaction": "满意度",
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "progress": 30,
    "timeliness": 15,
    "targets": 25,
    "quality": 10,
    "satisfaction": 20,
}
EVALUATED = (Stage.running, Stage.completed)
NO_DATA = "无数据"


@dataclass(frozen=True)
class SchemeItem:
    code: str
    label: str
    weight: float


def scheme(db: Session, batch: Batch) -> tuple[list[SchemeItem], bool]:
    """The batch's indicators in the standard order, and whether they were saved; a batch with
    none saved is evaluated on the default scheme (进度 30, 月报及时 15, 目标完成 25, 质量 10,
    满意度 20)."""
    rows = list(db.scalars(select(Indicator).where(Indicator.batch_id == batch.id)))
    if not rows:
        return [SchemeItem(c, INDICATORS[c], w) for c, w in DEFAULT_WEIGHTS.items()], False
    order = list(INDICATORS)
    rows.sort(key=lambda r: order.index(r.code) if r.code in order else len(order))
    return [SchemeItem(r.code, r.label, r.weight) for r in rows], True


def set_scheme(db: Session, *, batch: Batch, items: list[IndicatorIn]) -> list[SchemeItem]:
    """Replaces the batch's scheme. Weights above 0 and adding up to 100; each indicator once."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for item in items:
        if item.code in seen:
            errors[f"weight_{item.code}"] = "每个指标只能出现一次"
        seen.add(item.code)
        if item.weight <= 0:
            errors[f"weight_{item.code}"] = "权重须大于 0；不用的指标请不要列入"
        if not item.label.strip():
            errors[f"label_{item.code}"] = "请填写指标名称"
    used = [i for i in items if i.weight > 0]
    total = sum(i.weight for i in used)
    if not used:
        errors["weights"] = "请至少给一个指标设置权重"
    elif abs(total - 100) > 0.001:
        errors["weights"] = f"各项权重之和须为 100，现在是 {num(total)}"
    if errors:
        raise InvalidInput(errors)
    db.execute(delete(Indicator).where(Indicator.batch_id == batch.id))
    for item in items:
        db.add(
            Indicator(
                batch_id=batch.id, code=item.code, label=item.label.strip(), weight=item.weight
            )
        )
    db.flush()
    return scheme(db, batch)[0]


def quality_of(db: Session, project: Project) -> QualityScore | None:
    return db.scalar(select(QualityScore).where(QualityScore.project_id == project.id))


def set_quality(
    db: Session, *, project: Project, score: float, note: str, staff: StaffPrincipal
) -> QualityScore:
    """The supervisors' quality mark, 0-100, with the reason; a new mark replaces the old one
    (the audit trail keeps every earlier mark)."""
    if project.stage not in EVALUATED:
        raise Conflict(
            f"这个项目目前为“{project.stage_label}”，实施中或已完成的项目才能评分。",
            code="not_evaluated",
        )
    errors = {}
    if not 0 <= score <= 100:
        errors["score"] = "质量评分须在 0 到 100 之间"
    if len(note.strip()) < 2:
        errors["note"] = "请写明评分理由"
    if errors:
        raise InvalidInput(errors)
    row = quality_of(db, project)
    if row is None:
        row = QualityScore(project_id=project.id, score=score, note=note.strip())
        db.add(row)
    row.score, row.note = score, note.strip()
    row.scored_by_id, row.scored_at = staff.user_id, utcnow()
    db.flush()
    return row


@dataclass
class Score:
    code: str
    label: str
    weight: float
    value: float | None
    evidence: str
    effective_weight: float = 0.0

    @property
    def shown(self) -> str:
        return NO_DATA if self.value is None else num(self.value)


@dataclass
class ProjectScore:
    project: Project
    scores: list[Score]
    total: float | None = None
    evidence: str = ""
    rank: int | None = None


@dataclass
class UnitScore:
    unit: Unit
    projects: list[ProjectScore] = field(default_factory=list)
    total: float | None = None
    rank: int | None = None


@dataclass
class Evaluation:
    batch: Batch
    on: dt.date
    scheme: list[SchemeItem]
    saved: bool
    projects: list[ProjectScore]
    units: list[UnitScore]


def _total(scores: list[Score]) -> tuple[float | None, str]:
    """The weighted total; weights of indicators without data go to the others in proportion."""
    counted = [s for s in scores if s.value is not None]
    weight = sum(s.weight for s in counted)
    if not counted or weight <= 0:
        return None, "各项指标均无数据，暂不计总分"
    for s in counted:
        s.effective_weight = s.weight * 100 / weight
    total = sum((s.value or 0) * s.effective_weight for s in counted) / 100
    terms = " + ".join(
        f"{s.label} {num(s.value or 0)} × {num(s.effective_weight)}" for s in counted
    )
    evidence = f"（{terms}）÷ 100 = {num(total)}"
    missing = [s.label for s in scores if s.value is None]
    if missing:
        evidence += f"；{'、'.join(missing)}无数据，其权重按比例分给其他指标"
    return total, evidence


def _rank(items: list[ProjectScore] | list[UnitScore]) -> None:
    """Ranks in place on the total rounded to one decimal; equal totals share a rank."""
    ranked = [i for i in items if i.total is not None]
    previous, rank = None, 0
    for position, item in enumerate(ranked, start=1):
        shown = round(item.total or 0, 1)
        if shown != previous:
            rank, previous = position, shown
        item.rank = rank


def evaluate(db: Session, *, batch: Batch, on: dt.date | None = None) -> Evaluation:
    """The batch's running and completed projects scored on its scheme, ranked, with units."""
    on = on or local_today()
    items, saved = scheme(db, batch)
    projects = list(
        db.scalars(
            select(Project)
            .where(Project.batch_id == batch.id, Project.stage.in_(EVALUATED))
            .order_by(Project.code)
            # A batch has ~200 projects: their targets, milestones and units in three queries.
            .options(
                selectinload(Project.targets),
                selectinload(Project.milestones),
                selectinload(Project.lead_unit),
            )
        )
    )
    ids = [p.id for p in projects]
    reports: dict[int, dict[str, bool]] = defaultdict(dict)
    for project_id, month, late in db.execute(
        select(MonthlyReport.project_id, MonthlyReport.month, MonthlyReport.late).where(
            MonthlyReport.project_id.in_(ids)
        )
    ):
        reports[project_id][month] = bool(late)
    quality = {
        q.project_id: q
        for q in db.scalars(select(QualityScore).where(QualityScore.project_id.in_(ids)))
    }
    counts = ratings.tallies(db, ids)
    scored = [
        _score(p, batch, items, reports[p.id], quality.get(p.id), counts[p.id], on)
        for p in projects
    ]
    scored.sort(key=lambda s: (s.total is None, -(s.total or 0), s.project.code))
    _rank(scored)
    return Evaluation(batch, on, items, saved, scored, _units(scored))


def _score(
    project: Project,
    batch: Batch,
    items: list[SchemeItem],
    reports: dict[str, bool],
    quality: QualityScore | None,
    tally: ratings.Tally,
    on: dt.date,
) -> ProjectScore:
    computed = {
        "progress": lambda: indicators.progress(project, on),
        "timeliness": lambda: indicators.timeliness(project, batch, reports, on),
        "targets": lambda: indicators.targets(project),
        "quality": lambda: indicators.quality(quality),
        "satisfaction": lambda: indicators.satisfaction(tally),
    }
    scores = []
    for item in items:
        value, evidence = computed[item.code]()
        scores.append(Score(item.code, item.label, item.weight, value, evidence))
    total, evidence = _total(scores)
    return ProjectScore(project, scores, total, evidence)


def _units(scored: list[ProjectScore]) -> list[UnitScore]:
    by_unit: dict[int, UnitScore] = {}
    for s in scored:
        unit = s.project.lead_unit
        by_unit.setdefault(unit.id, UnitScore(unit)).projects.append(s)
    units = list(by_unit.values())
    for u in units:
        totals = [p.total for p in u.projects if p.total is not None]
        u.total = sum(totals) / len(totals) if totals else None
    units.sort(key=lambda u: (u.total is None, -(u.total or 0), u.unit.name))
    _rank(units)
    return units


def project_score(db: Session, *, project: Project, on: dt.date | None = None) -> ProjectScore:
    """One project's scores on its batch's scheme, ranked within the batch."""
    result = evaluate(db, batch=project.batch, on=on)
    for s in result.projects:
        if s.project.id == project.id:
            return s
    raise Conflict(
        f"这个项目目前为“{project.stage_label}”，实施中或已完成的项目才参加评估。",
        code="not_evaluated",
    )
