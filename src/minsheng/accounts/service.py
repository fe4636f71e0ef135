"""Staff accounts, roles, passwords and API tokens. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from minsheng.accounts import passwords
from minsheng.accounts.models import ApiToken, RoleAssignment, StaffUser
from minsheng.accounts.permissions import MANAGE_USERS
from minsheng.accounts.schemas import RoleGrantIn, StaffUserCreate, StaffUserUpdate
from minsheng.audit import service as audit
from minsheng.core import ratelimit
from minsheng.core.db import Actor, set_actor, utcnow
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import ROLES, Grant, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.org.models import Unit

TOKEN_PREFIX = "ms_"  # noqa: S105 - marks our tokens in leaked-secret scans; not a secret


def digest(secret: str) -> str:
    """The stored form of a token or session id: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def get_user(db: Session, *, user_id: int) -> StaffUser:
    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound("没有找到这个账号。")
    return user


def get_user_by_username(db: Session, *, username: str) -> StaffUser | None:
    return db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))


def list_users(db: Session) -> list[StaffUser]:
    query = (
        select(StaffUser).options(selectinload(StaffUser.assignments)).order_by(StaffUser.username)
    )
    return list(db.scalars(query))


def principal(db: Session, *, user: StaffUser, via_token: bool = False) -> StaffPrincipal:
    """What a staff member holds, with the paths of their units for scope checks."""
    grants = tuple(
        Grant(role=a.role, unit_id=a.unit_id, unit_path=a.unit.path, unit_name=a.unit.name)
        for a in user.assignments
        if a.unit.active
    )
    return StaffPrincipal(user.id, user.username, user.display_name, grants, via_token)


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    error: str | None = None


def authenticate(db: Session, *, username: str, password: str, client_addr: str) -> LoginResult:
    """Checks a password, counting failures per account and per address to stop guessing.

    Returns rather than raises, so the failure count is committed with the answer.
    """
    settings = get_settings()
    username = username.strip().lower()
    window = settings.login_window_seconds
    keys = (f"login:user:{username}", f"login:addr:{client_addr}")
    limits = (settings.login_max_failures, settings.login_max_failures * 4)
    if any(
        ratelimit.count(db, key=k, window_seconds=window) >= n
        for k, n in zip(keys, limits, strict=True)
    ):
        minutes = window // 60
        return LoginResult(None, f"登录失败次数过多，请 {minutes} 分钟后再试。")
    user = get_user_by_username(db, username=username)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        for key in keys:
            ratelimit.hit(db, key=key, window_seconds=window)
        audit.record(
            db,
            action="login_failed",
            object_type="staff_user",
            object_id=user.id if user else 0,
            summary={"username": username[:40]},
        )
        return LoginResult(None, "用户名或密码不正确。")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    ratelimit.reset(db, key=keys[0])
    user.last_login_at = utcnow()
    # From here on the changes are the signed-in person's, not an anonymous visitor's.
    set_actor(db, Actor("staff", user.id, f"{user.display_name}（{user.username}）", client_addr))
    audit.record(db, action="login", object_type="staff_user", object_id=user.id)
    return LoginResult(user)


def _check_password(password: str, username: str) -> None:
    problem = passwords.password_problem(password, username=username)
    if problem:
        raise InvalidInput({"password": problem})


def _set_roles(
    db: Session, user: StaffUser, roles: list[RoleGrantIn], by: StaffPrincipal | None
) -> None:
    wanted = {(r.role, r.unit_id) for r in roles}
    for role, unit_id in wanted:
        if role not in ROLES:
            raise InvalidInput({"roles": f"没有“{role}”这个角色"})
        unit = db.get(Unit, unit_id)
        if unit is None:
            raise InvalidInput({"roles": "所选的单位不存在"})
        # A manager grants roles only in units they manage; none above or beside them.
        if (
            by is not None
            and not by.can_everywhere(MANAGE_USERS)
            and not by.can(MANAGE_USERS, unit.path)
        ):
            raise InvalidInput({"roles": f"“{unit.name}”不在您管理的范围内"})
    for assignment in list(user.assignments):
        if (assignment.role, assignment.unit_id) not in wanted:
            user.assignments.remove(assignment)
    have = {(a.role, a.unit_id) for a in user.assignments}
    for role, unit_id in sorted(wanted - have):
        user.assignments.append(RoleAssignment(role=role, unit_id=unit_id))


