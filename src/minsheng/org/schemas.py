"""What goes in and out of the organisation API and forms."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator

from minsheng.org.models import RegionLevel, UnitKind

PHONE_CHARS = set("0123456789-+ 转()（）")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class RegionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=60, title="名称")
    # [0-9], not \d: \d would also take other scripts' digits.
    code: str | None = Field(
        default=None, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$", title="区划代码"
    )
    level: RegionLevel = Field(title="层级")
    parent_id: int | None = Field(default=None, title="上级区划")

    _strip_all = field_validator("name", "code", mode="before")(_strip)

    @field_validator("code", mode="before")
    @classmethod
    def _empty_code(cls, value: object) -> object:
        if isinstance(value, str):  # full-width digits typed with a Chinese input method
            value = unicodedata.normalize("NFKC", value).strip()
        return None if value == "" else value


class RegionUpdate(RegionCreate):
    active: bool = True


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    code: str | None
    level: RegionLevel
    parent_id: int | None
    path: str
    active: bool


class UnitCreate(BaseModel):
    name: str = Field(min_length=2, max_length=100, title="单位名称")
    kind: UnitKind = Field(title="类别")
    parent_id: int | None = Field(default=None, title="上级单位")
    region_id: int | None = Field(default=None, title="所在区划")
    contact_phone: str = Field(default="", max_length=40, title="联系电话")

    _strip_all = field_validator("name", "contact_phone", mode="before")(_strip)

    @field_validator("contact_phone")
    @classmethod
    def _phone_chars(cls, value: str) -> str:
        if value and (not set(value) <= PHONE_CHARS or sum(c.isdigit() for c in value) < 3):
            raise ValueError("联系电话只能包含数字、短横线和“转”，例如 0512-57312345")
        return value


class UnitUpdate(UnitCreate):
    active: bool = True


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: UnitKind
    parent_id: int | None
    region_id: int | None
    contact_phone: str
    path: str
    active: bool
