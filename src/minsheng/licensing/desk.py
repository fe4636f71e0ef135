"""The registrar's desk: the queue of applications the rules did not approve, and the four
decisions on one (confirm identity, approve and issue, return for correction, refuse).
A registrar acts only for offices whose unit is within their grants. Functions flush."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.licensing import flow, issuing, notices, rules
from minsheng.licensing.models import STATUS_LABELS, Application, ApplicationStatus, Office
from minsheng.licensing.permissions import REVIEW_APPLICATIONS
from minsheng.licensing.service import get_application, local_today
from minsheng.org.models import Unit

STALE = "刚被其他登记人员处理过，请看下面的最新情况后再操作。"
REASON_MAX = 500
# The queue's sections, in the order a registrar works through them.
SECTIONS = (ApplicationStatus.reviewing, ApplicationStatus.returned, ApplicationStatus.issued)


def may_review(staff: StaffPrincipal, office: Office) -> bool:
    """A registrar of the office's unit (or a unit above it), or an administrator."""
    return staff.can(REVIEW_APPLICATIONS, office.unit.path)


def sees_full_identity(staff: StaffPrincipal, office: Office) -> bool:
    """Only a registrar of the office reads the full ID number; everyone else sees it masked."""
    return any(
        g.role == "registrar" and office.unit.path.startswith(g.unit_path) for g in staff.grants
    )


def _require_desk(staff: StaffPrincipal, app: Application) -> None:
    if not may_review(staff, app.office):
        raise Forbidden("这份申请由其他登记机关审核，您不能处理。")


def _check(app: Application, staff: StaffPrincipal, version: int | None) -> None:
    """Allowed, on the version the registrar saw, and still waiting for a decision."""
    _require_desk(staff, app)
    if version is not None and version != app.version:
        raise Conflict(STALE, code="stale")
    if app.status == ApplicationStatus.issued:
        raise Conflict("这份申请已经办结，不能重复发照。", code="already_issued")
    if app.status != ApplicationStatus.reviewing:
        raise Conflict(
            f"这份申请当前状态为“{STATUS_LABELS[app.status]}”，不能审核。", code="wrong_state"
        )


