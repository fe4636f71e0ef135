"""Residents identify with a mobile number and a one-time code: no password to forget."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minsheng.accounts.models import OtpChallenge, Resident
from minsheng.audit import service as audit
from minsheng.core import ratelimit
from minsheng.core.db import Actor, get_actor, set_actor, utcnow
from minsheng.core.errors import TooManyRequests
from minsheng.core.settings import get_settings
from minsheng.notify import service as notify


def _code_hash(phone: str, code: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(db: Session, *, phone: str, client_addr: str) -> OtpChallenge:
    """Sends a six-digit code to `phone` by SMS, within per-phone and per-address limits."""
    s = get_settings()
    latest = db.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.phone == phone)
        .order_by(OtpChallenge.id.desc())
        .limit(1)
    )
    if latest is not None and s.otp_resend_seconds:
        wait = s.otp_resend_seconds - int((utcnow() - latest.created_at).total_seconds())
        if wait > 0:
            raise TooManyRequests(f"验证码已发送，请 {wait} 秒后再重新获取。", retry_after=wait)
    if not ratelimit.allow(
        db, key=f"otp:phone:{phone}", limit=s.otp_per_phone_per_hour, window_seconds=3600
    ):
        raise TooManyRequests("这个号码一小时内获取验证码次数太多，请稍后再试。", retry_after=3600)
    if not ratelimit.allow(
        db, key=f"otp:addr:{client_addr}", limit=s.otp_per_address_per_hour, window_seconds=3600
    ):
        raise TooManyRequests("获取验证码太频繁，请一小时后再试。", retry_after=3600)
    # Older codes for this phone stop working when a new one is sent.
    db.execute(
        update(OtpChallenge)
        .where(OtpChallenge.phone == phone, OtpChallenge.used_at.is_(None))
        .values(used_at=utcnow())
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = OtpChallenge(
        phone=phone,
        code_hash=_code_hash(phone, code),
        expires_at=utcnow() + dt.timedelta(seconds=s.otp_ttl_seconds),
    )
    db.add(challenge)
    minutes = max(s.otp_ttl_seconds // 60, 1)
    notify.queue_sms(
        db,
        to=phone,
        body=f"【民生】您的验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。",
        purpose="otp",
    )
    db.flush()
    return challenge


@dataclass(frozen=True)
class VerifyResult:
    resident: Resident | None
    error: str | None = None


def verify_code(db: Session, *, phone: str, code: str) -> VerifyResult:
    """Checks a code; returns rather than raises so that a wrong attempt is counted and kept."""
    s = get_settings()
    challenge = db.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.phone == phone, OtpChallenge.used_at.is_(None))
        .order_by(OtpChallenge.id.desc())
        .limit(1)
    )
    if challenge is None:
        return VerifyResult(None, "请先获取验证码。")
    if challenge.expires_at <= utcnow():
        return VerifyResult(None, "验证码已过期，请重新获取。")
    if challenge.attempts >= s.otp_max_attempts:
        return VerifyResult(None, "验证码输错次数太多，请重新获取。")
    # Counted with one conditional update, so parallel guesses cannot share an attempt.
    counted = db.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.attempts < s.otp_max_attempts)
        .values(attempts=OtpChallenge.attempts + 1)
        .returning(OtpChallenge.attempts)
    ).scalar_one_or_none()
    if counted is None:
        return VerifyResult(None, "验证码输错次数太多，请重新获取。")
    db.refresh(challenge)
    if not hmac.compare_digest(challenge.code_hash, _code_hash(phone, code)):
        left = s.otp_max_attempts - counted
        if left <= 0:
            challenge.used_at = utcnow()
            return VerifyResult(None, "验证码输错次数太多，请重新获取。")
        return VerifyResult(None, f"验证码不正确，还可以再试 {left} 次。")
    challenge.used_at = utcnow()
    resident = db.scalar(select(Resident).where(Resident.phone == phone))
    if resident is None:
        resident = Resident(phone=phone)
        db.add(resident)
    resident.last_login_at = utcnow()
    db.flush()
    set_actor(db, Actor("resident", resident.id, "居民", get_actor(db).client_addr))
    audit.record(db, action="login", object_type="resident", object_id=resident.id)
    return VerifyResult(resident)
