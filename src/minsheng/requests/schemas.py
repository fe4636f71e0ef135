"""What goes in and out of the requests API: submission, the public view, the staff view."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field, field_validator

from minsheng.core.text import normalize_mobile
from minsheng.requests.models import Channel, Priority, Status

# Control characters other than tab and line breaks: PostgreSQL cannot store NUL, and none of
# them is anything a resident typed on purpose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


class Contact(BaseModel):
    name: str = Field(default="", max_length=40, title="姓名")
    phone: str = Field(default="", max_length=20, title="手机号码")

    _strip_all = field_validator("name", "phone", mode="before")(_strip)

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        if not value:
            return ""
        normalized = normalize_mobile(value)
        if normalized is None:
            raise ValueError("请填写 11 位手机号码，例如 13812345678")
        return normalized


class RequestCreate(BaseModel):
    """A new request. `received_at` is honoured only from staff (when the call came in)."""

    category: str = Field(min_length=1, max_length=40, title="分类代码", examples=["urban.stall"])
    title: str = Field(min_length=2, max_length=100, title="标题", examples=["夜市摊贩占用人行道"])
    description: str = Field(
        min_length=5,
        max_length=4000,
        title="详细描述",
        examples=["每天晚上七点后，青阳路人行道被摊贩占满，行人只能走机动车道。"],
    )
    town: str = Field(
        default="",
        max_length=12,
        title="所在区镇（区划代码；扫码和物业报修时可不填）",
        examples=["320583101"],
    )
    community: str | None = Field(default=None, max_length=12, title="社区或村（区划编号或代码）")
    address: str = Field(default="", max_length=200, title="详细地址")
    latitude: float | None = Field(default=None, ge=-90, le=90, title="纬度")
    longitude: float | None = Field(default=None, ge=-180, le=180, title="经度")
    channel: Channel = Field(default=Channel.web, title="渠道")
    contact: Contact | None = Field(default=None, title="联系方式")
    confidential: bool = Field(default=False, title="为我保密身份")
    received_at: dt.datetime | None = Field(default=None, title="受理时间（话务员填写）")
    priority: Priority = Field(default=Priority.normal, title="紧急程度（工作人员填写）")
    box: str | None = Field(default=None, max_length=16, title="意见箱编码（扫码反映）")
    estate: int | None = Field(default=None, title="小区编号（物业报修）")
    building: str = Field(default="", max_length=40, title="楼栋")
    reception_day: int | None = Field(default=None, title="接待日编号（代表接待日）")

    _strip_all = field_validator(
        "category",
        "title",
        "description",
        "town",
        "community",
        "address",
        "box",
        "building",
        mode="before",
    )(_strip)

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("受理时间需带时区，例如 2026-11-26T09:30:00+08:00")
        return value


class RequestCreated(BaseModel):
    tracking_number: str
    status: Status
    status_label: str
    unit: str | None
    response_due_at: dt.datetime
    resolve_due_at: dt.datetime
    follow_url: str


class EventPublic(BaseModel):
    at: dt.datetime
    kind: str
    label: str
    text: str


class RequestPublic(BaseModel):
    """What anyone with the tracking number may see: no personal data."""

    tracking_number: str
    status: Status
    status_label: str
    category: str
    title: str
    channel: Channel
    town: str | None
    unit: str | None
    received_at: dt.datetime
    response_due_at: dt.datetime
    resolve_due_at: dt.datetime
    closed_at: dt.datetime | None
    timeline: list[EventPublic]


class EventStaff(EventPublic):
    public: bool = Field(description="反映人是否看得到这一条")
    actor: str = Field(description="谁做的")
    unit: str | None = Field(description="以哪个单位的名义")


class RequestStaff(RequestPublic):
    """What the handling unit, operators and supervisors see; the contact masked unless allowed."""

    timeline: list[EventStaff]  # type: ignore[assignment]

    id: int
    description: str
    address: str
    community: str | None
    contact_name: str
    contact_phone: str
    confidential: bool
    reopen_count: int
    version: int
