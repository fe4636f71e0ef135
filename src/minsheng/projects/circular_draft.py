"""What a new circular starts from: the batch's figures on the last day of the month, the
projects lagging then (red first, the furthest behind first) with their situation written out,
the follow-up of projects named in earlier circulars, and a body to edit.

The rest of a circular's life (editing, approval, publication, correction) is in circulars.py.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.workdays import default_calendar
from minsheng.projects import batch_month, rectification, rollup
from minsheng.projects.batch_month import ProjectRow, month_label, percent
from minsheng.projects.models import Batch, WarningColour
from minsheng.projects.models_review import Circular, CircularItem, CircularStatus
from minsheng.projects.permissions import SUPERVISE
from minsheng.projects.schemas_circulars import CircularDraft
from minsheng.projects.service import get_batch, require

RECTIFY_WORKING_DAYS = 10
# A draft has no number yet: numbers are given in order of publication, so none is ever skipped.
DRAFT_NUMBER = "草稿-"


def today() -> dt.date:
    return default_calendar().local_day(utcnow())


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def numbered(circular: Circular) -> bool:
    return not circular.number.startswith(DRAFT_NUMBER)


def number_label(circular: Circular) -> str:
    return circular.number if numbered(circular) else "（发布时编号）"


def figures(circular: Circular) -> dict[str, Any]:
    """The counts and the follow-up as drafted (frozen once published)."""
    return dict(json.loads(circular.figures or "{}"))


def default_rectify_by(now: dt.datetime) -> dt.date:
    """Ten working days after `now`, counted on the installation's calendar."""
    calendar = default_calendar()
    return calendar.last_day(calendar.add_working_days(now, days=RECTIFY_WORKING_DAYS))


def situation_of(row: ProjectRow, on: dt.date) -> str:
    """计划进度X%，实际进度Y%，滞后Z个百分点, and a late start when there is one."""
    text = (
        f"计划进度{percent(row.planned)}%，实际进度{percent(row.progress)}%，"
        f"滞后{percent(row.lag)}个百分点"
    )
    if not row.started and row.project.start_on < on:
        text += f"；计划{chinese_date(row.project.start_on)}开工，至今未开工"
    return text + "。"


def batch_figures(db: Session, batch: Batch, on: dt.date) -> dict[str, Any]:
    """The batch's counts on `on`, as the public batch page shows them (rollup.py)."""
    found = dict(rollup.batch_figures(db, batch, on))
    found.setdefault("yellow", int(found["lagging"]) - int(found["red"]))
    return found


def follow_up(db: Session, batch: Batch, *, exclude: set[int], on: dt.date) -> list[dict[str, Any]]:
    """Projects named in the batch's published circulars, each once (its latest naming), with
    whether the unit answered and the project's warning now."""
    query = (
        select(CircularItem)
        .join(Circular, Circular.id == CircularItem.circular_id)
        .where(Circular.batch_id == batch.id, Circular.status == CircularStatus.published)
        .order_by(Circular.published_at.desc(), CircularItem.position)
    )
    seen: set[int] = set()
    rows = []
    for item in db.scalars(query):
        if item.circular_id in exclude or item.project_id in seen:
            continue
        seen.add(item.project_id)
        status = rectification.answer_status(item, on)
        rows.append(
            {
                "circular": item.circular.number,
                "circular_id": item.circular_id,
                "project": item.project.code,
                "project_title": item.project.title,
                "lead_unit": item.project.lead_unit.name,
                "deadline": item.deadline.isoformat(),
                "answer_status": status,
                "answer_status_label": rectification.ANSWER_LABELS[status],
                "warning": item.project.warning.value,
                "warning_label": item.project.warning_label,
            }
        )
    return rows


def _when(batch: Batch, month: str) -> str:
    """ "10月份" when the batch's name says the year already, else "2026年10月"."""
    year, mon = month.split("-")
    return f"{int(mon)}月份" if batch.name.startswith(f"{year}年") else month_label(month)


def _title(batch: Batch, month: str) -> str:
    return f"关于{batch.name}{_when(batch, month)}推进情况的通报"


