"""JSON API for handling requests: the staff list, every handling step, extensions.

Thin: find the request, call the flow, answer the staff view. The flows check who may act.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from minsheng.accounts.deps import CurrentStaff, require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.requests import api_photos, extensions, flows, queries, service
from minsheng.requests.api_photos import TrackingNumber
from minsheng.requests.models import (
    Channel,
    CitizenRequest,
    DueColour,
    Extension,
    ExtensionStatus,
    Status,
)
from minsheng.requests.permissions import SUPERVISE_REQUESTS, VIEW_REQUESTS
from minsheng.requests.schemas import RequestStaff
from minsheng.requests.schemas_handling import (
    CloseIn,
    DecisionIn,
    DispatchIn,
    ExtensionIn,
    ExtensionRead,
    MergeIn,
    PartDoneIn,
    RequestRow,
    RequestsPage,
    ReturnIn,
    SplitIn,
    TextIn,
    VersionOnly,
)

router = APIRouter(tags=["requests"])
router.include_router(api_photos.router)
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_REQUESTS))]
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE_REQUESTS))]


def _row(request: CitizenRequest, staff: StaffPrincipal) -> RequestRow:
    view = service.staff_view(request, staff=staff)
    return RequestRow(
        id=request.id,
        tracking_number=request.tracking_number,
        status=request.status,
        status_label=request.status_label,
        priority=request.priority,
        priority_label=request.priority_label,
        category=request.category.name,
        title=request.title,
        channel=request.channel,
        town=view.town,
        unit=view.unit,
        unit_id=request.unit_id,
        co_units=[c.unit.name for c in request.co_units],
        received_at=request.received_at,
        response_due_at=request.response_due_at,
        resolve_due_at=request.resolve_due_at,
        due_colour=request.due_colour,
        flagged=request.flagged,
        reopen_count=request.reopen_count,
        contact_name=view.contact_name,
        contact_phone=view.contact_phone,
        version=request.version,
    )


def _extension(extension: Extension) -> ExtensionRead:
    request = extension.request
    return ExtensionRead(
        id=extension.id,
        tracking_number=request.tracking_number,
        unit=request.unit.name if request.unit else None,
        days=extension.days,
        reason=extension.reason,
        status=extension.status,
        status_label=extension.status_label,
        requested_at=extension.requested_at,
        due_before=extension.due_before,
        due_after=extension.due_after,
        decided_at=extension.decided_at,
        decision_note=extension.decision_note,
    )


@router.get(
    "/requests",
    response_model=RequestsPage,
    summary="诉求列表（工作人员）",
    description="按状态、超期颜色、分类（含下级分类）、渠道、区镇、承办单位、受理日期、"
    "是否重点关注和关键词筛选，最新受理的在前。只列出您能看到的诉求：话务员和督查人员看全市，"
    "其他人看本单位及下级单位承办或协办的诉求。联系方式按角色脱敏。",
)
def list_requests(
    db: DbSession,
    staff: Viewer,
    status: Annotated[Status | None, Query(description="状态")] = None,
    due: Annotated[DueColour | None, Query(description="超期颜色")] = None,
    category: Annotated[str | None, Query(max_length=40, examples=["urban"])] = None,
    channel: Annotated[Channel | None, Query(description="渠道")] = None,
    town: Annotated[str | None, Query(max_length=12, description="区镇的区划代码")] = None,
    unit_id: Annotated[int | None, Query(description="承办单位编号")] = None,
    received_from: Annotated[dt.date | None, Query(description="受理日期起（含）")] = None,
    received_to: Annotated[dt.date | None, Query(description="受理日期止（含）")] = None,
    flagged: Annotated[bool | None, Query(description="只看重办或督办的")] = None,
    q: Annotated[str | None, Query(max_length=100, description="编号、标题、描述或地址")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RequestsPage:
    if received_from and received_to and received_from > received_to:
        raise InvalidInput({"received_to": "截止日期不能早于起始日期"})
    filters = queries.RequestFilters(
        status=status,
        due_colour=due,
        category=category,
        channel=channel,
        town=town,
        unit_id=unit_id,
        received_from=received_from,
        received_to=received_to,
        flagged=flagged,
        q=q,
    )
    found, total = queries.search(db, staff=staff, filters=filters, limit=limit, offset=offset)
    return RequestsPage(
        items=[_row(r, staff) for r in found],
        total=total,
        limit=limit,
        offset=offset,
        counts=queries.counts_by_status(db, staff=staff, filters=filters),
    )


@router.post(
    "/requests/{tracking_number}/dispatch",
    response_model=RequestStaff,
    summary="派单或改派",
    description="派单中心把待分拣的诉求派给承办单位，或把单位手中的诉求改派。签收时限从现在起算。",
)
def dispatch(
    tracking_number: TrackingNumber, data: DispatchIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.dispatch(
        db, request, staff=staff, unit_id=data.unit_id, note=data.note, version=data.version
    )
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/accept",
    response_model=RequestStaff,
    summary="签收",
    description="承办单位签收派来的诉求；两人同时签收时只有一人成功，另一人得到 409。",
)
def accept(
    tracking_number: TrackingNumber, data: VersionOnly, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.accept(db, request, staff=staff, version=data.version)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/return",
    response_model=RequestStaff,
    summary="退回",
    description="不属于本单位职责时退回派单中心，写明理由（至少 4 个字），派单中心据此改派。",
)
def return_to_centre(
    tracking_number: TrackingNumber, data: ReturnIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.return_to_centre(db, request, staff=staff, reason=data.reason, version=data.version)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/split",
    response_model=RequestStaff,
    summary="拆分（主办与协办）",
    description="派单中心指定一个主办单位答复群众，并请协办单位各办一部分。",
)
def split(
    tracking_number: TrackingNumber, data: SplitIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.split(
        db,
        request,
        staff=staff,
        lead_unit_id=data.lead_unit_id,
        co_units=[(c.unit_id, c.task) for c in data.co_units],
        version=data.version,
    )
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/co-units/{unit_id}/done",
    response_model=RequestStaff,
    summary="协办完成",
    description="协办单位报告本单位承担的部分已完成，供主办单位汇总答复。",
)
def finish_part(
    tracking_number: TrackingNumber,
    unit_id: int,
    data: PartDoneIn,
    db: DbSession,
    staff: CurrentStaff,
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.finish_part(db, request, staff=staff, unit_id=unit_id, text=data.text)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/merge",
    response_model=RequestStaff,
    summary="合并重复诉求",
    description="把这件诉求并入更早受理的同一件事；两位反映人此后都跟踪那一件。",
)
def merge(
    tracking_number: TrackingNumber, data: MergeIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    duplicate = service.get_by_tracking(db, tracking_number=tracking_number)
    try:
        into = service.get_by_tracking(db, tracking_number=data.into)
    except NotFound as exc:
        raise InvalidInput({"into": exc.message}) from None
    flows.merge(db, duplicate, into=into, staff=staff, version=data.version)
    return service.staff_view(duplicate, staff=staff)


@router.post(
    "/requests/{tracking_number}/actions",
    response_model=RequestStaff,
    summary="记录办理情况",
    description="现场查看、电话联系等办理记录，只有工作人员能看到。主办和协办单位都可记录。",
)
def record_action(
    tracking_number: TrackingNumber, data: TextIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.record_action(db, request, staff=staff, text=data.text, version=data.version)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/replies",
    response_model=RequestStaff,
    summary="答复群众",
    description="群众在跟踪页面看到并收到短信提醒。附照片的答复见 /replies/photos。",
)
def reply(
    tracking_number: TrackingNumber, data: TextIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.reply(db, request, staff=staff, text=data.text, version=data.version)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/extensions",
    response_model=ExtensionRead,
    status_code=201,
    summary="申请延期",
    description="承办单位申请延长办结期限若干个工作日，由督查人员审批；同一时间只能有一份待审批。",
)
def ask_extension(
    tracking_number: TrackingNumber, data: ExtensionIn, db: DbSession, staff: CurrentStaff
) -> ExtensionRead:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    extension = extensions.ask_extension(
        db, request, staff=staff, days=data.days, reason=data.reason
    )
    return _extension(extension)


@router.get(
    "/extensions",
    response_model=list[ExtensionRead],
    summary="延期申请（督查人员）",
    description="您督办范围内的延期申请，先申请的在前；默认只列待审批的。",
)
def list_extensions(
    db: DbSession,
    staff: Supervisor,
    status: Annotated[ExtensionStatus, Query(description="审批状态")] = ExtensionStatus.pending,
) -> list[ExtensionRead]:
    return [_extension(e) for e in queries.extensions(db, staff=staff, status=status)]


@router.post(
    "/extensions/{extension_id}/decision",
    response_model=ExtensionRead,
    summary="审批延期",
    description="同意时办结期限按工作日顺延（节假日不计）；不同意时须写明理由。",
)
def decide_extension(
    extension_id: int, data: DecisionIn, db: DbSession, staff: CurrentStaff
) -> ExtensionRead:
    extension = extensions.get_extension(db, extension_id=extension_id)
    extensions.decide_extension(db, extension, staff=staff, approve=data.approve, note=data.note)
    return _extension(extension)


@router.post(
    "/requests/{tracking_number}/close",
    response_model=RequestStaff,
    summary="办结",
    description="写明办理结果和给群众的最终答复；群众随后收到评价邀请。",
)
def close(
    tracking_number: TrackingNumber, data: CloseIn, db: DbSession, staff: CurrentStaff
) -> RequestStaff:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    flows.close(
        db, request, staff=staff, outcome=data.outcome, text=data.text, version=data.version
    )
    return service.staff_view(request, staff=staff)
