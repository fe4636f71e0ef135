"""The rating a resident gives, and the three rates as the API returns them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from minsheng.feedback.models import RatedVia, Satisfaction


class RatingCreate(BaseModel):
    """The two questions asked when a request is closed."""

    resolved: bool = Field(title="问题解决了吗", examples=[True])
    satisfaction: Satisfaction = Field(title="满意程度", examples=["satisfied"])
    reason: str = Field(default="", max_length=500, title="理由（可不填）")


class RatingRead(BaseModel):
    round: int
    resolved: bool
    satisfaction: Satisfaction
    satisfaction_label: str
    reason: str
    via: RatedVia
    reopened: bool


class Rate(BaseModel):
    """One rate with what it is made of, so that a reader can check it."""

    value: float | None = Field(description="0 到 1；没有可计的诉求时为 null")
    numerator: float
    denominator: int
    formula: str


class RatesRow(BaseModel):
    key: str = Field(description="单位编号或区划代码；全市为 all")
    name: str
    response: Rate
    resolution: Rate
    satisfaction: Rate
    requests: int = Field(description="本月受理的诉求数")
    rank: int | None = None


class RatesReport(BaseModel):
    month: str
    by: str
    rows: list[RatesRow]
    city: RatesRow
