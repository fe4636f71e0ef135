"""How each indicator of 绩效评估 scores a project (0-100, or None for 无数据) and which figures
it used, in words a supervisor can check by hand. The rules are in evaluation.py's docstring."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from minsheng.core.settings import get_settings
from minsheng.projects import ratings
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_review import QualityScore
from minsheng.projects.service import month_key, planned_percent, report_due_on

RESIDENTS_SHARE = 0.5  # of the satisfaction score when deputies rated too


def num(value: float) -> str:
    """A figure as the evidence prints it: one decimal at most, no trailing .0."""
    return f"{round(value, 1):g}"


def progress(project: Project, on: dt.date) -> tuple[float | None, str]:
    if project.stage == Stage.completed:
        return 100.0, f"项目已完成（{project.completed_on or '完成日期未记'}），记 100 分"
    planned = planned_percent(project, on)
    if planned <= 0:
        return None, f"截至 {on} 计划进度为 0，尚无可比的进度"
    value = min(100.0, project.progress / planned * 100)
    capped = "，超过 100 按 100 计" if project.progress > planned else ""
    as_of = f"（{project.progress_month} 月报）" if project.progress_month else ""
    return value, (
        f"实际进度 {num(project.progress)}%{as_of}，"
        f"{on} 计划进度 {num(planned)}%：{num(project.progress)} ÷ {num(planned)} × 100"
        f" = {num(value)}{capped}"
    )


def _months(first: str, last: str) -> list[str]:
    year, month = (int(p) for p in first.split("-"))
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def timeliness(
    project: Project, batch: Batch, reports: dict[str, bool], on: dt.date
) -> tuple[float | None, str]:
    """`reports`: month → filed late."""
    end = on
    if project.stage == Stage.completed and project.completed_on:
        end = min(on, project.completed_on)
    months = _months(month_key(project.start_on), month_key(end))
    due = [m for m in months if report_due_on(batch, m) < on or m in reports]
    if not due:
        return None, f"截至 {on} 还没有到期的月报"
    late = [m for m in due if reports.get(m) is True]
    missing = [m for m in due if m not in reports]
    on_time = len(due) - len(late) - len(missing)
    value = on_time / len(due) * 100
    parts = [f"应报 {len(due)} 个月（{due[0]} 至 {due[-1]}），按时 {on_time} 个"]
    if late:
        parts.append(f"迟报 {len(late)} 个（{'、'.join(late)}）")
    if missing:
        parts.append(f"缺报 {len(missing)} 个（{'、'.join(missing)}）")
    return value, "，".join(parts) + f"：{on_time} ÷ {len(due)} × 100 = {num(value)}"


def targets(project: Project) -> tuple[float | None, str]:
    measured = [t for t in project.targets if t.planned > 0]
    if not measured:
        return None, "项目没有可量化的目标"
    shares = [min(1.0, t.achieved / t.planned) for t in measured]
    value = sum(shares) / len(shares) * 100
    parts = [
        f"{t.name} {num(t.achieved)}/{num(t.planned)} {t.measure} = {num(share * 100)}%"
        for t, share in zip(measured, shares, strict=True)
    ]
    mean = f"{len(measured)} 项平均（单项超过 100% 按 100% 计）= {num(value)}"
    return value, "；".join([*parts, mean])


def quality(row: QualityScore | None) -> tuple[float | None, str]:
    if row is None:
        return None, "督查人员尚未评分"
    scored = row.scored_at.astimezone(ZoneInfo(get_settings().timezone)).date()
    return row.score, f"督查评分 {num(row.score)}（{scored}）：{row.note}"


def satisfaction(t: ratings.Tally) -> tuple[float | None, str]:
    parts, values = [], []
    if t.rate is not None:
        values.append((RESIDENTS_SHARE, t.rate))
        parts.append(
            f"群众评价 {t.ratings} 人（满意 {t.satisfied}、基本满意 {t.basic}、"
            f"不满意 {t.dissatisfied}），满意率 {num(t.rate)}"
        )
    if t.deputy_rate is not None:
        values.append((1 - RESIDENTS_SHARE, t.deputy_rate))
        parts.append(
            f"人大代表测评 {t.deputy_rated} 人（满意 {t.deputy_satisfied}、基本满意 "
            f"{t.deputy_basic}、不满意 {t.deputy_dissatisfied}），满意率 {num(t.deputy_rate)}，"
            f"测评结果“{t.deputy_result}”"
        )
    if not values:
        return None, "还没有群众评价和代表测评"
    if len(values) == 1:
        return values[0][1], "；".join(parts) + f"：得分 {num(values[0][1])}"
    value = sum(share * rate for share, rate in values)
    return value, "；".join(parts) + (
        f"：{num(t.rate or 0)} × {RESIDENTS_SHARE:g} + {num(t.deputy_rate or 0)} × "
        f"{1 - RESIDENTS_SHARE:g} = {num(value)}"
    )
