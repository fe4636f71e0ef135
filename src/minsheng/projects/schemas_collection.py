"""What goes in and out of 征集公示: proposals, answers, comments, votes, notices, objections.

The same schemas read the API's JSON and the pages' forms (web.forms.parse), so a rule such as
"not adopted needs a reason" is checked once, in the service, whichever way the input came.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from minsheng.core.text import normalize_mobile
from minsheng.projects.models import AREAS
from minsheng.projects.models_collection import (
    Moderation,
    ProposalSource,
    ProposalStatus,
    VoteChoice,
)

# Control characters other than tab and line breaks: PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


def _date(value: object) -> object:
    """A date typed in a form, as 2026-03-15; empty is "not filled in"."""
    if isinstance(value, str):
        cleaned = value.strip()
        if not cleaned:
            raise ValueError("请填写日期，例如 2026-03-15")
        try:
            return dt.date.fromisoformat(cleaned)
        except ValueError:
            raise ValueError("请按 2026-03-15 的格式填写日期") from None
    return value


def _moment(value: object) -> object:
    """A time typed in a form (2026-11-26 09:30, or a datetime-local field's 2026-11-26T09:30)."""
    if isinstance(value, str):
        cleaned = value.strip()
        if not cleaned:
            raise ValueError("请填写时间，例如 2026-11-26 09:30")
        try:
            return dt.datetime.fromisoformat(cleaned)
        except ValueError:
            raise ValueError("请按 2026-11-26 09:30 的格式填写时间") from None
    return value


def _number(value: object) -> object:
    """A number typed in a form: full-width digits and thousands separators are fine."""
    if isinstance(value, str):
        cleaned = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        if not cleaned:
            return None
        try:
            return float(cleaned)
        except ValueError:
            raise ValueError("请填写数字") from None
    return value


def _mobile(value: str) -> str:
    if not value:
        return ""
    normalized = normalize_mobile(value)
    if normalized is None:
        raise ValueError("请填写 11 位手机号码，例如 13812345678")
    return normalized


class ProposalCreate(BaseModel):
    """One idea for a practical project (一事一议: one idea per proposal)."""

    batch: str = Field(min_length=1, max_length=20, title="征集批次编号", examples=["2026-1"])
    area: str = Field(min_length=1, max_length=20, title="领域", examples=["elderly"])
    title: str = Field(
        min_length=4, max_length=100, title="建议标题", examples=["老旧小区加装电梯"]
    )
    what: str = Field(
        min_length=10,
        max_length=4000,
        title="建议办什么",
        examples=["为玉山镇建成二十年以上的多层住宅加装电梯，先做有意愿的楼栋。"],
    )
    why: str = Field(default="", max_length=4000, title="为什么要办")
    approach: str = Field(default="", max_length=4000, title="建议怎么办")
    name: str = Field(default="", max_length=40, title="称呼（选填，不公开）")
    phone: str = Field(default="", max_length=20, title="手机号码（选填，不公开；用于告知答复）")

    _strip_all = field_validator(
        "batch", "area", "title", "what", "why", "approach", "name", "phone", mode="before"
    )(_strip)

    @field_validator("area")
    @classmethod
    def _known_area(cls, value: str) -> str:
        if value not in AREAS:
            raise ValueError("请从列表中选择领域")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _mobile(value)


class ProposalEntry(ProposalCreate):
    """A proposal entered by staff: from a unit (部门申报) or a deputy (代表建议)."""

    source: Literal[ProposalSource.unit, ProposalSource.deputy] = Field(title="来源")
    unit_id: int | None = Field(default=None, title="申报单位（来源为部门时）")
    deputy_id: int | None = Field(default=None, title="提出建议的代表（来源为代表时）")


class ProposalFromRequests(ProposalCreate):
    """A cluster of citizen requests turned into one proposal (问题清单 → 履职清单)."""

    requests: list[str] = Field(
        min_length=1, max_length=200, title="诉求编号", examples=[["KS20261126-0001"]]
    )


class ProposalAnswer(BaseModel):
    """The official answer: accepted, merged into another proposal, or not adopted (reason)."""

    status: Literal[ProposalStatus.accepted, ProposalStatus.merged, ProposalStatus.not_adopted] = (
        Field(title="答复结果")
    )
    answer: str = Field(default="", max_length=2000, title="答复意见（不予采纳时必须说明理由）")
    merged_into: str = Field(default="", max_length=20, title="并入的建议编号（合并时）")

    _strip_all = field_validator("answer", "merged_into", mode="before")(_strip)


class ProposalPublic(BaseModel):
    """A proposal as anyone may read it: never the proposer's name or phone."""

    number: str
    batch: str
    batch_name: str
    source: ProposalSource
    source_label: str
    area: str
    area_label: str
    title: str
    what: str
    why: str
    approach: str
    status: ProposalStatus
    status_label: str
    answer: str
    answered_at: dt.datetime | None
    merged_into: str | None = Field(title="并入的建议编号")
    project: str | None = Field(title="据此形成的候选项目编号")
    support_count: int
    created_at: dt.datetime


class ProposalsPage(BaseModel):
    items: list[ProposalPublic]
    total: int
    limit: int
    offset: int


class CommentCreate(BaseModel):
    name: str = Field(default="", max_length=40, title="称呼（选填，公开时只显示姓）")
    text: str = Field(min_length=2, max_length=1000, title="评论")

    _strip_all = field_validator("name", "text", mode="before")(_strip)


class Moderate(BaseModel):
    status: Literal[Moderation.approved, Moderation.rejected] = Field(title="审核结果")
    note: str = Field(default="", max_length=200, title="审核说明")

    _strip_all = field_validator("note", mode="before")(_strip)


class VoteCast(BaseModel):
    choice: VoteChoice = Field(title="表决意见：approve 赞成，oppose 反对，abstain 弃权")


class VoteWindow(BaseModel):
    opens_at: dt.datetime = Field(title="票决开始时间")
    closes_at: dt.datetime = Field(title="票决截止时间")

    _moments = field_validator("opens_at", "closes_at", mode="before")(_moment)

    @field_validator("closes_at")
    @classmethod
    def _after_opening(cls, value: dt.datetime, info: ValidationInfo) -> dt.datetime:
        opens = info.data.get("opens_at")
        if opens is not None and value <= opens:
            raise ValueError("截止时间必须晚于开始时间")
        return value


class CandidateTally(BaseModel):
    """One candidate's counts; never who voted how."""

    code: str
    title: str
    lead_unit: str
    approve: int
    oppose: int
    abstain: int
    voted: int = Field(title="参加表决的代表人数")
    chosen: bool = Field(title="赞成票超过参加表决代表人数的一半")
    stage: str
    stage_label: str


class BatchVotes(BaseModel):
    batch: str
    name: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    published_at: dt.datetime | None
    rule: str
    candidates: list[CandidateTally]


class VoteRead(BaseModel):
    project: str
    choice: VoteChoice
    choice_label: str
    cast_at: dt.datetime


class NoticeCreate(BaseModel):
    title: str = Field(min_length=4, max_length=200, title="公示标题")
    body: str = Field(default="", max_length=10000, title="公示正文")
    objection_from: dt.date = Field(title="异议期开始日期")
    objection_until: dt.date = Field(title="异议期截止日期")
    contact: str = Field(min_length=4, max_length=200, title="受理异议的部门和电话")

    _strip_all = field_validator("title", "body", "contact", mode="before")(_strip)
    _dates = field_validator("objection_from", "objection_until", mode="before")(_date)

    @field_validator("objection_until")
    @classmethod
    def _after_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("objection_from")
        if start is not None and value < start:
            raise ValueError("异议期截止日期不能早于开始日期")
        return value


class ObjectionCreate(BaseModel):
    name: str = Field(default="", max_length=40, title="称呼（选填，不公开）")
    phone: str = Field(default="", max_length=20, title="手机号码（选填，不公开）")
    project: str = Field(default="", max_length=20, title="针对的项目编号（选填）")
    text: str = Field(min_length=5, max_length=2000, title="异议内容")

    _strip_all = field_validator("name", "phone", "project", "text", mode="before")(_strip)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _mobile(value)


class AnswerText(BaseModel):
    answer: str = Field(min_length=1, max_length=2000, title="答复")

    _strip_all = field_validator("answer", mode="before")(_strip)


class TargetIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, title="目标名称")
    measure: str = Field(min_length=1, max_length=20, title="计量单位")
    planned: float = Field(le=1e12, title="目标值")

    _strip_all = field_validator("name", "measure", mode="before")(_strip)

    @field_validator("planned", mode="before")
    @classmethod
    def _planned(cls, value: object) -> object:
        value = _number(value)
        if value is None:
            raise ValueError("请填写目标值")
        return value

    @field_validator("planned")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("目标值必须大于 0")
        return value


