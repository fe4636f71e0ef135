"""JSON API for requests: anyone may submit and follow; staff see what their units hold."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request

from minsheng.accounts.deps import OptionalStaff
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import Forbidden, NotAuthenticated
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.requests import service
from minsheng.requests.permissions import ENTER_REQUESTS
from minsheng.requests.schemas import RequestCreate, RequestCreated, RequestPublic, RequestStaff

router = APIRouter(tags=["requests"])


def _staff_or_anonymous(request: Request, staff: OptionalStaff) -> StaffPrincipal | None:
    """Staff by a valid token, or anonymous without one. A token that is not valid is refused,
    not read as anonymous: an operator whose token expired would otherwise file a caller's
    problem as an unattributed web report, and see only the public view of requests."""
    if staff is None and request.headers.get("authorization"):
        raise NotAuthenticated("令牌无效、已过期或已被吊销。", code="invalid_token")
    return staff


StaffOrAnonymous = Annotated[StaffPrincipal | None, Depends(_staff_or_anonymous)]


@router.post(
    "/requests",
    response_model=RequestCreated,
    status_code=201,
    summary="提交诉求",
    description="群众可匿名提交（按来源地址和手机号限频）；带工作人员令牌时可代录热线、窗口、"
    "接待日、巡查等渠道，并填写受理时间 received_at（时限从它起算）。"
    "同一个 Idempotency-Key 重复提交只会建立一件诉求。",
)
def submit(
    data: RequestCreate,
    db: DbSession,
    staff: StaffOrAnonymous,
    addr: ClientAddr,
    idempotency_key: Annotated[str | None, Header(max_length=80)] = None,
) -> RequestCreated:
    # Only roles that enter requests for residents speak for a channel or a time of receipt.
    entering = staff if staff is not None and staff.can(ENTER_REQUESTS) else None
    if staff is not None and entering is None and data.received_at is not None:
        raise Forbidden("您的角色不能代群众录入诉求。")
    request, token = service.submit(
        db, data=data, staff=entering, client_addr=addr, idempotency_key=idempotency_key
    )
    follow = f"{get_settings().base_url}/f/{token}" if token else ""
    return RequestCreated(
        tracking_number=request.tracking_number,
        status=request.status,
        status_label=request.status_label,
        unit=request.unit.name if request.unit else None,
        response_due_at=request.response_due_at,
        resolve_due_at=request.resolve_due_at,
        follow_url=follow,
    )


@router.get(
    "/requests/{tracking_number}",
    response_model=RequestStaff | RequestPublic,
    summary="按编号查询诉求",
    description="不带令牌只看到办理状态；带上受理时发给群众的 token 可看到标题和答复；"
    "承办单位、话务员和督查人员的令牌看到完整记录（联系方式按角色脱敏）。",
)
def follow(
    tracking_number: str,
    request: Request,
    db: DbSession,
    staff: StaffOrAnonymous,
    token: Annotated[str | None, Query(max_length=100, description="群众的跟踪凭证")] = None,
) -> RequestStaff | RequestPublic:
    found = service.get_by_tracking(db, tracking_number=tracking_number)
    if staff is not None and service.can_view(staff, found):
        return service.staff_view(found, staff=staff)
    reporter = token is not None and service.get_by_follow_token(db, token=token) is found
    # A merged duplicate's reporter follows the earlier request it joined.
    shown = found
    while reporter and shown.merged_into is not None:
        shown = shown.merged_into
    return service.public_view(shown, reporter=reporter)