def in_scope(user: StaffUser, by: StaffPrincipal) -> bool:
    """Whether every role the account holds lies within the units `by` manages."""
    if by.can_everywhere(MANAGE_USERS):  # a manager at a root unit manages everyone
        return True
    if not user.assignments:
        return False
    return all(by.can(MANAGE_USERS, a.unit.path) for a in user.assignments)


def create_user(
    db: Session, *, data: StaffUserCreate, by: StaffPrincipal | None = None
) -> StaffUser:
    """Opens a staff account with its roles."""
    if get_user_by_username(db, username=data.username) is not None:
        raise InvalidInput({"username": f"用户名“{data.username}”已被使用"})
    problem = passwords.password_problem(data.password, username=data.username)
    if problem:
        raise InvalidInput({"password": problem})
    user = StaffUser(
        username=data.username,
        display_name=data.display_name,
        phone=data.phone,
        active=data.active,
        password_hash=passwords.hash_password(data.password),
    )
    db.add(user)
    _set_roles(db, user, data.roles or [], by)
    db.flush()
    return user


def update_user(
    db: Session, *, user: StaffUser, data: StaffUserUpdate, by: StaffPrincipal
) -> StaffUser:
    """Changes a staff member's details, roles, or whether the account is active."""
    if not in_scope(user, by):
        raise Forbidden("这个账号有您管理范围以外的角色，请由上级管理员修改。")
    if user.id == by.user_id and not data.active:
        raise InvalidInput({"active": "不能停用自己的账号"})
    if (
        user.id == by.user_id
        and data.roles is not None
        and "administrator" in by.roles
        and not any(r.role == "administrator" for r in data.roles)
    ):
        raise InvalidInput({"roles": "不能取消自己的管理员角色，请让另一位管理员操作"})
    user.display_name, user.phone, user.active = data.display_name, data.phone, data.active
    if data.roles is not None:  # left out of an API update: roles stay as they are
        _set_roles(db, user, data.roles, by)
    if not user.active:
        end_all_sessions(db, user=user)
    db.flush()
    return user


def set_password(db: Session, *, user: StaffUser, new_password: str) -> None:
    """Sets a new password and signs the account out everywhere else."""
    problem = passwords.password_problem(new_password, username=user.username)
    if problem:
        raise InvalidInput({"new_password": problem})
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(db, user=user)
    # Tokens were issued on the old password; a changed password must shut them out too.
    for token in list_tokens(db, user=user):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
    db.flush()


def change_password(db: Session, *, user: StaffUser, current: str, new: str) -> None:
    """A staff member changes their own password, proving they know the current one."""
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput({"current_password": "当前密码不正确"})
    if current == new:
        raise InvalidInput({"new_password": "新密码不能与当前密码相同"})
    set_password(db, user=user, new_password=new)


def end_all_sessions(db: Session, *, user: StaffUser) -> None:
    from minsheng.accounts.sessions import end_sessions_of

    end_sessions_of(db, staff_user_id=user.id)


# API tokens


def issue_token(
    db: Session, *, user: StaffUser, name: str, days: int | None = None
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = days if days is not None else get_settings().api_token_days
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        token_hash=digest(plain),
        expires_at=utcnow() + dt.timedelta(days=lifetime),
    )
    db.add(token)
    db.flush()
    return plain, token


def user_for_token(db: Session, *, plain: str) -> StaffUser | None:
    """The active user a valid, unrevoked, unexpired token belongs to."""
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    # Only touch last_used_at now and then, so reads stay reads.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=10):
        token.last_used_at = now
    return token.user


def list_tokens(db: Session, *, user: StaffUser | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.scalars(query))


def revoke_token(db: Session, *, token_id: int, by: StaffPrincipal, any_user: bool) -> ApiToken:
    """Revokes a token; one's own always, others' only with `any_user`."""
    token = db.get(ApiToken, token_id)
    # Someone else's token answers like a missing one, so ids reveal nothing.
    if token is None or (token.user_id != by.user_id and not any_user):
        raise NotFound("没有找到这个令牌。")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
    return token
