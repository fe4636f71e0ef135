"""月报进展: a lead unit's monthly report on a project, its checks, and what filing it changes.

One report per project and month. Filing updates the project's progress and targets, recomputes
its warning, writes a public timeline step and tells the project's followers. A month's report
is never edited by the unit; the programme office (projects.manage) may replace it with a reason,
which goes on the public timeline (`correct_report`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, Forbidden, InvalidInput
from minsheng.core.images import CleanPhoto
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import Settings, get_settings
from minsheng.projects import follow, report_files, service
from minsheng.projects.models import STAGE_LABELS, Project, Stage, WarningColour
from minsheng.projects.models_progress import MonthlyReport, ReportResult
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS
from minsheng.projects.report_files import Attachment
from minsheng.projects.schemas_reports import (
    FileRead,
    ReportCorrection,
    ReportCreate,
    ReportRead,
    ResultRead,
)
from minsheng.projects.service import local_today


def month_label(month: str) -> str:
    """ "2026-03" as 2026年3月."""
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def percent_text(value: float) -> str:
    return f"{value:g}%"


class AlreadyReported(Conflict):
    """A second report for a month: refused, with how to correct the first one."""

    code = "already_reported"

    def __init__(self, report: MonthlyReport) -> None:
        filed = report.filed_at.astimezone(ZoneInfo(get_settings().timezone)).date()
        message = (
            f"{month_label(report.month)}的月报已于 {filed.isoformat()} 填报，每个月只能填报一次。"
            "如需更正，请联系实事项目管理部门（督查人员）说明原因后更正。"
        )
        self.fields = {"month": message}
        super().__init__(message, details=[{"field": "month", "message": message}])


def history(db: Session, project: Project) -> list[MonthlyReport]:
    """The project's monthly reports, newest month first."""
    query = (
        select(MonthlyReport)
        .where(MonthlyReport.project_id == project.id)
        .options(
            selectinload(MonthlyReport.results).selectinload(ReportResult.target),
            selectinload(MonthlyReport.files),
        )
        .order_by(MonthlyReport.month.desc())
    )
    return list(db.scalars(query))


def get_report(db: Session, project: Project, month: str) -> MonthlyReport | None:
    return db.scalar(
        select(MonthlyReport).where(
            MonthlyReport.project_id == project.id, MonthlyReport.month == month
        )
    )


def _earlier(reports: Sequence[MonthlyReport], month: str) -> list[MonthlyReport]:
    return [r for r in reports if r.month < month]


def filer_on_behalf(staff: StaffPrincipal, project: Project) -> bool:
    """Whether `staff` files for the lead unit as the programme office; Forbidden if neither."""
    if staff.can(REPORT_PROGRESS, project.lead_unit.path):
        return False
    if staff.can(MANAGE_PROJECTS, project.lead_unit.path):
        return True
    service.require_unit(staff, REPORT_PROGRESS, project)  # raises, with the unit's message
    raise Forbidden()  # pragma: no cover - require_unit has refused already


def check(
    db: Session,
    project: Project,
    data: ReportCreate,
    *,
    today: dt.date,
    replacing: MonthlyReport | None = None,
) -> str:
    """The month the report is for, once every rule of a monthly report holds; else the error.

    Rules: the project is running; the month is not in the future nor before the project's
    start; one report a month; results only for the project's own targets; progress and each
    target's figure may go below the previous report only with a reason."""
    if project.stage != Stage.running:
        raise Conflict(
            f"项目当前状态为“{STAGE_LABELS[project.stage]}”，只有实施中的项目填报月报。",
            code="wrong_state",
        )
    month = data.month or service.previous_month(today)
    if month > service.month_key(today):
        raise InvalidInput({"month": f"不能填报未来月份（{month_label(month)}）的月报"})
    start = service.month_key(project.start_on)
    if month < start:
        raise InvalidInput(
            {"month": f"项目 {month_label(start)}开始实施，不能填报{month_label(month)}的月报"}
        )
    reports = history(db, project)
    existing = next((r for r in reports if r.month == month), None)
    if existing is not None and existing is not replacing:
        raise AlreadyReported(existing)
    targets = {t.id: t for t in project.targets}
    stranger = next((r.target_id for r in data.results if r.target_id not in targets), None)
    if stranger is not None:
        raise InvalidInput({"results": f"指标 #{stranger} 不属于项目 {project.code}"})
    if not data.regress_reason:
        earlier = _earlier(reports, month)
        if earlier and data.progress < earlier[0].progress:
            raise InvalidInput(
                {
                    "regress_reason": f"累计进度 {percent_text(data.progress)} 低于上次报告"
                    f"（{month_label(earlier[0].month)}）的 {percent_text(earlier[0].progress)}，"
                    "请填写进度回退原因"
                }
            )
        last = _last_results(earlier)
        for result in data.results:
            before = last.get(result.target_id)
            if before is not None and result.value < before:
                target = targets[result.target_id]
                raise InvalidInput(
                    {
                        "regress_reason": f"“{target.name}”累计 {result.value:g}{target.measure}，"
                        f"少于上次报告的 {before:g}{target.measure}，请填写回退原因"
                    }
                )
    return month


