"""绩效评估 and 建章立制 as the API and the forms read and write them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from minsheng.accounts.schemas import OtpRequest, OtpVerify
from minsheng.feedback.models import Satisfaction
from minsheng.projects.models_review import MechanismKind

IndicatorCode = Literal["progress", "timeliness", "targets", "quality", "satisfaction"]


class IndicatorIn(BaseModel):
    code: IndicatorCode = Field(title="指标")
    label: str = Field(min_length=1, max_length=40, title="名称")
    weight: float = Field(ge=0, le=100, title="权重")


class SchemeIn(BaseModel):
    """The whole scheme of a batch; it replaces the one before. Weights add up to 100."""

    indicators: list[IndicatorIn] = Field(min_length=1, max_length=5)


class IndicatorRead(IndicatorIn):
    pass


class SchemeRead(BaseModel):
    batch: str
    saved: bool = Field(description="false：批次还没有保存方案，显示的是默认方案")
    indicators: list[IndicatorRead]


class QualityIn(BaseModel):
    score: float = Field(ge=0, le=100, title="质量评分")
    note: str = Field(min_length=2, max_length=1000, title="评分理由")


class QualityRead(BaseModel):
    project: str
    score: float
    note: str
    scored_at: dt.datetime


class RatingIn(BaseModel):
    """A resident's answer: how satisfied, and an optional comment only staff read."""

    satisfaction: Satisfaction = Field(title="满意程度", examples=["satisfied"])
    comment: str = Field(default="", max_length=500, title="意见建议（可不填）")
    via: Literal["page", "site"] = Field(
        default="page", title="来源：page 项目页面，site 现场二维码"
    )


class RatingCodeIn(OtpRequest):
    """Asks for the one-time code that confirms the phone before rating."""


class ResidentRatingIn(RatingIn, OtpVerify):
    """The API's rating: the phone and the code sent to it, then the answer."""


class DeputyRatingIn(BaseModel):
    satisfaction: Satisfaction = Field(title="测评意见")
    comment: str = Field(default="", max_length=500, title="意见（可不填）")


class DeputySummary(BaseModel):
    rated: int
    satisfied: int
    result: Literal["满意", "不满意"] | None = Field(
        description="超过半数参评代表选择“满意”为满意；无人测评时为 null"
    )


class SatisfactionRead(BaseModel):
    """Counts only: who rated and what they wrote are never public."""

    ratings: int
    satisfied: int
    basic: int
    dissatisfied: int
    rate: float | None = Field(description="满意率 0-100；无人评价时为 null")
    deputy: DeputySummary


class RatingRead(BaseModel):
    project: str
    satisfaction: Satisfaction
    satisfaction_label: str
    via: str
    rated_at: dt.datetime
    summary: SatisfactionRead


class ScoreRead(BaseModel):
    code: str
    label: str
    weight: float = Field(description="方案中的权重")
    effective_weight: float = Field(description="无数据指标的权重按比例分配后实际使用的权重")
    value: float | None = Field(description="0-100；无数据时为 null")
    evidence: str = Field(description="得分所依据的数字和算式")


class ProjectScoreRead(BaseModel):
    code: str
    title: str
    lead_unit: str
    stage: str
    total: float | None
    rank: int | None
    evidence: str
    scores: list[ScoreRead]


class UnitScoreRead(BaseModel):
    unit: str
    projects: int
    total: float | None = Field(description="所牵头项目总分的平均数")
    rank: int | None


class EvaluationRead(BaseModel):
    batch: str
    on: dt.date
    scheme: SchemeRead
    projects: list[ProjectScoreRead]
    units: list[UnitScoreRead]


class MechanismCreate(BaseModel):
    """A mechanism with its first version, from one or more completed projects."""

    title: str = Field(min_length=2, max_length=200, title="名称")
    kind: MechanismKind = Field(title="类型")
    issuing_unit_id: int = Field(title="发文单位")
    effective_on: dt.date = Field(title="施行日期")
    text: str = Field(default="", max_length=50_000, title="正文")
    note: str = Field(default="", max_length=200, title="说明")
    projects: list[str] = Field(min_length=1, max_length=50, title="来源项目")
    requests: list[str] = Field(default=[], max_length=100, title="来源诉求")


class VersionCreate(BaseModel):
    effective_on: dt.date = Field(title="施行日期")
    text: str = Field(default="", max_length=50_000, title="正文")
    note: str = Field(min_length=2, max_length=200, title="修订说明")


class VersionRead(BaseModel):
    number: int
    effective_on: dt.date
    note: str
    text: str
    file_name: str
    file_url: str | None
    created_at: dt.datetime


class MechanismRead(BaseModel):
    code: str
    title: str
    kind: MechanismKind
    kind_label: str
    issuing_unit: str
    effective_on: dt.date = Field(description="当前版本的施行日期")
    current_version: int
    projects: list[str] = Field(description="来源项目编号")
    requests: int = Field(description="来源诉求件数（编号不公开）")


class MechanismDetail(MechanismRead):
    versions: list[VersionRead]
