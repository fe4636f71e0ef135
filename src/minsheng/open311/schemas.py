"""What the API keys endpoints and the extra-questions form take and give."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field, field_validator

from minsheng.open311.models import Datatype
from minsheng.open311.params import CONTROL

CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


class ApiKeyCreate(BaseModel):
    name: str = Field(
        min_length=1, max_length=60, title="对接系统名称", examples=["FixMyStreet 昆山站"]
    )


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="密钥的开头几位，用来认出是哪一把")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    model_config = {"from_attributes": True}


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="密钥本身，只在此时显示一次，请立即交给对接方保存")


class AttributeIn(BaseModel):
    """One extra question of a category, as the form sends it (values one per line)."""

    code: str = Field(max_length=40, title="代码")
    description: str = Field(min_length=1, max_length=500, title="问题")
    datatype: Datatype = Field(title="回答类型")
    required: bool = Field(default=False, title="必答")
    variable: bool = Field(default=True, title="需要回答")
    order: int = Field(default=1, ge=1, le=999, title="顺序")
    datatype_description: str = Field(default="", max_length=200, title="填写说明")
    values_text: str = Field(default="", max_length=4000, title="选项")

    @field_validator("code", "description", "datatype_description", "values_text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str) and CONTROL.search(value):
            raise ValueError("含有无法识别的控制字符，请删除后再提交")
        return value.strip() if isinstance(value, str) else value

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CODE.match(value):
            raise ValueError("代码只能用字母、数字、下划线、点和短横线，最多 40 个")
        return value