def _last_results(reports: Sequence[MonthlyReport]) -> dict[int, float]:
    """Each target's figure in the latest of `reports` (newest first) that gave one."""
    last: dict[int, float] = {}
    for report in reports:
        for result in report.results:
            last.setdefault(result.target_id, result.value)
    return last


def _actor(project: Project) -> str:
    return project.lead_unit.name


def file_report(
    db: Session,
    project: Project,
    data: ReportCreate,
    *,
    staff: StaffPrincipal,
    via: str = "form",
    photos: Sequence[CleanPhoto] = (),
    attachments: Sequence[Attachment] = (),
    today: dt.date | None = None,
) -> MonthlyReport:
    """Files the lead unit's report for a month (by default the previous one)."""
    on_behalf = filer_on_behalf(staff, project)
    today = today or local_today()
    month = check(db, project, data, today=today)
    due_on = service.report_due_on(project.batch, month)
    report = MonthlyReport(
        project_id=project.id,
        month=month,
        progress=data.progress,
        done=data.done,
        problems=data.problems,
        next_steps=data.next_steps,
        regress_reason=data.regress_reason,
        due_on=due_on,
        filed_at=utcnow(),
        filed_by_id=staff.user_id,
        late=today > due_on,
        via=via,
    )
    report.results = [ReportResult(target_id=r.target_id, value=r.value) for r in data.results]
    report_files.attach(report, list(photos), list(attachments))
    try:
        with db.begin_nested():  # only this insert is undone if the month was taken meanwhile
            db.add(report)
            db.flush()
    except IntegrityError:  # the same month filed at the same moment by someone else
        raise Conflict(
            f"{month_label(month)}的月报刚刚已由他人填报，请刷新后查看。", code="already_reported"
        ) from None
    before = project.progress
    latest = _sync(db, project)
    text = f"月报：进度{percent_text(report.progress)}（{month_label(month)}）"
    service.record_event(db, project, "report", text, actor_label=_actor(project))
    if report.late:
        service.record_event(
            db,
            project,
            "report_late",
            f"{month_label(month)}月报逾期填报（应于 {due_on.isoformat()} 前填报）",
            actor_label=_actor(project),
            public=False,
        )
    if on_behalf:
        service.record_event(
            db,
            project,
            "report_on_behalf",
            f"{month_label(month)}月报由{staff.display_name}代牵头单位填报",
            actor_label=staff.display_name,
            public=False,
        )
    refresh_warning(db, project, today, get_settings())
    if latest is report and project.progress != before:
        _tell_followers(db, project, report)
    db.flush()
    return report


def _tell_followers(db: Session, project: Project, report: MonthlyReport) -> None:
    link = f"{get_settings().base_url.rstrip('/')}/projects/{project.code}"
    follow.tell_followers(
        db,
        project,
        f"您关注的实事项目“{project.title}”有新进展：{month_label(report.month)}"
        f"累计进度 {percent_text(report.progress)}。详见 {link}",
    )


