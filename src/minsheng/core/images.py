"""Photos people upload: checked by their content, re-encoded small, with no metadata left."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from minsheng.core.errors import InvalidInput
from minsheng.core.settings import get_settings

MAX_PHOTOS = 6
# Pixels are what cost memory when decoding: 40 MP is a large phone photo, 160 MB as RGBA.
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
JPEG_QUALITY = 85
ACCEPTED = ("JPEG", "PNG", "WEBP")

WRONG_FORMAT = "只能上传 JPG、PNG 或 WebP 格式的照片"
HEIC = "暂不支持 HEIC 格式的照片，请在手机上改存为 JPG 后再上传"
UNREADABLE = "这张照片无法读取，请换一张"
TOO_MANY_PIXELS = "这张照片的像素太多，请缩小后再上传"
TOO_MANY_PHOTOS = f"最多上传 {MAX_PHOTOS} 张照片"
_HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanPhoto:
    """A photo safe to keep and show: JPEG or PNG, at most MAX_SIDE a side, no metadata."""

    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def too_big_message(max_bytes: int) -> str:
    """The message for a photo over `max_bytes`, in whole megabytes."""
    return f"每张照片不能超过 {max_bytes / (1024 * 1024):g} MB"


def clean_photo(data: bytes, *, filename: str = "", max_bytes: int | None = None) -> CleanPhoto:
    """The photo upright, downscaled and re-encoded, or InvalidInput({"photos": ...}).

    `filename` only picks a more helpful message; the content alone decides what is accepted."""
    limit = get_settings().max_photo_bytes if max_bytes is None else max_bytes
    if len(data) > limit:
        raise InvalidInput({"photos": too_big_message(limit)})
    if not data:
        raise InvalidInput({"photos": UNREADABLE})
    return _encode(_decode(data, filename))


def _unknown_format(data: bytes, filename: str) -> str:
    # A file that starts like JPEG, PNG or WebP but does not open is broken, not of the wrong kind.
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return UNREADABLE
    # iPhones save HEIC; saying so tells the person what to change.
    heic = data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS
    return HEIC if heic or filename.lower().endswith((".heic", ".heif")) else WRONG_FORMAT


def _decode(data: bytes, filename: str) -> Image.Image:
    """The picture in `data`, judged by its content alone, or InvalidInput."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED)
    except Image.UnidentifiedImageError:
        raise InvalidInput({"photos": _unknown_format(data, filename)}) from None
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours, checked on opening
        raise InvalidInput({"photos": TOO_MANY_PIXELS}) from None
    except Exception:  # Pillow raises many kinds on a broken header
        raise InvalidInput({"photos": UNREADABLE}) from None
    with image:
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInput({"photos": TOO_MANY_PIXELS})
        try:
            return _upright_srgb(image)
        except Exception:  # truncated or corrupt data surfaces here, as any of many kinds
            raise InvalidInput({"photos": UNREADABLE}) from None


def _upright_srgb(image: Image.Image) -> Image.Image:
    """Pixels only, upright, in sRGB, at most MAX_SIDE a side: every tag and profile dropped."""
    scale = MAX_SIDE / max(image.size)
    if scale < 1 and image.format in ("JPEG", "MPO"):
        # JPEG can decode at 1/2, 1/4 or 1/8 directly: big photos cost a fraction of the memory.
        image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    image.load()
    profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    transparent = _has_transparency(image)
    mode = "RGBA" if transparent else "RGB"
    if transparent or image.mode not in ("RGB", "CMYK", "L"):
        image = image.convert(mode)
    image = _to_srgb(image, profile, mode) if profile else image.convert(mode)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image from the raw pixels carries no info dict: no EXIF, GPS, XMP, ICC or comments.
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _to_srgb(image: Image.Image, profile: bytes, mode: str) -> Image.Image:
    # Phones shoot in Display P3, printers' files come in CMYK: sRGB keeps colours right unprofiled.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        converted = None  # a broken or mismatched profile: the pixels as they are will do
    return converted if converted is not None else image.convert(mode)


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        alpha = image.getchannel("A")
    elif "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
    else:
        return False
    # An alpha channel that is opaque everywhere is no transparency: such a photo becomes a JPEG.
    return alpha.getextrema() != (255, 255)


def _encode(image: Image.Image) -> CleanPhoto:
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, format="PNG", optimize=False)
        content_type = "image/png"
    else:
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type = "image/jpeg"
    content = buffer.getvalue()
    return CleanPhoto(
        content=content,
        content_type=content_type,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )
