"""Residents who follow a project, and telling them when it moves.

A follower is a phone number: one who pressed 关注 (confirmed by a one-time code), or one whose
request led to the project. Each SMS carries a link that ends the following; no sign-in needed.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput
from minsheng.core.settings import get_settings
from minsheng.core.text import normalize_mobile
from minsheng.notify import service as notify
from minsheng.projects.models import Follower, Project

REASONS = {"follow", "request"}


def _phone(raw: str) -> str:
    phone = normalize_mobile(raw)
    if phone is None:
        raise InvalidInput({"phone": "请填写 11 位手机号码，例如 13812345678"})
    return phone


def find(db: Session, project: Project, phone: str) -> Follower | None:
    normal = normalize_mobile(phone)
    if normal is None:
        return None
    return db.scalar(
        select(Follower).where(Follower.project_id == project.id, Follower.phone == normal)
    )


def add_follower(
    db: Session,
    project: Project,
    phone: str,
    resident_id: int | None = None,
    reason: str = "follow",
) -> Follower:
    """Adds the phone as a follower; following twice changes nothing (one row per phone)."""
    if reason not in REASONS:
        raise ValueError(f"unknown follow reason {reason!r}")
    normal = _phone(phone)
    existing = find(db, project, normal)
    if existing is None:
        follower = Follower(
            project_id=project.id, phone=normal, resident_id=resident_id, reason=reason
        )
        try:
            # A savepoint, so a second tab following at the same moment costs nothing.
            with db.begin_nested():
                db.add(follower)
                db.flush()
            return follower
        except IntegrityError:
            existing = find(db, project, normal)
            assert existing is not None
    if resident_id is not None and existing.resident_id is None:
        existing.resident_id = resident_id
        db.flush()
    return existing


def remove_follower(db: Session, project: Project, phone: str) -> bool:
    """Stops telling this phone about the project; False when it was not following."""
    existing = find(db, project, phone)
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    return True


def count(db: Session, project: Project) -> int:
    """How many follow the project: a public figure, never who they are."""
    return int(db.scalar(select(func.count()).where(Follower.project_id == project.id)) or 0)


def signature(follower: Follower) -> str:
    """The secret in the SMS's stop link: only the phone that got the message can stop it."""
    key = get_settings().secret_key.get_secret_value().encode()
    message = f"project-follower:{follower.id}:{follower.project_id}:{follower.phone}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def stop_path(project: Project, follower: Follower) -> str:
    return f"/projects/{project.code}/unfollow/{follower.id}/{signature(follower)}"


def by_signature(db: Session, project: Project, follower_id: int, sig: str) -> Follower | None:
    """The follower a stop link names, if the link is genuine."""
    follower = db.get(Follower, follower_id) if 0 < follower_id < 2**31 else None
    if follower is None or follower.project_id != project.id:
        return None
    return follower if hmac.compare_digest(signature(follower), sig[:40]) else None


def tell_one(db: Session, project: Project, follower: Follower, text: str) -> None:
    """Queues `text` for one follower, with the link that ends the following."""
    link = f"{get_settings().base_url}{stop_path(project, follower)}"
    notify.queue_sms(
        db, to=follower.phone, body=f"【民生】{text} 不再关注：{link}", purpose="project_progress"
    )


def tell_followers(db: Session, project: Project, text: str) -> int:
    """Queues one SMS per follower with `text` and a stop link; returns how many were queued."""
    followers = list(
        db.scalars(select(Follower).where(Follower.project_id == project.id).order_by(Follower.id))
    )
    for follower in followers:
        tell_one(db, project, follower, text)
    return len(followers)