def correct_report(
    db: Session,
    project: Project,
    month: str,
    data: ReportCorrection,
    *,
    staff: StaffPrincipal,
    photos: Sequence[CleanPhoto] = (),
    attachments: Sequence[Attachment] = (),
    today: dt.date | None = None,
) -> MonthlyReport:
    """Replaces a month's report: the programme office only, with the reason made public."""
    service.require_unit(staff, MANAGE_PROJECTS, project)
    report = get_report(db, project, month)
    if report is None:
        raise InvalidInput({"month": f"{month_label(month)}还没有月报，请直接填报"})
    today = today or local_today()
    data = data.model_copy(update={"month": month})
    check(db, project, data, today=today, replacing=report)
    report.progress, report.done = data.progress, data.done
    report.problems, report.next_steps = data.problems, data.next_steps
    report.regress_reason = data.regress_reason
    given = {r.target_id: r.value for r in data.results}
    report.results = [r for r in report.results if r.target_id in given]
    for result in report.results:
        result.value = given.pop(result.target_id)
    report.results += [ReportResult(target_id=t, value=v) for t, v in given.items()]
    report_files.attach(report, list(photos), list(attachments))
    db.flush()
    _sync(db, project)
    service.record_event(
        db,
        project,
        "report_corrected",
        f"{month_label(month)}月报已更正：进度{percent_text(report.progress)}（更正原因：{data.reason}）",
        actor_label="实事项目管理部门",
    )
    refresh_warning(db, project, today, get_settings())
    db.flush()
    return report


def _sync(db: Session, project: Project) -> MonthlyReport | None:
    """The project's progress and targets as its latest reports say; returns the latest."""
    reports = history(db, project)
    if not reports:
        return None
    latest = reports[0]
    project.progress, project.progress_month = latest.progress, latest.month
    last = _last_results(reports)
    for target in project.targets:
        if target.id in last:
            target.achieved = last[target.id]
    if project.started_on is None:
        started = [r for r in reports if r.progress > 0]
        if started:
            # Under way in the first month reported above 0 (not before the planned start).
            first = dt.date.fromisoformat(f"{started[-1].month}-01")
            project.started_on = max(first, project.start_on)
    return latest


WARNING_TEXTS = {
    WarningColour.yellow: "黄色预警",
    WarningColour.red: "红色预警",
}


def refresh_warning(
    db: Session, project: Project, on: dt.date, settings: Settings
) -> WarningColour:
    """Recomputes the project's lag warning on `on`; a change is a public timeline step."""
    colour = service.lag_warning(project, on, settings)
    if colour == project.warning:
        return colour
    project.warning = colour
    planned = round(service.planned_percent(project, service.measured_on(project, on)), 1)
    actual = percent_text(project.progress)
    if colour == WarningColour.none:
        text = f"进度预警解除：计划应达 {planned:g}%，实际 {actual}"
    elif project.started_on is None and planned - project.progress < settings.project_yellow_lag:
        text = f"{WARNING_TEXTS[colour]}：计划开始已满一个月，尚未报告开工"
    else:
        lag = round(planned - project.progress, 1)
        text = (
            f"{WARNING_TEXTS[colour]}：计划应达 {planned:g}%，实际 {actual}，滞后 {lag:g} 个百分点"
        )
    service.record_event(db, project, "warning", text, actor_label="系统")
    return colour


def file_url(key: str) -> str:
    return f"/projects/report-files/{key}"


def report_read(report: MonthlyReport, *, project_code: str, staff_view: bool) -> ReportRead:
    """The report for the API: attachments only for staff."""
    files = [f for f in report.files if staff_view or f.public]
    return ReportRead(
        project=project_code,
        month=report.month,
        progress=report.progress,
        done=report.done,
        problems=report.problems,
        next_steps=report.next_steps,
        regress_reason=report.regress_reason,
        results=[
            ResultRead(
                target_id=r.target_id,
                target=r.target.name,
                measure=r.target.measure,
                planned=r.target.planned,
                value=r.value,
            )
            for r in report.results
        ],
        files=[
            FileRead(
                key=f.key,
                url=file_url(f.key),
                filename=f.filename,
                content_type=f.content_type,
                is_photo=f.is_photo,
                size=f.size,
            )
            for f in files
        ],
        due_on=report.due_on,
        filed_at=report.filed_at,
        late=report.late,
        via=report.via,
    )
