"""Photos sent with a page's form: read from the upload, cleaned, or told what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile

from minsheng.core.errors import InvalidInput
from minsheng.core.images import MAX_PHOTOS, TOO_MANY_PHOTOS, CleanPhoto, clean_photo
from minsheng.core.settings import get_settings

ACCEPT = "image/jpeg,image/png,image/webp"
# Filenames come from the person's device: shown back to them, so kept short.
NAME_LENGTH = 60


@dataclass
class PhotoUpload:
    """What the photo field brought: the cleaned photos, and a message per refused file."""

    photos: list[CleanPhoto] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (filename, message)
    sent: int = 0

    @property
    def error(self) -> str | None:
        return self.problems[0][1] if self.problems else None


def _files(value: Any) -> list[UploadFile]:
    values = value if isinstance(value, list) else [value]
    # A file field left empty still sends a part with no name and no bytes.
    return [v for v in values if isinstance(v, UploadFile) and (v.filename or v.size)]


def read_photos(form: dict[str, Any], name: str = "photos") -> PhotoUpload:
    """Every file in the form's `name` field cleaned with core.images.clean_photo."""
    files = _files(form.get(name))
    upload = PhotoUpload(sent=len(files))
    if len(files) > MAX_PHOTOS:
        upload.problems.append(("", TOO_MANY_PHOTOS))
        return upload
    limit = get_settings().max_photo_bytes
    for file in files:
        filename = (file.filename or "")[:NAME_LENGTH]
        # One byte past the limit is enough to know it is too big, without holding it all.
        data = file.file.read(limit + 1)
        try:
            upload.photos.append(clean_photo(data, filename=filename, max_bytes=limit))
        except InvalidInput as exc:
            upload.problems.append((filename, exc.fields["photos"]))
    return upload
