"""What goes in and out of 问题通报: drafting, editing, approving, publishing, answering.

The same schemas read the API's JSON and the pages' forms (web.forms.parse); rules that need the
database (a project of another batch, an edit after publication) are the service's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

# Control characters other than tab and line breaks: PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


def _month(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
        raise ValueError("请按 2026-10 的格式选择月份")
    return value.strip() if isinstance(value, str) else value


class CircularDraft(BaseModel):
    """Draft a circular on a batch for one month from the data."""

    batch: str = Field(min_length=1, max_length=20, title="批次编号", examples=["2026-1"])
    month: str = Field(min_length=1, max_length=7, title="通报月份", examples=["2026-10"])

    _strip_all = field_validator("batch", mode="before")(_strip)
    _month_ok = field_validator("month", mode="before")(_month)


class CircularUpdate(BaseModel):
    """The parts of a draft a supervisor writes: title, body and the default deadline."""

    title: str | None = Field(default=None, min_length=4, max_length=200, title="标题")
    body: str | None = Field(default=None, max_length=20000, title="正文")
    rectify_by: dt.date | None = Field(default=None, title="整改期限（各项目默认）")

    _strip_all = field_validator("title", "body", mode="before")(_strip)


class CircularItemAdd(BaseModel):
    """Name one more project of the circular's batch."""

    project: str = Field(min_length=1, max_length=20, title="项目编号", examples=["2026-1-007"])

    _strip_all = field_validator("project", mode="before")(_strip)


class CircularItemUpdate(BaseModel):
    """What the circular says about one named project."""

    situation: str | None = Field(default=None, max_length=2000, title="进展情况")
    cause: str | None = Field(default=None, max_length=2000, title="滞后原因")
    required_action: str | None = Field(default=None, max_length=2000, title="整改要求")
    leader: str | None = Field(default=None, max_length=40, title="责任领导")
    deadline: dt.date | None = Field(default=None, title="整改期限")

    _strip_all = field_validator("situation", "cause", "required_action", "leader", mode="before")(
        _strip
    )


class RectificationAnswer(BaseModel):
    """The named unit's answer: what it has done about the circular's requirement."""

    answer: str = Field(min_length=10, max_length=4000, title="整改情况")

    _strip_all = field_validator("answer", mode="before")(_strip)


class CircularItemRead(BaseModel):
    id: int
    project: str = Field(title="项目编号")
    project_title: str
    lead_unit: str
    warning: str = Field(title="当前预警：none、yellow、red")
    situation: str
    cause: str
    required_action: str
    leader: str
    deadline: dt.date
    answer: str
    answered_at: dt.datetime | None
    answer_status: str = Field(title="答复情况：waiting、overdue、answered、answered_late")
    answer_status_label: str


class FollowUpRead(BaseModel):
    """A project named in an earlier circular of the batch, as it stood at drafting."""

    circular: str = Field(title="前期通报文号")
    project: str
    project_title: str
    lead_unit: str
    deadline: str
    answer_status_label: str
    warning_label: str = Field(title="当前预警")


class CircularSummary(BaseModel):
    id: int
    number: str | None = Field(title="文号；发布时编号，草稿为空")
    title: str
    batch: str
    period: str = Field(title="通报月份")
    status: str = Field(title="draft、approved、published、superseded")
    status_label: str
    published_at: dt.datetime | None
    items: int = Field(title="通报的项目数")
    url: str = Field(title="公开页面（发布后）")


class CircularRead(CircularSummary):
    body: str
    figures: dict[str, Any] = Field(title="起草时的统计数字，发布后不再变化")
    rectify_by: dt.date
    supersedes: int | None = Field(title="更正的是哪一份通报（编号）")
    superseded_by: int | None = Field(title="被哪一份通报更正（编号）")
    item_list: list[CircularItemRead]
    follow_up: list[FollowUpRead]
    pdf: str
    xlsx: str
