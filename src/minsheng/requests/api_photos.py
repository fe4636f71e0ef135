"""JSON API for photos: the reporter adds photos to their report with the follow token; the
handling unit replies with photos. Every photo is checked and re-encoded by core.images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile

from minsheng.accounts.deps import CurrentStaff
from minsheng.core.deps import DbSession
from minsheng.core.errors import Conflict, Forbidden, InvalidInput, MinshengError
from minsheng.core.images import MAX_PHOTOS, CleanPhoto, clean_photo, too_big_message
from minsheng.core.settings import get_settings
from minsheng.requests import flows, service
from minsheng.requests.models import RequestPhoto
from minsheng.requests.schemas import RequestStaff
from minsheng.requests.schemas_handling import PhotoRead, TextIn
from minsheng.web.forms import parse

router = APIRouter(tags=["requests"])
TrackingNumber = Annotated[
    str, Path(max_length=30, description="诉求编号", examples=["KS20261126-0001"])
]
PHOTOS_HELP = f"JPG、PNG 或 WebP，每张不超过 10 MB（以设置为准），最多 {MAX_PHOTOS} 张"


class PhotoTooLarge(MinshengError):
    status = 413
    code = "payload_too_large"


def _photo(photo: RequestPhoto) -> PhotoRead:
    return PhotoRead(
        key=photo.key,
        url=f"/photos/{photo.key}",
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
    )


def _cleaned(uploads: list[UploadFile], *, already: int = 0) -> list[CleanPhoto]:
    """Each upload checked and re-encoded; a photo over the size limit is refused with 413."""
    uploads = [u for u in uploads if u.filename or u.size]
    if already + len(uploads) > MAX_PHOTOS:
        left = max(MAX_PHOTOS - already, 0)
        raise InvalidInput({"photos": f"最多 {MAX_PHOTOS} 张照片，还可以再传 {left} 张"})
    limit = get_settings().max_photo_bytes
    photos = []
    for upload in uploads:
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            message = too_big_message(limit)
            raise PhotoTooLarge(message, details=[{"field": "photos", "message": message}])
        photos.append(clean_photo(data, filename=upload.filename or ""))
    return photos


@router.post(
    "/requests/{tracking_number}/replies/photos",
    response_model=RequestStaff,
    summary="答复群众（附照片）",
    description=f"multipart/form-data：text、version 和 photos（{PHOTOS_HELP}）。",
)
def reply_with_photos(
    tracking_number: TrackingNumber,
    db: DbSession,
    staff: CurrentStaff,
    text: Annotated[str, Form(description="答复内容")],
    version: Annotated[str, Form(description="您看到的版本号")],
    photos: Annotated[list[UploadFile], File(description=PHOTOS_HELP)],
) -> RequestStaff:
    # The same checks as the JSON reply: length, control characters, a whole version number.
    data = parse(TextIn, {"text": text, "version": version})
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    cleaned = _cleaned(photos)
    flows.reply(db, request, staff=staff, text=data.text, photos=cleaned, version=data.version)
    return service.staff_view(request, staff=staff)


@router.post(
    "/requests/{tracking_number}/photos",
    response_model=list[PhotoRead],
    status_code=201,
    summary="反映人补充照片",
    description="multipart/form-data：token（受理时发给反映人的跟踪凭证）和 photos。"
    f"一件诉求反映时的照片合计最多 {MAX_PHOTOS} 张；办结后不能再补充。"
    "照片超过大小限制时返回 413，格式不对或张数超出时返回 422。",
)
def add_photos(
    tracking_number: TrackingNumber,
    db: DbSession,
    token: Annotated[str, Form(min_length=1, max_length=100, description="跟踪凭证")],
    photos: Annotated[list[UploadFile], File(description=PHOTOS_HELP)],
) -> list[PhotoRead]:
    request = service.get_by_tracking(db, tracking_number=tracking_number)
    if service.get_by_follow_token(db, token=token) is not request:
        raise Forbidden("跟踪凭证与这件诉求不符，只有反映人可以补充照片。")
    if not request.is_open:
        raise Conflict(
            f"诉求当前状态为“{request.status_label}”，不能再补充照片。", code="wrong_state"
        )
    report = next(e for e in request.events if e.kind == "submitted")  # holds the report's photos
    mine = [p for p in request.photos if p.event is None or p.event is report]
    cleaned = _cleaned(photos, already=len(mine))
    before = len(request.photos)
    flows.attach_photos(request, cleaned, report)
    db.flush()
    return [_photo(p) for p in request.photos[before:]]
