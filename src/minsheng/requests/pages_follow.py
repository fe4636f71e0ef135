"""The reporter's secret follow link (/f/{token}): the timeline, replies with photos, the rating
form when a round of handling ends; and the photos themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalStaff
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.feedback import service as feedback
from minsheng.feedback.models import Satisfaction
from minsheng.requests import service
from minsheng.requests.models import CitizenRequest, RequestPhoto
from minsheng.requests.schemas import RequestPublic
from minsheng.web.templating import render

router = APIRouter()

# Pages that carry the secret follow token: never cached, never indexed.
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
# A photo's address is its capability: the browser may keep it, shared caches may not.
PHOTO_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": "inline",
}
# What the earlier request's own reporter wrote (their rating, why it was reopened) is theirs:
# a second reporter following it after a merge sees that it happened, not the words.
OWN_WORDS = {"rated", "reopened"}
THUMB_WIDTH = 160
NO_PHOTO = "没有找到这张照片。"


def by_token(db: Session, token: str) -> CitizenRequest:
    found = service.get_by_follow_token(db, token=token[:100])
    if found is None:
        raise NotFound("没有找到这条跟踪链接，请核对短信里的链接是否完整，或凭编号查询进度。")
    return found


def earliest(request: CitizenRequest) -> CitizenRequest:
    """The request a merged one now lives on as (merges may chain); itself otherwise."""
    seen = {request.id}
    while request.merged_into is not None and request.merged_into.id not in seen:
        request = request.merged_into
        seen.add(request.id)
    return request


@dataclass(frozen=True)
class Shot:
    """A photo as the follow page links it, with a thumbnail's size."""

    src: str
    width: int
    height: int


def _event_photos(request: CitizenRequest, *, mine: bool, token: str) -> list[list[Shot]]:
    """Each public event's photos, in the order of the public timeline. Another reporter's
    own photos (sent with the report) are not shown to the one whose request was merged in."""
    shots = []
    for event in request.events:
        if not event.public:
            continue
        photos = event.photos if (mine or event.kind != "submitted") else []
        shots.append([_shot(p, token) for p in photos])
    return shots


def _shot(photo: RequestPhoto, token: str) -> Shot:
    height = max(round(THUMB_WIDTH * photo.height / max(photo.width, 1)), 1)
    return Shot(f"/f/{token}/photos/{photo.key}", THUMB_WIDTH, height)


def _as_seen_by_another(view: RequestPublic) -> RequestPublic:
    timeline = [
        e.model_copy(update={"text": ""}) if e.kind in OWN_WORDS else e for e in view.timeline
    ]
    return view.model_copy(update={"title": "", "timeline": timeline})


def visible_photos(own: CitizenRequest) -> list[RequestPhoto]:
    """The photos the follow page of `own` shows: its own, and the replies on the request it
    was merged into."""
    shown = earliest(own)
    photos = [p for e in own.events if e.public for p in e.photos]
    if shown is not own:
        photos += [p for e in shown.events if e.public and e.kind != "submitted" for p in e.photos]
    return photos


def render_follow(
    request: Request,
    db: Session,
    token: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The follow page; the rating form keeps what was chosen when it comes back with errors."""
    own = by_token(db, token)
    shown = earliest(own)
    merged = shown is not own
    view = service.public_view(shown, reporter=True)
    ratings = feedback.ratings_of(db, own)
    last = ratings[-1] if ratings else None
    thanked = request.query_params.get("rated") == "1" and last is not None
    poor = last is not None and (
        not last.resolved or last.satisfaction == Satisfaction.dissatisfied
    )
    context: dict[str, Any] = {
        "token": token,
        "title": own.title,
        "view": _as_seen_by_another(view) if merged else view,
        "photos": _event_photos(shown, mine=not merged, token=token),
        "merged": merged,
        "own_view": service.public_view(own, reporter=True) if merged else None,
        "own_photos": _event_photos(own, mine=True, token=token) if merged else [],
        "outcome": shown.outcome_label,
        "can_rate": not merged and feedback.can_rate(db, own),
        "values": values or {},
        "errors": errors or {},
        "thanked": thanked,
        "reopened": thanked and last is not None and last.reopened,
        # No reopenings left: the answer stands, and the supervisor is told.
        "escalated": thanked and poor and last is not None and not last.reopened,
    }
    response = render(request, "requests/follow.html", context, status=status)
    response.headers.update(PRIVATE)
    return response


@router.get("/f/{token}")
def follow(token: str, request: Request, db: DbSession) -> Response:
    return render_follow(request, db, token)


def _photo(photo: RequestPhoto) -> Response:
    return Response(photo.content, media_type=photo.content_type, headers=PHOTO_HEADERS)


@router.get("/f/{token}/photos/{key}")
def follow_photo(token: str, key: str, db: DbSession) -> Response:
    """A photo on the reporter's page: allowed by the secret link, confidential or not."""
    found = next((p for p in visible_photos(by_token(db, token)) if p.key == key), None)
    if found is None:
        raise NotFound(NO_PHOTO)
    return _photo(found)


@router.get("/photos/{key}")
def photo(key: str, db: DbSession, staff: OptionalStaff) -> Response:
    """A photo by its unguessable key: staff who may see the request, or anyone holding the key
    when the reporter did not ask for confidentiality (a photo can show whose house it is)."""
    found = db.scalar(select(RequestPhoto).where(RequestPhoto.key == key[:40]))
    if found is None:
        raise NotFound(NO_PHOTO)
    allowed = not found.request.confidential or (
        staff is not None and service.can_view(staff, found.request)
    )
    if not allowed:
        raise NotFound(NO_PHOTO)  # not 403: the key's existence is not told either
    return _photo(found)
