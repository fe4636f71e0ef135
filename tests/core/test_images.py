"""Residents' photos: accepted by content, upright, downscaled, re-encoded with no metadata."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import struct
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image, ImageCms

from minsheng.core.errors import InvalidInput
from minsheng.core.images import (
    HEIC,
    MAX_PHOTOS,
    MAX_SIDE,
    TOO_MANY_PIXELS,
    UNREADABLE,
    WRONG_FORMAT,
    CleanPhoto,
    clean_photo,
)
from minsheng.core.settings import get_settings

RED = (220, 20, 20)
BLUE = (20, 20, 220)
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def picture(size: tuple[int, int] = (200, 100), mode: str = "RGB") -> Image.Image:
    """Red on the left half, blue on the right: which way up it is can be read from the pixels."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def opened(photo: CleanPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.content))
    image.load()
    return image


def refusal(data: bytes, **kwargs: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        clean_photo(data, **kwargs)  # type: ignore[arg-type]
    assert list(caught.value.fields) == ["photos"]
    return caught.value.fields["photos"]


def close(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.fixture
def phone_photo() -> bytes:
    """A JPEG as a phone takes it: turned sideways by EXIF, with GPS, XMP, a comment and ICC."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # shown rotated 90° clockwise
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 23.0, 4.5), 3: "E", 4: (120.0, 57.0, 9.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description GPSLatitude="31,23N"/></x:xmpmeta>'
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(picture(), "JPEG", exif=exif, xmp=xmp, comment=b"taken at home", icc_profile=srgb)
    # The fixture itself carries what the cleaning must remove.
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD)[1] == "N"
    assert b"xmpmeta" in data and b"taken at home" in data and b"ICC_PROFILE" in data
    return data


def test_jpeg_loses_exif_gps_xmp_comment_and_icc(phone_photo: bytes) -> None:
    photo = clean_photo(phone_photo, filename="IMG_0001.JPG")
    image = opened(photo)
    assert photo.content_type == "image/jpeg" and image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert {"exif", "xmp", "comment", "icc_profile"}.isdisjoint(image.info)
    for marker in (b"Exif\x00\x00", b"xmpmeta", b"taken at home", b"ICC_PROFILE", b"PhoneMaker"):
        assert marker not in photo.content


def test_exif_orientation_is_applied(phone_photo: bytes) -> None:
    photo = clean_photo(phone_photo)
    image = opened(photo).convert("RGB")
    # 200×100 turned a quarter clockwise: 100×200, the red left half now on top.
    assert (photo.width, photo.height) == image.size == (100, 200)
    assert close(image.getpixel((50, 30)), RED)
    assert close(image.getpixel((50, 170)), BLUE)


def test_result_describes_its_own_bytes(phone_photo: bytes) -> None:
    photo = clean_photo(phone_photo)
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()
    with pytest.raises(dataclasses.FrozenInstanceError):
        photo.width = 1  # type: ignore[misc]
    assert MAX_PHOTOS == 6


def test_judged_by_content_not_by_name() -> None:
    png = encode(picture(), "PNG")
    photo = clean_photo(png, filename="holiday.gif")
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (200, 100)
    gif = encode(picture(), "GIF")
    assert refusal(gif, filename="photo.jpg") == WRONG_FORMAT


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(picture(), "GIF"), id="gif"),
        pytest.param(encode(picture(), "PDF"), id="pdf"),
        pytest.param(encode(picture(), "BMP"), id="bmp"),
        pytest.param(encode(picture(), "TIFF"), id="tiff"),
        pytest.param("路灯坏了，请尽快修理。".encode(), id="text"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
def test_other_formats_are_refused(data: bytes) -> None:
    assert refusal(data) == WRONG_FORMAT


def test_heic_gets_a_message_that_says_what_to_do() -> None:
    # The start of an iPhone photo: an ISO box 'ftyp' of brand 'heic'.
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 4 + b"mif1heic" + b"\x00" * 64
    assert refusal(heic) == HEIC
    assert refusal(b"not a picture at all", filename="IMG_0002.HEIC") == HEIC


def test_over_the_size_limit_is_refused() -> None:
    assert refusal(b"\xff" * (10 * 1024 * 1024 + 1)) == "每张照片不能超过 10 MB"
    small = encode(picture(), "JPEG")
    assert refusal(small, max_bytes=len(small) - 1).startswith("每张照片不能超过 ")
    assert clean_photo(small, max_bytes=len(small)).width == 200


@pytest.fixture
def photo_limit_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MINSHENG_MAX_PHOTO_BYTES", str(2 * 1024 * 1024))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("photo_limit_from_env")
def test_size_limit_comes_from_the_setting() -> None:
    assert get_settings().max_photo_bytes == 2 * 1024 * 1024
    assert refusal(b"\xff" * (2 * 1024 * 1024 + 1)) == "每张照片不能超过 2 MB"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file_is_refused(fmt: str) -> None:
    data = encode(Image.effect_noise((400, 300), 64).convert("RGB"), fmt)
    assert refusal(data[: len(data) // 2]) == UNREADABLE


def test_empty_or_corrupt_file_is_refused() -> None:
    assert refusal(b"") == UNREADABLE
    png = encode(Image.effect_noise((400, 300), 64), "PNG")
    for start in (12, 40, len(png) // 2):  # the header chunk, the first data chunk, the pixels
        broken = png[:start] + b"\x00" * 16 + png[start + 16 :]
        assert refusal(broken) == UNREADABLE
    jpeg = encode(picture(), "JPEG")
    assert refusal(jpeg[:4] + b"\x00" * 64 + jpeg[68:]) == UNREADABLE
    webp = encode(picture(), "WEBP")
    assert refusal(webp[:12] + b"\x00" * 16 + webp[28:]) == UNREADABLE


def test_too_many_pixels_is_refused_before_decoding() -> None:
    # 48 megapixels of one colour compress to a few kilobytes.
    bomb = encode(Image.new("1", (8000, 6000)), "PNG")
    assert len(bomb) < 100_000
    assert refusal(bomb) == TOO_MANY_PIXELS


def test_header_claiming_gigapixels_is_refused() -> None:
    data = bytearray(encode(Image.new("L", (10, 10)), "PNG"))
    # Rewrite the IHDR chunk (after the 8-byte signature) to claim 100 000 × 100 000 pixels.
    ihdr = b"IHDR" + struct.pack(">II", 100_000, 100_000) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    assert refusal(bytes(data)) == TOO_MANY_PIXELS


def test_large_photo_is_downscaled_to_the_long_side() -> None:
    photo = clean_photo(encode(picture((4000, 3000)), "JPEG", quality=95))
    assert (photo.width, photo.height) == (MAX_SIDE, 1920)
    assert opened(photo).size == (MAX_SIDE, 1920)
    tall = clean_photo(encode(picture((1000, 3000)), "PNG"))
    assert (tall.width, tall.height) == (853, MAX_SIDE)


def test_small_photo_keeps_its_size() -> None:
    photo = clean_photo(encode(picture((640, 480)), "WEBP"))
    assert (photo.width, photo.height) == (640, 480)
    assert photo.content_type == "image/jpeg"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_transparency_is_kept_as_png(fmt: str) -> None:
    image = picture(mode="RGBA")
    image.putpixel((10, 10), (0, 0, 0, 0))
    image.paste((0, 255, 0, 128), (150, 0, 200, 50))
    photo = clean_photo(encode(image, fmt, lossless=True) if fmt == "WEBP" else encode(image, fmt))
    result = opened(photo)
    assert photo.content_type == "image/png" and result.format == "PNG"
    assert result.mode == "RGBA"
    assert result.getpixel((10, 10))[3] == 0  # type: ignore[index]
    assert result.getpixel((175, 25)) == (0, 255, 0, 128)
    assert result.getpixel((50, 80)) == (*RED, 255)


def test_opaque_alpha_becomes_jpeg() -> None:
    photo = clean_photo(encode(picture(mode="RGBA"), "PNG"))
    assert photo.content_type == "image/jpeg"


def test_palette_png_with_transparent_colour_is_kept_as_png() -> None:
    image = picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent_index = image.getpixel((0, 0))
    photo = clean_photo(encode(image, "PNG", transparency=transparent_index))
    result = opened(photo)
    assert photo.content_type == "image/png"
    assert result.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert result.getpixel((150, 50))[3] == 255  # type: ignore[index]


def test_cmyk_and_greyscale_jpegs_become_rgb() -> None:
    cmyk = clean_photo(encode(picture().convert("CMYK"), "JPEG"))
    assert opened(cmyk).mode == "RGB"
    assert close(opened(cmyk).getpixel((20, 50)), RED)
    grey = clean_photo(encode(picture().convert("L"), "JPEG"))
    assert opened(grey).mode == "RGB"
