"""What goes in for batches and projects (API bodies and staff forms alike).

Rules that need more than one field of a row (end after start, milestones inside the project and
rising with their dates) are checked in catalogue.py, on the values as they will be saved, so a
partial change through the API is judged like a full form.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, Field, field_validator

from minsheng.projects.models import AREAS, Stage

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,19}$")
PHONE = re.compile(r"^[0-9][0-9-]{6,19}$")
MAX_TARGETS = 20
MAX_MILESTONES = 24
MAX_LINKS = 200
VERSION = Field(
    ge=1,
    title="您看到的版本号",
    description="取自项目的 version；别人先改过时返回 409（code 为 stale），请刷新后再操作",
)


def text(value: object) -> object:
    """Stripped text without control characters (PostgreSQL cannot store NUL)."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


def day(value: object) -> object:
    if isinstance(value, str):
        cleaned = value.strip()
        if not cleaned:
            return None
        try:
            return dt.date.fromisoformat(cleaned)
        except ValueError:
            raise ValueError("请按 2026-03-15 的格式填写日期") from None
    return value


def number(value: object) -> object:
    """A number typed in a form: full-width digits and thousands separators are fine."""
    if isinstance(value, str):
        cleaned = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        if not cleaned:
            return None
        try:
            return float(cleaned)
        except ValueError:
            raise ValueError("请填写数字") from None
    if isinstance(value, bool):
        raise ValueError("请填写数字")
    return value


def _required_date(value: dt.date | None, message: str) -> dt.date:
    if value is None:
        raise ValueError(message)
    return value


def _links(value: object) -> object:
    """Numbers typed one a line or separated by commas; duplicates dropped."""
    if isinstance(value, str):
        value = re.split(r"[\s,，、;；]+", value)
    if not isinstance(value, list):
        return value
    seen: list[str] = []
    for item in value:
        cleaned = text(item)
        if isinstance(cleaned, str) and cleaned and cleaned.upper() not in seen:
            seen.append(cleaned.upper())
    return seen


class TargetIn(BaseModel):
    """A measurable target: 惠及企业 40000 家. The unit of measure is required."""

    id: int | None = Field(default=None, title="目标编号（修改已有目标时填写）")
    name: str = Field(title="目标名称", examples=["惠及企业"])
    measure: str = Field(title="计量单位", examples=["家"])
    planned: float | None = Field(title="计划数", examples=[40000])

    _number = field_validator("planned", mode="before")(number)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> object:
        cleaned = text(value)
        if not cleaned:
            raise ValueError("请填写目标名称，例如 惠及企业")
        if isinstance(cleaned, str) and len(cleaned) > 100:
            raise ValueError("目标名称最多 100 个字")
        return cleaned

    @field_validator("measure", mode="before")
    @classmethod
    def _measure(cls, value: object) -> object:
        cleaned = text(value)
        if not cleaned:
            raise ValueError("请填写计量单位，例如 家、处、场、人次")
        if isinstance(cleaned, str) and len(cleaned) > 20:
            raise ValueError("计量单位最多 20 个字")
        return cleaned

    @field_validator("planned")
    @classmethod
    def _planned(cls, value: float | None) -> float:
        if value is None:
            raise ValueError("请填写计划数")
        if not value > 0 or value > 1e12:
            raise ValueError("计划数必须大于 0")
        return value


class MilestoneIn(BaseModel):
    """A dated point of the plan: by `due_on` the project stands at `planned_percent`."""

    id: int | None = Field(default=None, title="节点编号（修改已有节点时填写）")
    title: str = Field(title="节点名称", examples=["完成排查"])
    due_on: dt.date | None = Field(title="计划完成日期", examples=["2026-05-31"])
    planned_percent: float | None = Field(title="计划进度（%）", examples=[50])

    _due = field_validator("due_on", mode="before")(day)
    _percent = field_validator("planned_percent", mode="before")(number)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> object:
        cleaned = text(value)
        if not cleaned:
            raise ValueError("请填写节点名称")
        if isinstance(cleaned, str) and len(cleaned) > 200:
            raise ValueError("节点名称最多 200 个字")
        return cleaned

    @field_validator("due_on")
    @classmethod
    def _due_given(cls, value: dt.date | None) -> dt.date:
        return _required_date(value, "请填写计划完成日期")

    @field_validator("planned_percent")
    @classmethod
    def _percent_range(cls, value: float | None) -> float:
        if value is None:
            raise ValueError("请填写计划进度")
        if not 0 <= value <= 100:
            raise ValueError("进度百分比应在 0 到 100 之间")
        return value


