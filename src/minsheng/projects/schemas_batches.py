"""What goes in for batches (API bodies and staff forms alike); the rules between fields (the
call closes after it opens, the vote's window) are checked in catalogue.py."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from minsheng.projects.schemas_catalogue import CODE, day, number, text


class BatchFields(BaseModel):
    """A batch as staff edit it: everything but its code, which is in its addresses."""

    name: str = Field(min_length=2, max_length=100, title="批次名称", examples=["2026年第一批"])
    scope: str = Field(default="", max_length=4000, title="征集范围")
    collect_from: dt.date | None = Field(title="征集开始日期", examples=["2026-01-01"])
    collect_until: dt.date | None = Field(title="征集截止日期", examples=["2026-01-31"])
    report_day: int = Field(default=5, title="每月报送日（1–28 日）", examples=[5])
    vote_opens_at: dt.datetime | None = Field(default=None, title="票决开始时间")
    vote_closes_at: dt.datetime | None = Field(default=None, title="票决截止时间")
    public: bool = Field(default=True, title="在公开网站显示")

    _text = field_validator("name", "scope", mode="before")(text)
    _days = field_validator("collect_from", "collect_until", mode="before")(day)

    @field_validator("vote_opens_at", "vote_closes_at", mode="before")
    @classmethod
    def _moment(cls, value: object) -> object:
        if isinstance(value, str):
            cleaned = value.strip()
            if not cleaned:
                return None
            try:
                moment = dt.datetime.fromisoformat(cleaned)
            except ValueError:
                raise ValueError("请按 2026-02-10 09:00 的格式填写时间") from None
            return moment
        return value

    @field_validator("report_day", mode="before")
    @classmethod
    def _report_day(cls, value: object) -> object:
        parsed = number(value)
        if not isinstance(parsed, int | float) or not float(parsed).is_integer():
            raise ValueError("请填写 1 到 28 之间的整数")
        if not 1 <= parsed <= 28:
            raise ValueError("报送日应在每月 1 日到 28 日之间（每个月都有的日子）")
        return int(parsed)


class BatchCreate(BatchFields):
    code: str = Field(title="批次编号（用于网址）", examples=["2026-1"])

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        cleaned = text(value)
        if not isinstance(cleaned, str) or not CODE.match(cleaned):
            raise ValueError("编号只能用字母、数字和短横线，最多 20 个字符，例如 2026-1")
        return cleaned


class BatchUpdate(BatchFields):
    pass


class BatchPatch(BaseModel):
    """A change to some fields of a batch; its code stays (it is in the addresses)."""

    model_config = {"extra": "forbid"}

    name: str | None = None
    scope: str | None = None
    collect_from: dt.date | None = None
    collect_until: dt.date | None = None
    report_day: int | None = None
    vote_opens_at: dt.datetime | None = None
    vote_closes_at: dt.datetime | None = None
    public: bool | None = None
