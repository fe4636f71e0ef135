"""What goes in and out of the handling API: the staff list, each handling step, extensions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from minsheng.requests.models import Channel, DueColour, ExtensionStatus, Outcome, Priority, Status
from minsheng.requests.schemas import _strip

VERSION = Field(
    ge=1,
    title="您看到的版本号",
    description="取自诉求的 version；别人先处理过时返回 409（code 为 stale），请刷新后再操作",
    examples=[3],
)


class RequestRow(BaseModel):
    """One line of the staff list; the contact masked as in the full staff view."""

    id: int
    tracking_number: str
    status: Status
    status_label: str
    priority: Priority
    priority_label: str
    category: str
    title: str
    channel: Channel
    town: str | None
    unit: str | None
    unit_id: int | None
    co_units: list[str] = Field(description="协办单位")
    received_at: dt.datetime
    response_due_at: dt.datetime
    resolve_due_at: dt.datetime
    due_colour: DueColour
    flagged: bool = Field(description="重办或督办，督查人员需关注")
    reopen_count: int
    contact_name: str
    contact_phone: str
    version: int


class RequestsPage(BaseModel):
    """A page of the staff list, newest first, with the count in each status under the
    same filters (the status filter aside)."""

    items: list[RequestRow]
    total: int
    limit: int
    offset: int
    counts: dict[Status, int]


class VersionOnly(BaseModel):
    version: int = VERSION


class DispatchIn(BaseModel):
    """派单或改派。"""

    unit_id: int = Field(title="承办单位编号", examples=[8])
    note: str = Field(default="", max_length=500, title="派单说明", examples=["请尽快到现场核实"])
    version: int = VERSION

    _strip_all = field_validator("note", mode="before")(_strip)


class ReturnIn(BaseModel):
    """退回派单中心，写明理由。"""

    reason: str = Field(
        max_length=500, title="退回理由", examples=["该路段属于高新区管辖，请改派高新区管委会"]
    )
    version: int = VERSION

    _strip_all = field_validator("reason", mode="before")(_strip)


class CoUnitIn(BaseModel):
    unit_id: int = Field(title="协办单位编号", examples=[12])
    task: str = Field(default="", max_length=500, title="协办任务", examples=["负责清理占道摊位"])

    _strip_all = field_validator("task", mode="before")(_strip)


class SplitIn(BaseModel):
    """拆分：一个主办单位答复群众，协办单位各办一部分。"""

    lead_unit_id: int = Field(title="主办单位编号", examples=[8])
    co_units: list[CoUnitIn] = Field(min_length=1, max_length=10, title="协办单位")
    version: int = VERSION


class MergeIn(BaseModel):
    """合并：把这件重复的诉求并入更早受理的那件。"""

    into: str = Field(
        min_length=1, max_length=30, title="并入的诉求编号", examples=["KS20261126-0001"]
    )
    version: int = VERSION

    _strip_all = field_validator("into", mode="before")(_strip)


class TextIn(BaseModel):
    """办理记录（仅工作人员可见）或给群众的答复。"""

    text: str = Field(
        max_length=4000, title="内容", examples=["已到现场查看，摊贩已劝离，明日起每晚巡查。"]
    )
    version: int = VERSION

    _strip_all = field_validator("text", mode="before")(_strip)


class PartDoneIn(BaseModel):
    """协办单位报告本单位的部分已完成。"""

    text: str = Field(max_length=2000, title="协办情况", examples=["已清理占道摊位 6 处。"])

    _strip_all = field_validator("text", mode="before")(_strip)


class CloseIn(BaseModel):
    """办结：结果和给群众的最终答复。"""

    outcome: Outcome = Field(title="办理结果", examples=["resolved"])
    text: str = Field(
        max_length=4000, title="办结答复", examples=["漏水点已修复，经回访确认不再渗水。"]
    )
    version: int = VERSION

    _strip_all = field_validator("text", mode="before")(_strip)


class ExtensionIn(BaseModel):
    """申请延期若干个工作日。"""

    days: int = Field(title="延期工作日数", examples=[5])
    reason: str = Field(
        max_length=1000, title="延期理由", examples=["需等待材料到货后施工，预计一周"]
    )

    _strip_all = field_validator("reason", mode="before")(_strip)


class DecisionIn(BaseModel):
    """督查人员审批延期；不同意时须写明理由。"""

    approve: bool = Field(title="是否同意", examples=[True])
    note: str = Field(default="", max_length=1000, title="审批意见")

    _strip_all = field_validator("note", mode="before")(_strip)


class ExtensionRead(BaseModel):
    id: int
    tracking_number: str
    unit: str | None
    days: int
    reason: str
    status: ExtensionStatus
    status_label: str
    requested_at: dt.datetime
    due_before: dt.datetime = Field(description="申请时的办结期限")
    due_after: dt.datetime | None = Field(description="同意后的办结期限")
    decided_at: dt.datetime | None
    decision_note: str


class PhotoRead(BaseModel):
    key: str
    url: str = Field(description="照片地址", examples=["/photos/Zk3v…"])
    content_type: str
    width: int
    height: int
