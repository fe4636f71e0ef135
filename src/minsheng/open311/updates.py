"""FixMyStreet's servicerequestupdates: the city's steps out, the client's comments in.

Out (GET): each public step a unit takes on a listed request is an update, with FixMyStreet's
extended status for the state it left the request in. In (POST): a client's update is the
reporter's or the public's word, never a handling step: it is written on the timeline as a
comment, whatever its status says, so that nobody's work is closed or reopened from outside.
A resident reopens a closed request by rating it (feedback), as on every other channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from minsheng.open311.formats import Open311Error, w3c
from minsheng.open311.models import ApiKey, Open311Request, Open311Update
from minsheng.open311.params import Params, check_media_url, clean_text, one, parse_w3c
from minsheng.open311.reading import MAX_RECORDS, window
from minsheng.open311.service import add_event
from minsheng.requests.models import OUTCOME_LABELS, CitizenRequest, Outcome, RequestEvent
from minsheng.requests.pages_public import mask_numbers

# The status a request is in after each public step (FixMyStreet's extended statuses).
STEP_STATUS = {
    "triage": "open",
    "dispatched": "open",
    "reassigned": "open",
    "split": "open",
    "accepted": "in_progress",
    "reply": "in_progress",
    "extension_approved": "in_progress",
    "reopened": "in_progress",
    "merged": "duplicate",
}
CLOSED_STATUS = {
    Outcome.resolved: "fixed",
    Outcome.explained: "closed",
    Outcome.not_ours: "not_councils_responsibility",
}
# What a client's status means when a resident or the public sends it, as written on the
# timeline: FixMyStreet's statuses, with those it uses for councils read as the sender's view.
CLIENT_STATUS = {
    "OPEN": "仍待处理",
    "REOPEN": "认为问题仍未解决",
    "IN_PROGRESS": "正在处理中",
    "ACTION_SCHEDULED": "已安排处理",
    "PLANNED": "已安排处理",
    "INVESTIGATING": "正在调查",
    "FOR_TRIAGE": "待分拣",
    "FIXED": "认为问题已解决",
    "CLOSED": "认为问题已解决",
    "DUPLICATE": "认为与其他反映重复",
    "NOT_COUNCILS_RESPONSIBILITY": "认为不属于政府职责",
    "NO_FURTHER_ACTION": "认为无需进一步处理",
    "INTERNAL_REFERRAL": "已转交其他部门",
}
MAX_COMMENT = 4000


def step_status(event: RequestEvent) -> tuple[str, str]:
    """(status, external_status_code) for a public step on the timeline."""
    if event.kind == "closed":
        outcome = next(
            (o for o, label in OUTCOME_LABELS.items() if event.text.startswith(f"{label}：")),
            Outcome.resolved,
        )
        return CLOSED_STATUS.get(outcome, "closed"), f"closed.{outcome.value}"
    return STEP_STATUS[event.kind], event.kind


def find(db: Session, params: Params) -> list[dict[str, Any]]:
    """The steps taken between start_date and end_date (by default the last day), oldest first,
    on requests Open311 lists."""
    start, end = window(params, days=1)
    query = (
        select(RequestEvent)
        .join(CitizenRequest, RequestEvent.request_id == CitizenRequest.id)
        .where(
            CitizenRequest.public.is_(True),
            CitizenRequest.confidential.is_(False),
            RequestEvent.public.is_(True),
            RequestEvent.kind.in_([*STEP_STATUS, "closed"]),
            RequestEvent.at >= start,
            RequestEvent.at <= end,
        )
        .options(selectinload(RequestEvent.request))
        .order_by(RequestEvent.at, RequestEvent.id)
        .limit(MAX_RECORDS)
    )
    found = []
    for event in db.scalars(query):
        status, code = step_status(event)
        found.append(
            {
                "update_id": str(event.id),
                "service_request_id": event.request.tracking_number,
                "status": status,
                "updated_datetime": w3c(event.at),
                "description": mask_numbers(event.text),
                "media_url": None,
                "external_status_code": code,
            }
        )
    return found


def _request_of(db: Session, key: ApiKey, number: str) -> CitizenRequest:
    """A request this integration filed: another's requests are not its to comment on."""
    if not number:
        raise Open311Error(400, "缺少 service_request_id")
    record = db.scalar(
        select(Open311Request)
        .join(CitizenRequest, Open311Request.request_id == CitizenRequest.id)
        .where(CitizenRequest.tracking_number == number.strip().upper()[:30])
    )
    if record is None:
        raise Open311Error(404, f"service_request_id 不存在：{number[:30]}")
    if record.api_key is None or record.api_key.name != key.name:
        raise Open311Error(403, "这件诉求不是通过本对接系统提交的，不能补充")
    return record.request


def post(db: Session, *, key: ApiKey, params: Params) -> Open311Update:
    """A client's update, written on the timeline as the reporter's side; a retry with the
    same update_id answers with the update first written."""
    client_id = clean_text("update_id", one(params, "update_id"), 100) or None
    if client_id is not None:
        earlier = db.scalar(
            select(Open311Update).where(
                Open311Update.api_key_id == key.id, Open311Update.client_update_id == client_id
            )
        )
        if earlier is not None:
            return earlier
    request = _request_of(db, key, one(params, "service_request_id"))
    status = one(params, "status").upper()
    if status not in CLIENT_STATUS:
        raise Open311Error(400, f"status 不是可用的状态：{status[:40] or '（未填写）'}")
    description = clean_text("description", one(params, "description"), MAX_COMMENT)
    when_text = one(params, "updated_datetime")
    when = parse_w3c("updated_datetime", when_text) if when_text else None
    media_url = check_media_url("media_url", one(params, "media_url"))
    lines = [f"{key.name}：{CLIENT_STATUS[status]}。", description.strip()]
    if media_url:
        lines.append(f"照片或视频链接：{media_url}")
    event = add_event(
        request, kind="comment", label=key.name, text="\n".join(filter(None, lines)), public=True
    )
    update = Open311Update(
        api_key_id=key.id,
        request_id=request.id,
        client_update_id=client_id,
        status=status,
        updated_at_client=when,
        media_url=media_url,
        event=event,
    )
    db.add(update)
    db.flush()
    return update


def posted_document(update: Open311Update) -> dict[str, Any]:
    return {"update_id": str(update.event_id or update.id)}
