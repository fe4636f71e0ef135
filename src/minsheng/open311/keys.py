"""API keys for integrations: issued once in plain, kept as a hash, revoked at once.

Flushes, never commits.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.open311.models import ApiKey

KEY_PREFIX = "o311_"  # marks our keys in leaked-secret scans; not a secret itself
MAX_NAME = 60


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def clean_name(name: str) -> str:
    """The integration's name as it will be shown on requests' timelines."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput({"name": "请写明对接的系统，例如“FixMyStreet 昆山站”"})
    if len(name) > MAX_NAME:
        raise InvalidInput({"name": f"名称最多 {MAX_NAME} 个字"})
    return name


def issue(db: Session, *, name: str, by: StaffPrincipal | None) -> tuple[str, ApiKey]:
    """A new key; the plain value is returned once and never stored."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=clean_name(name),
        prefix=plain[: len(KEY_PREFIX) + 6],
        key_hash=_digest(plain),
        created_by_id=by.user_id if by else None,
    )
    db.add(key)
    db.flush()
    return plain, key


def list_keys(db: Session) -> list[ApiKey]:
    """Every key, newest first, revoked ones included (they stay for the record)."""
    return list(db.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def get(db: Session, *, key_id: int) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None:
        raise NotFound("没有找到这个接口密钥。")
    return key


def revoke(db: Session, *, key_id: int) -> ApiKey:
    """Revokes a key; calls made with it are refused from the next one on."""
    key = get(db, key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.flush()
    return key


def find(db: Session, *, plain: str) -> ApiKey | None:
    """The unrevoked key with this value, or None."""
    if not plain or len(plain) > 200:
        return None
    key = db.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(plain)))
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    # Touched now and then only, so a busy integration does not rewrite the row every call.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 600:
        key.last_used_at = now
    return key