class CandidateCreate(BaseModel):
    """A candidate project made from accepted proposals (候选项目)."""

    proposals: list[str] = Field(min_length=1, max_length=50, title="依据的建议编号")
    title: str = Field(min_length=4, max_length=100, title="项目名称")
    description: str = Field(default="", max_length=4000, title="项目内容")
    area: str = Field(min_length=1, max_length=20, title="领域")
    lead_unit_id: int = Field(title="牵头单位")
    responsible_person: str = Field(default="", max_length=40, title="责任领导")
    budget_wan: float | None = Field(default=None, ge=0, le=1e9, title="预算（万元）")
    start_on: dt.date = Field(title="计划开始日期")
    end_on: dt.date = Field(title="计划完成日期")
    targets: list[TargetIn] = Field(min_length=1, max_length=20, title="目标")

    _strip_all = field_validator("title", "description", "responsible_person", mode="before")(
        _strip
    )
    _dates = field_validator("start_on", "end_on", mode="before")(_date)
    _numbers = field_validator("budget_wan", mode="before")(_number)

    @field_validator("area")
    @classmethod
    def _known_area(cls, value: str) -> str:
        if value not in AREAS:
            raise ValueError("请从列表中选择领域")
        return value

    @field_validator("end_on")
    @classmethod
    def _after_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_on")
        if start is not None and value < start:
            raise ValueError("计划完成日期不能早于开始日期")
        return value
