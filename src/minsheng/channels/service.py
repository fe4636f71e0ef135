"""QR boxes, reception days and estates: kept by staff, looked up when a request comes in.

Flushes, never commits.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.channels.models import Estate, QrBox, ReceptionDay
from minsheng.core.errors import NotFound

# No 0/O or 1/l/I: a code read aloud over the phone or typed from a photo must survive.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_box_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def get_box_by_code(db: Session, *, code: str) -> QrBox | None:
    return db.scalar(select(QrBox).where(QrBox.code == code.strip().lower()))


def get_box(db: Session, *, box_id: int) -> QrBox:
    box = db.get(QrBox, box_id)
    if box is None:
        raise NotFound("没有这个意见箱。")
    return box


def list_boxes(db: Session) -> list[QrBox]:
    return list(db.scalars(select(QrBox).order_by(QrBox.active.desc(), QrBox.id)))


def get_estate(db: Session, *, estate_id: int) -> Estate:
    estate = db.get(Estate, estate_id)
    if estate is None:
        raise NotFound("没有这个小区。")
    return estate


def list_estates(db: Session, *, active_only: bool = False) -> list[Estate]:
    query = select(Estate).order_by(Estate.name)
    if active_only:
        query = query.where(Estate.active.is_(True))
    return list(db.scalars(query))


def get_reception_day(db: Session, *, day_id: int) -> ReceptionDay:
    day = db.get(ReceptionDay, day_id)
    if day is None:
        raise NotFound("没有这个接待日。")
    return day


def list_reception_days(db: Session) -> list[ReceptionDay]:
    return list(db.scalars(select(ReceptionDay).order_by(ReceptionDay.held_on.desc())))
