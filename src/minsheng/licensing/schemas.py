"""What the applicant's steps take in (web, kiosk and API alike) and what the API gives out."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class FamilyMember(BaseModel):
    name: str = Field(min_length=2, max_length=20, title="姓名")
    id_number: str = Field(min_length=15, max_length=30, title="身份证号码")


class BusinessIn(BaseModel):
    """Step 2: the business. A 字号 is optional (an individual business may have no name);
    when given, the name is 行政区划 + 字号 + 行业 + 组织形式 (昆山市千灯镇 + 阿唐 + 面馆 + 店)."""

    org_form: str = Field(
        default="individual", title="组成形式（individual 个人经营 / family 家庭经营）"
    )
    family_members: list[FamilyMember] = Field(default_factory=list, max_length=10)
    trade_name: str = Field(default="", max_length=20, title="字号")
    industry_word: str = Field(default="", max_length=20, title="行业表述，如 面馆")
    form_word: str = Field(default="", max_length=10, title="组织形式用字，如 店")
    town_id: int | None = Field(default=None, title="经营场所所在区镇")
    community_id: int | None = Field(default=None, title="社区或村")
    address: str = Field(default="", max_length=120, title="详细地址（路、门牌号）")
    scope_codes: list[str] = Field(default_factory=list, max_length=30, title="经营范围条目")


class RuleRead(BaseModel):
    code: str
    label: str
    passed: bool
    message: str


class LicenseRead(BaseModel):
    """An issued license as the registrar's API lists it."""

    uscc: str
    name: str
    operator_name: str
    town: str
    place: str
    scope: str
    registered_on: dt.date
    authority: str
    status: str  # valid or deregistered
    demo: bool
    verify_url: str


class LicensesPage(BaseModel):
    total: int
    items: list[LicenseRead]
