"""What goes in and out of the categories and routing-rule API and forms."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

CODE_PATTERN = r"^[a-z][a-z0-9_.\-]{1,39}$"


class CategoryCreate(BaseModel):
    code: str = Field(pattern=CODE_PATTERN, title="代码", examples=["property.elevator"])
    name: str = Field(min_length=1, max_length=60, title="名称", examples=["电梯故障"])
    parent_id: int | None = Field(default=None, title="上级分类")
    description: str = Field(default="", max_length=2000, title="说明")
    keywords: str = Field(default="", max_length=500, title="关键词")
    response_hours: int | None = Field(default=None, ge=1, le=720, title="签收时限（工作小时）")
    resolve_days: int | None = Field(default=None, ge=1, le=365, title="办结时限（工作日）")
    accepts_public: bool = Field(default=True, title="群众可直接选择")
    default_unit_id: int | None = Field(default=None, title="默认承办单位")
    sort_order: int = Field(default=0, ge=-1000, le=1000, title="排序")

    @field_validator("code", "name", "keywords", "description", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("code", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class CategoryUpdate(CategoryCreate):
    active: bool = True


class CategoryRead(BaseModel):
    """A category with its own limits and the limits that apply after inheritance."""

    id: int
    code: str
    name: str
    parent_id: int | None
    parent_code: str | None
    depth: int
    description: str
    keywords: str
    response_hours: int | None
    resolve_days: int | None
    effective_response_hours: int
    effective_resolve_days: int
    accepts_public: bool
    default_unit_id: int | None
    sort_order: int
    active: bool


class RoutingRuleCreate(BaseModel):
    category_id: int = Field(title="分类")
    region_id: int | None = Field(default=None, title="区域（不填表示全市）")
    unit_id: int = Field(title="承办单位")
    note: str = Field(default="", max_length=200, title="备注")


class RoutingRuleRead(BaseModel):
    id: int
    category_id: int
    category_name: str
    region_id: int | None
    region_name: str | None
    unit_id: int
    unit_name: str
    note: str


class RouteAnswer(BaseModel):
    """Where a request of a category in a place goes, and why."""

    unit_id: int | None
    unit_name: str | None
    reason: str
    rule_id: int | None = None