class ProjectDetails(BaseModel):
    """What the lead unit may keep up to date itself: the description and its responsible person."""

    description: str = Field(default="", max_length=4000, title="项目内容")
    responsible_person: str = Field(default="", max_length=40, title="责任领导（公开）")
    responsible_phone: str = Field(default="", max_length=20, title="联系电话（仅工作人员可见）")

    _text = field_validator("description", "responsible_person", mode="before")(text)

    @field_validator("responsible_phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        cleaned = text(value)
        if not cleaned or not isinstance(cleaned, str):
            return cleaned
        normal = unicodedata.normalize("NFKC", cleaned).replace(" ", "")
        if not PHONE.match(normal):
            raise ValueError("请填写电话号码，例如 0512-57311004 或 13812345678")
        return normal


# The fields that make the plan: only the programme office (MANAGE_PROJECTS) changes them.
PLAN_FIELDS = frozenset(
    {
        "title",
        "area",
        "lead_unit_id",
        "co_unit_ids",
        "budget_wan",
        "start_on",
        "end_on",
        "weight",
        "targets",
        "milestones",
        "request_numbers",
        "proposal_numbers",
        "public",
    }
)
DETAIL_FIELDS = frozenset(ProjectDetails.model_fields)


class ProjectFields(ProjectDetails):
    """A project's plan and details, as saved."""

    title: str = Field(min_length=2, max_length=100, title="项目名称")
    area: str = Field(title="领域", examples=["business"])
    lead_unit_id: int | None = Field(title="牵头单位（单位编号）")
    co_unit_ids: list[int] = Field(default_factory=list, max_length=30, title="配合单位")
    budget_wan: float | None = Field(default=None, title="预算（万元）")
    start_on: dt.date | None = Field(title="开始日期", examples=["2026-03-01"])
    end_on: dt.date | None = Field(title="完成期限", examples=["2026-12-31"])
    weight: float = Field(default=1.0, title="权重（汇总进度时使用）")
    targets: list[TargetIn] = Field(default_factory=list, max_length=MAX_TARGETS, title="目标")
    milestones: list[MilestoneIn] = Field(
        default_factory=list, max_length=MAX_MILESTONES, title="进度节点"
    )
    request_numbers: list[str] = Field(
        default_factory=list, max_length=MAX_LINKS, title="来源诉求编号"
    )
    proposal_numbers: list[str] = Field(
        default_factory=list, max_length=MAX_LINKS, title="来源建议编号"
    )
    public: bool = Field(default=True, title="在公开网站显示")

    _days = field_validator("start_on", "end_on", mode="before")(day)
    _numbers = field_validator("budget_wan", "weight", mode="before")(number)
    _link_lists = field_validator("request_numbers", "proposal_numbers", mode="before")(_links)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> object:
        cleaned = text(value)
        if cleaned in (None, ""):
            raise ValueError("请填写项目名称")
        return cleaned

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if value not in AREAS:
            raise ValueError("请从列表中选择领域")
        return value

    @field_validator("lead_unit_id")
    @classmethod
    def _lead(cls, value: int | None) -> int:
        if value is None:
            raise ValueError("请选择牵头单位")
        return value

    @field_validator("start_on")
    @classmethod
    def _start(cls, value: dt.date | None) -> dt.date:
        return _required_date(value, "请填写开始日期")

    @field_validator("end_on")
    @classmethod
    def _end(cls, value: dt.date | None) -> dt.date:
        return _required_date(value, "请填写完成期限")

    @field_validator("budget_wan")
    @classmethod
    def _budget(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 1e9:
            raise ValueError("预算不能是负数")
        return value

    @field_validator("weight", mode="before")
    @classmethod
    def _weight_given(cls, value: object) -> object:
        return 1.0 if value is None else value

    @field_validator("weight")
    @classmethod
    def _weight(cls, value: float) -> float:
        if not 0 < value <= 1000:
            raise ValueError("权重必须大于 0（不超过 1000），一般填 1")
        return value

    @field_validator("targets")
    @classmethod
    def _some_target(cls, value: list[TargetIn]) -> list[TargetIn]:
        if not value:
            raise ValueError("请至少填写一项可衡量的目标，例如 惠及企业 40000 家")
        return value


class ProjectCreate(ProjectFields):
    batch: str = Field(title="批次编号", examples=["2026-1"])
    code: str = Field(default="", title="项目编号（不填则按批次自动编号）", examples=["2026-1-001"])
    stage: Stage = Field(
        default=Stage.running,
        title="阶段",
        description="candidate（候选，待票决）、chosen（已确定，待公示）或 running（实施中）",
    )

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        cleaned = text(value)
        if cleaned and (not isinstance(cleaned, str) or not CODE.match(cleaned)):
            raise ValueError("编号只能用字母、数字和短横线，最多 20 个字符，例如 2026-1-001")
        return cleaned or ""

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: Stage) -> Stage:
        if value not in (Stage.candidate, Stage.chosen, Stage.running):
            raise ValueError("新项目只能是候选、已确定或实施中")
        return value


class ProjectPatch(BaseModel):
    """A change to some fields of a project; the rest stay as they are."""

    model_config = {"extra": "forbid"}

    version: int = VERSION
    description: str | None = None
    responsible_person: str | None = None
    responsible_phone: str | None = None
    title: str | None = None
    area: str | None = None
    lead_unit_id: int | None = None
    co_unit_ids: list[int] | None = None
    budget_wan: float | None = None
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    weight: float | None = None
    targets: list[dict[str, Any]] | None = None
    milestones: list[dict[str, Any]] | None = None
    request_numbers: list[str] | None = None
    proposal_numbers: list[str] | None = None
    public: bool | None = None


class CompleteIn(BaseModel):
    completed_on: dt.date | None = Field(default=None, title="完成日期（不填为今天）")
    version: int = VERSION

    _day = field_validator("completed_on", mode="before")(day)


class StopIn(BaseModel):
    reason: str = Field(
        title="终止原因（公开）", examples=["因规划调整，项目并入2027年城市更新计划"]
    )
    version: int = VERSION

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> object:
        cleaned = text(value)
        if not isinstance(cleaned, str) or len(cleaned) < 5:
            raise ValueError("请写明终止的原因（至少 5 个字），它会公开在项目页上")
        if len(cleaned) > 1000:
            raise ValueError("终止原因最多 1000 个字")
        return cleaned


class StartIn(BaseModel):
    version: int = VERSION
