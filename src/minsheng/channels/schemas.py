"""What goes in and out for QR boxes, estates and reception days (API and staff forms alike)."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field, field_validator

# Control characters other than tab and line breaks: PostgreSQL cannot store NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How people list buildings and deputies: one a line, or separated by commas or 、.
_LIST_SEPARATORS = re.compile(r"[\n\r,，、;；]+")
_NAME_SEPARATORS = re.compile(r"[\n\r,，、;；/\s]+")
MAX_BUILDINGS = 300
MAX_BUILDING_LENGTH = 40  # what a request's `building` column holds


def _strip(value: object) -> object:
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


class BoxCreate(BaseModel):
    """A QR suggestion box at a place; requests scanned there go to its responsible unit first."""

    name: str = Field(min_length=2, max_length=100, title="意见箱名称", examples=["亭林园东门"])
    address: str = Field(
        default="", max_length=200, title="详细地址", examples=["玉山镇亭林路亭林园东门入口"]
    )
    town_id: int = Field(title="所在区镇（区划编号）")
    community_id: int | None = Field(default=None, title="社区或村（区划编号）")
    unit_id: int | None = Field(
        default=None, title="责任单位（扫码反映的诉求先派给它；不填则按分类派单）"
    )

    _strip_all = field_validator("name", "address", mode="before")(_strip)


class BoxUpdate(BoxCreate):
    active: bool = Field(default=True, title="在用（停用后扫码提示已停用）")


class BoxRead(BaseModel):
    id: int
    code: str
    name: str
    address: str
    town_id: int
    town: str
    community_id: int | None
    community: str | None
    unit_id: int | None
    unit: str | None
    active: bool
    url: str = Field(title="海报二维码里的地址")


class BoxPublic(BaseModel):
    """What a resident's phone needs to show the place after scanning: no unit, no id."""

    code: str
    name: str
    town: str
    community: str | None
    address: str


def _split(value: object, separators: re.Pattern[str]) -> object:
    if isinstance(value, str):
        value = separators.split(value)
    if not isinstance(value, list):
        return value
    seen: list[str] = []
    for item in value:
        text = _strip(item)
        if isinstance(text, str) and text and text not in seen:
            seen.append(text)
    return seen


class EstateCreate(BaseModel):
    """A managed estate; repairs reported there go to its property company's unit."""

    name: str = Field(min_length=2, max_length=100, title="小区名称", examples=["乐成花园"])
    town_id: int = Field(title="所在区镇（区划编号）")
    community_id: int | None = Field(default=None, title="社区或村（区划编号）")
    unit_id: int = Field(title="物业服务企业（单位编号）")
    buildings: list[str] = Field(
        title="楼栋（每行一个，或用顿号隔开）", examples=[["1幢", "2幢", "3幢"]]
    )

    _strip_name = field_validator("name", mode="before")(_strip)

    @field_validator("buildings", mode="before")
    @classmethod
    def _split_buildings(cls, value: object) -> object:
        return _split(value, _LIST_SEPARATORS)

    @field_validator("buildings")
    @classmethod
    def _check_buildings(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("请至少填写一个楼栋，每行一个，例如 1幢")
        if len(value) > MAX_BUILDINGS:
            raise ValueError(f"楼栋最多 {MAX_BUILDINGS} 个")
        long = next((b for b in value if len(b) > MAX_BUILDING_LENGTH), None)
        if long is not None:
            raise ValueError(f"每个楼栋最多 {MAX_BUILDING_LENGTH} 个字：“{long[:20]}…”")
        return value


class EstateUpdate(EstateCreate):
    active: bool = Field(default=True, title="在用（停用后不再出现在报修页面）")


class EstateRead(BaseModel):
    id: int
    name: str
    town_id: int
    town: str
    community_id: int | None
    community: str | None
    unit_id: int
    unit: str
    buildings: list[str]
    active: bool


class ReceptionDayCreate(BaseModel):
    """人大代表接待日: when, where and which deputies received residents."""

    held_on: dt.date = Field(title="接待日期", examples=["2026-03-15"])
    place: str = Field(
        min_length=2, max_length=200, title="接待地点", examples=["周市镇长泾社区党群服务中心"]
    )
    deputies: str = Field(
        min_length=2, max_length=500, title="接待代表（用顿号隔开）", examples=["张建华、刘敏"]
    )
    town_id: int | None = Field(default=None, title="所在区镇（区划编号）")
    notes: str = Field(default="", max_length=4000, title="备注")

    _strip_all = field_validator("place", "notes", mode="before")(_strip)

    @field_validator("held_on", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                raise ValueError("请填写接待日期")
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError("请按 2026-03-15 的格式填写日期") from None
        return value

    @field_validator("deputies", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        names = _split(value, _NAME_SEPARATORS)
        return "、".join(names) if isinstance(names, list) else names


class ReceptionDayRead(BaseModel):
    id: int
    held_on: dt.date
    place: str
    deputies: list[str]
    town_id: int | None
    town: str | None
    notes: str
