"""What goes in and out for monthly reports and supervision (API, staff forms and Excel alike)."""

from __future__ import annotations

import datetime as dt
import math
import re

from pydantic import BaseModel, Field, field_validator

from minsheng.projects.models_progress import NoteKind

# Control characters other than tab and line breaks: PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TEXT_MAX = 4000

PERCENT_RANGE = "进度百分比应在 0 到 100 之间"
NOT_A_NUMBER = "请填写数字"
NEGATIVE = "累计完成数不能为负数"
MONTH_FORMAT = "请按 2026-03 的格式填写月份"


def clean_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


def number(value: object, *, empty: str) -> object:
    """A figure typed by a person ("45", "45%", "４５") as a float, or a Chinese message."""
    if isinstance(value, bool):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, str):
        text = value.strip().replace("％", "%").rstrip("%").strip().replace(",", "")
        if not text:
            raise ValueError(empty)
        try:
            value = float(text)
        except ValueError:
            raise ValueError(NOT_A_NUMBER) from None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(NOT_A_NUMBER)
        return float(value)
    if value is None:
        raise ValueError(empty)
    return value


class ResultIn(BaseModel):
    """The cumulative figure reached against one target, as of the end of the month."""

    target_id: int = Field(title="指标编号")
    value: float = Field(title="累计完成数", examples=[12500])

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: object) -> object:
        value = number(value, empty="请填写累计完成数")
        if isinstance(value, float) and value < 0:
            raise ValueError(NEGATIVE)
        return value


class ReportCreate(BaseModel):
    """A lead unit's monthly report on one project."""

    month: str | None = Field(
        default=None,
        title="月份（默认上个月）",
        description="所报告的月份，例如 2026-03；不填为上个月。"
        "不能是未来的月份，也不能早于项目开始的月份。",
        examples=["2026-03"],
    )
    progress: float = Field(title="累计进度（%，0–100）", examples=[45])
    done: str = Field(max_length=TEXT_MAX, title="本月完成情况")
    problems: str = Field(default="", max_length=TEXT_MAX, title="存在问题")
    next_steps: str = Field(default="", max_length=TEXT_MAX, title="下步计划")
    regress_reason: str = Field(
        default="",
        max_length=TEXT_MAX,
        title="进度回退原因",
        description="进度或某项指标的累计数低于上次报告时必须填写。",
    )
    results: list[ResultIn] = Field(default_factory=list, title="各项指标的累计完成数")

    _clean = field_validator("done", "problems", "next_steps", "regress_reason", mode="before")(
        clean_text
    )

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not MONTH.match(value.strip()):
            raise ValueError(MONTH_FORMAT)
        return value.strip()

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: object) -> object:
        value = number(value, empty="请填写累计进度")
        if isinstance(value, float) and not 0 <= value <= 100:
            raise ValueError(PERCENT_RANGE)
        return round(value, 1) if isinstance(value, float) else value

    @field_validator("done")
    @classmethod
    def _done(cls, value: str) -> str:
        if not value:
            raise ValueError("请填写本月完成情况")
        return value

    @field_validator("results")
    @classmethod
    def _one_each(cls, value: list[ResultIn]) -> list[ResultIn]:
        ids = [r.target_id for r in value]
        if len(ids) != len(set(ids)):
            raise ValueError("同一项指标只能填写一次")
        return value


class ReportCorrection(ReportCreate):
    """A month's report replaced by the programme office, with the reason on the timeline."""

    reason: str = Field(max_length=1000, title="更正原因")

    _clean_reason = field_validator("reason", mode="before")(clean_text)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value:
            raise ValueError("请填写更正原因")
        return value


class ResultRead(BaseModel):
    target_id: int
    target: str
    measure: str
    planned: float
    value: float


class FileRead(BaseModel):
    key: str
    url: str
    filename: str
    content_type: str
    is_photo: bool
    size: int


class ReportRead(BaseModel):
    project: str = Field(title="项目编号")
    month: str
    progress: float
    done: str
    problems: str
    next_steps: str
    regress_reason: str
    results: list[ResultRead]
    files: list[FileRead]
    due_on: dt.date
    filed_at: dt.datetime
    late: bool = Field(title="逾期填报")
    via: str = Field(title="填报方式：form 页面、excel 导入、api 接口")


class ImportRead(BaseModel):
    imported: int = Field(title="导入的月报份数")
    reports: list[ReportRead]


class NoteCreate(BaseModel):
    """A supervisor's note, site visit (with its date) or instruction (with its answer deadline)."""

    kind: NoteKind = Field(title="类型：note 督查意见、site_visit 现场检查、instruction 督办指令")
    text: str = Field(max_length=TEXT_MAX, title="内容")
    visited_on: dt.date | None = Field(default=None, title="检查日期（现场检查必填）")
    answer_by: dt.date | None = Field(default=None, title="答复期限（督办指令必填）")

    _clean = field_validator("text", mode="before")(clean_text)

    @field_validator("visited_on", "answer_by", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError("请按 2026-03-15 的格式填写日期") from None
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value:
            raise ValueError("请填写内容")
        return value


class AnswerIn(BaseModel):
    """The lead unit's answer to an instruction."""

    answer: str = Field(max_length=TEXT_MAX, title="答复内容")

    _clean = field_validator("answer", mode="before")(clean_text)

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str) -> str:
        if not value:
            raise ValueError("请填写答复内容")
        return value


class NoteRead(BaseModel):
    id: int
    project: str
    kind: NoteKind
    kind_label: str
    text: str
    visited_on: dt.date | None
    answer_by: dt.date | None
    written_at: dt.datetime
    written_by: str
    answer: str
    answered_at: dt.datetime | None
    answered_by: str
    overdue: bool = Field(title="督办指令逾期未答复")
