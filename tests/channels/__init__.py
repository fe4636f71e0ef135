"""Shared helpers for the channels tests: posting forms, reading messages, photos, rows."""

from __future__ import annotations

import html
import io
import re

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from minsheng.channels.models import Estate, QrBox, ReceptionDay
from minsheng.org import service as org
from minsheng.requests.models import CitizenRequest
from tests.conftest import csrf

GPS_IFD = 0x8825


def post(client, url: str, data: dict, files: list | None = None):
    """A form as a browser sends it, with the CSRF token; multipart when files are given."""
    return client.post(
        url, data={**data, "csrf_token": csrf(client)}, files=files, follow_redirects=False
    )


def field_error(page: str, field: str) -> str | None:
    """The message shown beside a field (the element its aria-describedby points to)."""
    match = re.search(rf'<p class="error" id="e-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def hidden_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, "the form carries no idempotency key"
    return match.group(1)


def requests_in(db) -> list[CitizenRequest]:
    rows = list(db.scalars(select(CitizenRequest).order_by(CitizenRequest.id)))
    db.commit()
    return rows


def phone_photo() -> bytes:
    """A JPEG as a phone saves it: with the camera's make and the GPS position in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 23.0, 10.0), 3: "E", 4: (120.0, 57.0, 30.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)[1] == "N"
    return data


# SQLite takes the write lock when a transaction begins: helpers that read commit at once, so
# the app's requests are never kept waiting on the test's session.


def box_named(db, name: str) -> QrBox:
    places = (selectinload(QrBox.town), selectinload(QrBox.community), selectinload(QrBox.unit))
    box = db.scalar(select(QrBox).where(QrBox.name == name).options(*places))
    db.commit()
    assert box is not None, name
    return box


def estate_named(db, name: str) -> Estate:
    places = (selectinload(Estate.town), selectinload(Estate.community), selectinload(Estate.unit))
    estate = db.scalar(select(Estate).where(Estate.name == name).options(*places))
    db.commit()
    assert estate is not None, name
    return estate


def first_day(db) -> ReceptionDay:
    """The earliest demo reception day (2026-03-14, 周市镇)."""
    day = db.scalar(
        select(ReceptionDay).options(selectinload(ReceptionDay.town)).order_by(ReceptionDay.held_on)
    )
    db.commit()
    assert day is not None
    return day


def reload(db, obj):
    db.refresh(obj)
    db.commit()
    return obj


def region_id(db, name: str) -> int:
    found = next(r for r in org.list_regions(db) if r.name == name)
    db.commit()
    return found.id


def unit_id(db, name: str) -> int:
    unit = org.get_unit_by_name(db, name=name)
    db.commit()
    assert unit is not None, name
    return unit.id
