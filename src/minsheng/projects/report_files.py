"""A report's photos and attachments: checked by their content, kept in the database.

Photos go through core.images (re-encoded, no metadata) and are shown on the public project
page. Attachments (PDF, Word, Excel, PowerPoint, or an image) are for staff only: working
documents can carry names and phone numbers that the public page must not show.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from starlette.datastructures import UploadFile

from minsheng.core.errors import InvalidInput
from minsheng.core.images import MAX_PHOTOS, TOO_MANY_PHOTOS, CleanPhoto, clean_photo
from minsheng.core.settings import get_settings
from minsheng.projects.models_progress import MonthlyReport, ReportFile

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
NAME_LENGTH = 120
ATTACHMENT_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.jpg,.jpeg,.png,.webp"
WRONG_KIND = "附件只能是 PDF、Word、Excel、PowerPoint 文件或 JPG、PNG 图片"
TOO_BIG = f"每个附件不能超过 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
TOO_MANY = f"最多上传 {MAX_ATTACHMENTS} 个附件"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls and .ppt
_OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
_OOXML_TYPES = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}


@dataclass(frozen=True)
class Attachment:
    """A checked attachment: its bytes and the type its content (not its name) showed."""

    filename: str
    content: bytes
    content_type: str


@dataclass
class Uploads:
    """What a form brought: cleaned photos and attachments, and a message per refused file."""

    photos: list[CleanPhoto] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def safe_name(filename: str, default: str = "附件") -> str:
    """The last part of a device's file name, short, without control characters."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|*?:')
    return name[-NAME_LENGTH:] or default


def _ooxml_type(data: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in _OOXML_TYPES.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def check_attachment(data: bytes, filename: str) -> Attachment:
    """The attachment if its content is a PDF, an Office file or an image, else InvalidInput."""
    name = safe_name(filename)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput({"attachments": f"{name}：{TOO_BIG}"})
    if data.startswith(b"%PDF-"):
        return Attachment(name, data, "application/pdf")
    if data.startswith(b"PK\x03\x04"):
        kind = _ooxml_type(data)
        if kind is not None:
            return Attachment(name, data, kind[0])
    if data.startswith(_OLE):
        suffix = PurePath(name).suffix.lower()
        if suffix in _OLE_TYPES:
            return Attachment(name, data, _OLE_TYPES[suffix])
    try:
        photo = clean_photo(data, filename=name, max_bytes=MAX_ATTACHMENT_BYTES)
    except InvalidInput:
        raise InvalidInput({"attachments": f"{name}：{WRONG_KIND}"}) from None
    # An image kept as an attachment is re-encoded like a photo: no GPS left in it.
    return Attachment(name, photo.content, photo.content_type)


def _files(value: Any) -> list[UploadFile]:
    values = value if isinstance(value, list) else [value]
    # A file field left empty still sends a part with no name and no bytes.
    return [v for v in values if isinstance(v, UploadFile) and (v.filename or v.size)]


def read_uploads(form: dict[str, Any]) -> Uploads:
    """The form's `photos` and `attachments` fields, each file checked."""
    uploads = Uploads()
    photos = _files(form.get("photos"))
    if len(photos) > MAX_PHOTOS:
        uploads.errors["photos"] = TOO_MANY_PHOTOS
    else:
        limit = get_settings().max_photo_bytes
        for file in photos:
            name = safe_name(file.filename or "", "照片")
            data = file.file.read(limit + 1)  # one byte past the limit is enough to refuse it
            try:
                uploads.photos.append(clean_photo(data, filename=name, max_bytes=limit))
            except InvalidInput as exc:
                uploads.errors.setdefault("photos", f"{name}：{exc.fields['photos']}")
    attachments = _files(form.get("attachments"))
    if len(attachments) > MAX_ATTACHMENTS:
        uploads.errors["attachments"] = TOO_MANY
        return uploads
    for file in attachments:
        data = file.file.read(MAX_ATTACHMENT_BYTES + 1)
        try:
            uploads.attachments.append(check_attachment(data, file.filename or ""))
        except InvalidInput as exc:
            uploads.errors.setdefault("attachments", exc.fields["attachments"])
    return uploads


def attach(report: MonthlyReport, photos: list[CleanPhoto], attachments: list[Attachment]) -> None:
    """Keeps the files with the report: photos public, attachments for staff."""
    kept_photos = sum(1 for f in report.files if f.is_photo)
    if kept_photos + len(photos) > MAX_PHOTOS:
        raise InvalidInput({"photos": f"一份月报最多 {MAX_PHOTOS} 张照片"})
    if sum(1 for f in report.files if not f.is_photo) + len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput({"attachments": f"一份月报最多 {MAX_ATTACHMENTS} 个附件"})
    for number, photo in enumerate(photos, start=kept_photos + 1):
        extension = "png" if photo.content_type == "image/png" else "jpg"
        report.files.append(
            ReportFile(
                key=secrets.token_urlsafe(18),
                filename=f"{report.month}-照片{number}.{extension}",
                content_type=photo.content_type,
                is_photo=True,
                public=True,
                size=len(photo.content),
                content=photo.content,
            )
        )
    for attachment in attachments:
        report.files.append(
            ReportFile(
                key=secrets.token_urlsafe(18),
                filename=attachment.filename,
                content_type=attachment.content_type,
                is_photo=False,
                public=False,
                size=len(attachment.content),
                content=attachment.content,
            )
        )