def _reason(reason: str, *, missing: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise InvalidInput({"reason": missing})
    if len(text) > REASON_MAX:
        raise InvalidInput({"reason": f"太长了，最多 {REASON_MAX} 个字"})
    return text


def _evaluate(db: Session, app: Application) -> list[rules.RuleResult]:
    results = rules.evaluate(db, app=app)
    app.rules = [r.as_dict() for r in results]
    return results


def _decided(db: Session, app: Application, staff: StaffPrincipal) -> None:
    app.reviewed_by_id = staff.user_id
    app.decided_at = utcnow()
    db.flush()
    notices.decided(db, app=app)


def _issue(db: Session, app: Application, staff: StaffPrincipal) -> None:
    issuing.issue(db, app=app, staff=staff)
    app.status = ApplicationStatus.issued
    _decided(db, app, staff)


def failed_rules(app: Application) -> list[dict[str, Any]]:
    """The rules this application did not pass at its last evaluation."""
    return [r for r in app.rules or [] if not r.get("passed")]


def confirm_identity(
    db: Session, *, app: Application, staff: StaffPrincipal, version: int | None = None
) -> bool:
    """The registrar saw the ID card and the person; issues at once when every other rule
    passes. Returns whether it issued."""
    _check(app, staff, version)
    app.identity_checked_at = utcnow()
    app.identity_confirmed_by_id = staff.user_id
    db.flush()
    if all(r.passed for r in _evaluate(db, app)):
        _issue(db, app, staff)
        return True
    db.flush()
    return False


def approve(
    db: Session,
    *,
    app: Application,
    staff: StaffPrincipal,
    version: int | None = None,
    accept_failed: bool = False,
) -> None:
    """Approves and issues. Identity must be confirmed; a rule that still fails must be
    accepted in so many words by the registrar who looked into it."""
    _check(app, staff, version)
    if app.identity_checked_at is None:
        raise InvalidInput({"identity": "请先核验申请人的身份证原件，再审核通过。"})
    failed = [r for r in _evaluate(db, app) if not r.passed]
    db.flush()
    if failed and not accept_failed:
        labels = "、".join(r.label for r in failed)
        raise InvalidInput(
            {"accept_failed": f"以下检查未通过：{labels}。核实后仍可登记的，请勾选确认。"}
        )
    _issue(db, app, staff)


def return_for_correction(
    db: Session, *, app: Application, staff: StaffPrincipal, reason: str, version: int | None = None
) -> None:
    """Back to the applicant, who edits and resubmits; the reason says what to fix."""
    _check(app, staff, version)
    app.reason = _reason(reason, missing="请写明申请人需要修改什么")
    app.status = ApplicationStatus.returned
    _decided(db, app, staff)


def refuse(
    db: Session, *, app: Application, staff: StaffPrincipal, reason: str, version: int | None = None
) -> None:
    """Not registered; the reason is sent to the applicant."""
    _check(app, staff, version)
    app.reason = _reason(reason, missing="请写明不予登记的理由")
    app.status = ApplicationStatus.refused
    _decided(db, app, staff)


def get_for_desk(db: Session, *, number: str, staff: StaffPrincipal) -> Application:
    """One application, if this registrar may act on it."""
    app = get_application(db, number=number)
    _require_desk(staff, app)
    return app


def _scoped(staff: StaffPrincipal) -> Select[Application]:
    """Applications of the offices whose units this registrar covers."""
    paths = staff.units_for(REVIEW_APPLICATIONS)
    query = (
        select(Application)
        .join(Office, Application.office_id == Office.id)
        .join(Unit, Office.unit_id == Unit.id)
        .options(joinedload(Application.office), joinedload(Application.town))
    )
    if not paths:
        return query.where(Application.id.is_(None))
    return query.where(or_(*(Unit.path.startswith(p, autoescape=True) for p in paths)))


@dataclass(frozen=True)
class Queue:
    reviewing: list[Application]
    returned: list[Application]
    issued_today: list[Application]


def queue(
    db: Session,
    *,
    staff: StaffPrincipal,
    status: ApplicationStatus | None = None,
    office_id: int | None = None,
) -> Queue:
    """Waiting for review (oldest first), returned to applicants, and issued today."""
    base = _scoped(staff)
    if office_id is not None:
        base = base.where(Application.office_id == office_id)
    wanted = [status] if status in SECTIONS else list(SECTIONS)
    found: dict[ApplicationStatus, list[Application]] = {s: [] for s in SECTIONS}
    if ApplicationStatus.reviewing in wanted:
        found[ApplicationStatus.reviewing] = list(
            db.scalars(
                base.where(Application.status == ApplicationStatus.reviewing).order_by(
                    Application.submitted_at, Application.id
                )
            )
        )
    if ApplicationStatus.returned in wanted:
        found[ApplicationStatus.returned] = list(
            db.scalars(
                base.where(Application.status == ApplicationStatus.returned)
                .order_by(Application.decided_at.desc(), Application.id.desc())
                .limit(200)
            )
        )
    if ApplicationStatus.issued in wanted:
        found[ApplicationStatus.issued] = list(
            db.scalars(
                base.where(
                    Application.status == ApplicationStatus.issued,
                    Application.decided_at >= start_of_today(),
                ).order_by(Application.decided_at.desc(), Application.id.desc())
            )
        )
    return Queue(
        found[ApplicationStatus.reviewing],
        found[ApplicationStatus.returned],
        found[ApplicationStatus.issued],
    )


def start_of_today() -> dt.datetime:
    """Local midnight, in UTC."""
    zone = ZoneInfo(get_settings().timezone)
    return dt.datetime.combine(local_today(), dt.time(), zone).astimezone(dt.UTC)


def offices_for(db: Session, *, staff: StaffPrincipal) -> list[Office]:
    """The offices this registrar reviews for, for the queue's filter."""
    offices = db.scalars(select(Office).options(joinedload(Office.unit)).order_by(Office.id))
    return [o for o in offices if may_review(staff, o)]


def waited_minutes(app: Application, now: dt.datetime | None = None) -> int:
    """Minutes since the application was submitted (or last resubmitted)."""
    if app.submitted_at is None:
        return 0
    return max(0, int(((now or utcnow()) - app.submitted_at).total_seconds() // 60))


# The steps as people read them (web and kiosk); a step the flow adds later shows its key.
STEP_LABELS = {**flow.WEB_LABELS, **flow.KIOSK_LABELS}
STATS_DAYS = 30


@dataclass(frozen=True)
class OfficeTimes:
    """How long people took at one office's kiosks: average seconds per step and in total."""

    office: Office
    sessions: int
    steps: list[tuple[str, float]]
    total: float


def ordered_steps(keys: Any) -> list[str]:
    known = [k for k in STEP_LABELS if k in keys]
    return known + sorted(k for k in keys if k not in STEP_LABELS)


def step_averages(db: Session, *, days: int = STATS_DAYS) -> list[OfficeTimes]:
    """Per office, the average time per kiosk step over the last `days` days."""
    since = utcnow() - dt.timedelta(days=days)
    rows = db.execute(
        select(Application.office_id, Application.step_times).where(
            Application.channel == "kiosk", Application.created_at >= since
        )
    )
    sums: dict[int, dict[str, list[float]]] = {}
    totals: dict[int, list[float]] = {}
    for office_id, times in rows:
        if not times:
            continue
        per_step = sums.setdefault(office_id, {})
        for step, seconds in times.items():
            per_step.setdefault(step, []).append(float(seconds))
        totals.setdefault(office_id, []).append(sum(float(s) for s in times.values()))
    result = []
    for office in db.scalars(select(Office).where(Office.id.in_(sums)).order_by(Office.id)):
        per_step = sums[office.id]
        steps = [
            (step, round(sum(per_step[step]) / len(per_step[step]), 1))
            for step in ordered_steps(per_step)
        ]
        spent = totals[office.id]
        result.append(OfficeTimes(office, len(spent), steps, round(sum(spent) / len(spent), 1)))
    return result