def _body(batch: Batch, month: str, figs: dict[str, Any], on: dt.date, rectify_by: dt.date) -> str:
    """The text a supervisor starts from: the salutation, the figures, the requirements."""
    lagging = int(figs["lagging"])
    lines = [
        "各区镇，市各有关部门：",
        f"现将{batch.name}{_when(batch, month)}推进情况通报如下。",
        "一、总体情况",
        f"截至{chinese_date(on)}，{batch.name}共{figs['total']}个，已开工{figs['started']}个，"
        f"已完成{figs['completed']}个，按计划推进{figs['on_schedule']}个，进度滞后{lagging}个"
        f"（其中黄色预警{figs['yellow']}个、红色预警{figs['red']}个），"
        f"总体进度{percent(float(figs['weighted_progress']))}%。",
        "二、存在问题",
        f"对照计划进度，{lagging}个项目进度滞后，具体情况见附件2。"
        if lagging
        else "本月所有项目均按计划推进。",
        "三、整改要求",
        "请被通报项目的牵头单位认真分析原因，落实整改措施，"
        f"于{chinese_date(rectify_by)}前通过民生实事项目平台报送整改情况。"
        "前期通报项目的整改情况见附件3，请相关单位继续跟踪落实。",
    ]
    return "\n".join(lines)


def _active(db: Session, batch: Batch, month: str) -> Circular | None:
    return db.scalar(
        select(Circular).where(
            Circular.batch_id == batch.id,
            Circular.period == month,
            Circular.status != CircularStatus.superseded,
        )
    )


def draft(
    db: Session, *, data: CircularDraft, staff: StaffPrincipal, now: dt.datetime | None = None
) -> Circular:
    """A new draft for a batch and a month: the figures, the lagging projects, the follow-up."""
    require(staff, SUPERVISE)
    now = now or utcnow()
    on_day = default_calendar().local_day(now)
    try:
        batch = get_batch(db, code=data.batch)
    except NotFound:
        raise InvalidInput({"batch": "没有这个批次，请从列表中选择。"}) from None
    end = batch_month.month_end(data.month)
    if end.replace(day=1) > on_day:
        raise InvalidInput({"month": "这个月还没到，不能通报。"})
    existing = _active(db, batch, data.month)
    if existing is not None:
        raise InvalidInput(
            {
                "month": f"{month_label(data.month)}已有通报（{number_label(existing)}，"
                f"{existing.status_label}），请在原通报上修改；已发布的请用“更正”。"
            }
        )
    on = min(on_day, end)
    rows = batch_month.live_rows(db, batch, on=on)
    figs = batch_figures(db, batch, on)
    rectify_by = default_rectify_by(now)
    lagging = [r for r in rows if r.warning != WarningColour.none]
    figs |= {
        "as_of": on.isoformat(),
        "follow_up": follow_up(db, batch, exclude=set(), on=on_day),
        # Each named project's colour at drafting, so the printed circular never changes.
        "warnings": {str(r.project.id): r.warning.value for r in lagging},
    }
    circular = Circular(
        batch_id=batch.id,
        number=DRAFT_NUMBER + secrets.token_hex(8),
        title=_title(batch, data.month),
        period=data.month,
        body=_body(batch, data.month, figs, on, rectify_by),
        figures=json.dumps(figs, ensure_ascii=False),
        rectify_by=rectify_by,
        status=CircularStatus.draft,
        drafted_by_id=staff.user_id,
    )
    # Red before yellow, the furthest behind first: the order the circular reads in.
    lagging.sort(key=lambda r: (r.warning != WarningColour.red, -r.lag, r.project.code))
    for position, row in enumerate(lagging):
        circular.items.append(new_item(row, on, position, rectify_by))
    db.add(circular)
    db.flush()
    return circular


def new_item(row: ProjectRow, on: dt.date, position: int, deadline: dt.date) -> CircularItem:
    return CircularItem(
        project_id=row.project.id,
        position=position,
        situation=situation_of(row, on),
        leader=row.project.responsible_person,
        deadline=deadline,
    )
