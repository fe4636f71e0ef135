"""What goes in and out of the accounts API and forms."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minsheng.core.permissions import ROLES
from minsheng.core.text import normalize_mobile

USERNAME = re.compile(r"^[a-z0-9_.\-]{2,40}$")


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=40, title="用户名")
    password: str = Field(min_length=1, max_length=200, title="密码")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: dt.datetime | None = None


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=60, title="用途")
    days: int | None = Field(default=None, ge=1, le=365, title="有效天数（最长一年）")


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenCreated(ApiTokenRead):
    access_token: str


class RoleGrantIn(BaseModel):
    role: str = Field(title="角色")
    unit_id: int = Field(title="所属单位")

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError("没有这个角色")
        return value


class RoleGrantRead(BaseModel):
    role: str
    role_label: str
    unit_id: int
    unit_name: str


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    normalized = normalize_mobile(value)
    if normalized is None:
        raise ValueError("请填写 11 位手机号码")
    return normalized


class StaffUserUpdate(BaseModel):
    display_name: str = Field(min_length=1, max_length=60, title="姓名")
    phone: str = Field(default="", max_length=20, title="手机号码")
    active: bool = True
    roles: list[RoleGrantIn] | None = Field(default=None, max_length=20, title="角色")

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str) -> str:
        return _phone(value)

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class StaffUserCreate(StaffUserUpdate):
    username: str = Field(min_length=1, max_length=40, title="用户名")
    password: str = Field(min_length=1, max_length=200, title="初始密码")

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("username")
    @classmethod
    def _username_chars(cls, value: str) -> str:
        if not USERNAME.match(value):
            raise ValueError("用户名只能用字母、数字和 . _ -，2 到 40 位")
        return value


class StaffUserRead(BaseModel):
    id: int
    username: str
    display_name: str
    phone_masked: str
    active: bool
    roles: list[RoleGrantRead]


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200, title="当前密码")
    new_password: str = Field(min_length=1, max_length=200, title="新密码")


class OtpRequest(BaseModel):
    phone: str = Field(min_length=1, max_length=20, title="手机号码")

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        normalized = normalize_mobile(value)
        if normalized is None:
            raise ValueError("请填写 11 位手机号码，例如 13812345678")
        return normalized


class OtpVerify(OtpRequest):
    code: str = Field(pattern=r"^\d{6}$", title="验证码")

    @field_validator("code", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value
