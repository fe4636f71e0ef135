"""What a matter's text is made of (staff forms, Excel import, demo and API alike) and what the API
gives out. The checks here are the ones a single field or row can make; the unit's existence and
related codes are checked in service.py against the database."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

KINDS = (
    "行政许可",
    "行政确认",
    "行政给付",
    "行政征收",
    "行政裁决",
    "行政奖励",
    "其他行政权力",
    "公共服务",
)
PHONE_KINDS = {"consult": "咨询电话", "complaint": "投诉电话"}
CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{1,39}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# 0512-57512345 / 051257512345 (area code 3-4 digits with the 0, 7-8 digit number, extension),
# 13912345678, service numbers 12345 / 12315 / 110, and 400/800 numbers.
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})(?:转(\d{1,6}))?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SERVICE = re.compile(r"^(1\d{2}|1\d{4}|9\d{4})$")
_TOLL_FREE = re.compile(r"^([48]00)(\d{3})(\d{4})$")
MAX_LIST = 40


def clean(value: object) -> object:
    """Stripped text without control characters (PostgreSQL cannot store NUL)."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("含有无法识别的控制字符，请删除后再提交")
    return value.strip()


def normalize_phone(raw: str) -> str | None:
    """A phone number as printed on a card (0512-57512345, 12345, 139 1234 5678 → 13912345678),
    or None when it is not a number one can call."""
    value = unicodedata.normalize("NFKC", raw or "").strip()
    value = re.sub(r"[\s()（）]", "", value).replace("—", "-").replace("－", "-")
    value = value.replace("ext.", "转").replace("-转", "转")
    if value.startswith("+86"):
        value = value[3:]
    digits = value.replace("-", "")
    if _MOBILE.match(digits) or _SERVICE.match(digits):
        return digits
    toll = _TOLL_FREE.match(digits)
    if toll:
        return "-".join(toll.groups())
    land = _LANDLINE.match(digits)
    if land:
        area, number, extension = land.groups()
        return f"{area}-{number}" + (f"转{extension}" if extension else "")
    return None


def dial(number: str) -> str:
    """The digits a tel: link dials (an extension is dialled by hand after a pause)."""
    return number.split("转")[0].replace("-", "")


class Material(BaseModel):
    """申请材料: what to bring, how many originals and copies."""

    name: str = Field(min_length=2, max_length=100, title="材料名称")
    originals: int = Field(default=1, ge=0, le=20, title="原件份数")
    copies: int = Field(default=0, ge=0, le=20, title="复印件份数")
    required: bool = Field(default=True, title="是否必需")
    note: str = Field(default="", max_length=300, title="说明（来源、要求）")

    _clean = field_validator("name", "note", mode="before")(clean)

    @model_validator(mode="after")
    def _some_count(self) -> Material:
        if self.originals == 0 and self.copies == 0:
            raise ValueError(f"“{self.name}”的原件和复印件份数不能都是 0")
        return self


class Step(BaseModel):
    """办理流程的一步."""

    title: str = Field(min_length=2, max_length=60, title="步骤")
    text: str = Field(default="", max_length=1000, title="说明")

    _clean = field_validator("title", "text", mode="before")(clean)


class Phone(BaseModel):
    kind: str = Field(default="consult", title="类别（consult 咨询 / complaint 投诉）")
    label: str = Field(default="", max_length=40, title="名称，如 千灯镇便民服务中心")
    number: str = Field(min_length=3, max_length=40, title="号码")

    _clean = field_validator("label", "number", mode="before")(clean)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in PHONE_KINDS:
            raise ValueError("请选择咨询电话或投诉电话")
        return value

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        normalized = normalize_phone(value)
        if normalized is None:
            raise ValueError(f"“{value}”不是电话号码，请写成 0512-57512345 或 12345 这样")
        return normalized


class Form(BaseModel):
    """申请表格: a name and where to get it."""

    name: str = Field(min_length=2, max_length=100, title="表格名称")
    url: str = Field(default="", max_length=500, title="下载地址")

    _clean = field_validator("name", "url", mode="before")(clean)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://", "/")):
            raise ValueError("下载地址要以 https:// 开头")
        return value


class QA(BaseModel):
    """常见问题."""

    question: str = Field(min_length=2, max_length=200, title="问题")
    answer: str = Field(min_length=2, max_length=1000, title="回答")

    _clean = field_validator("question", "answer", mode="before")(clean)


class MatterContent(BaseModel):
    """One version's text: every field of the national guide standard."""

    title: str = Field(min_length=2, max_length=100, title="事项名称")
    kind: str = Field(default="公共服务", title="事项类型")
    summary: str = Field(default="", max_length=300, title="一句话说明（印在知晓卡上）")
    keywords: str = Field(default="", max_length=300, title="检索关键词（空格分隔）")
    basis: str = Field(default="", max_length=4000, title="设定依据")
    conditions: str = Field(default="", max_length=4000, title="受理条件")
    materials: list[Material] = Field(default_factory=list, max_length=MAX_LIST, title="申请材料")
    steps: list[Step] = Field(default_factory=list, max_length=MAX_LIST, title="办理流程")
    legal_days: int | None = Field(default=None, ge=0, le=365, title="法定办结时限（工作日）")
    promised_days: int | None = Field(
        default=None, ge=0, le=365, title="承诺办结时限（工作日，0 为即办）"
    )
    fee: str = Field(default="不收费", max_length=300, title="收费标准")
    window: str = Field(default="", max_length=200, title="办理窗口")
    place: str = Field(default="", max_length=300, title="办理地点")
    hours: str = Field(default="", max_length=300, title="办理时间")
    latitude: float | None = Field(default=None, ge=30.5, le=32.5, title="纬度")
    longitude: float | None = Field(default=None, ge=120.0, le=122.0, title="经度")
    visits: int = Field(default=1, ge=0, le=5, title="到办事现场次数")
    online_url: str = Field(default="", max_length=500, title="网上办理地址")
    online_note: str = Field(default="", max_length=300, title="网上办理说明")
    phones: list[Phone] = Field(default_factory=list, max_length=10, title="咨询和投诉电话")
    forms: list[Form] = Field(default_factory=list, max_length=MAX_LIST, title="申请表格")
    questions: list[QA] = Field(default_factory=list, max_length=MAX_LIST, title="常见问题")
    related: list[str] = Field(default_factory=list, max_length=20, title="相关事项编码")
    change_note: str = Field(default="", max_length=300, title="本次修改说明")

    _clean = field_validator(
        "title",
        "summary",
        "keywords",
        "basis",
        "conditions",
        "fee",
        "window",
        "place",
        "hours",
        "online_url",
        "online_note",
        "change_note",
        mode="before",
    )(clean)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError("请从列表中选择事项类型")
        return value

    @field_validator("online_url")
    @classmethod
    def _online(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("网上办理地址要以 https:// 开头")
        return value

    @model_validator(mode="after")
    def _days(self) -> MatterContent:
        if (
            self.legal_days is not None
            and self.promised_days is not None
            and self.promised_days > self.legal_days
        ):
            raise ValueError("承诺时限不能长于法定时限")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("经度和纬度要一起填写")
        return self


class MatterCreate(BaseModel):
    """A new matter: its code, its unit, and the text of its first version."""

    code: str = Field(min_length=2, max_length=40, title="事项编码")
    unit_id: int | None = Field(default=None, title="实施主体（单位）")
    content: MatterContent

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: object) -> object:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            if not CODE.match(value):
                raise ValueError("事项编码只能用字母、数字和短横线，2 到 40 位")
        return value


class MaterialRead(Material):
    pass


class MatterSummary(BaseModel):
    """A search hit or a list row."""

    code: str
    title: str
    kind: str
    unit: str
    summary: str
    url: str
    score: float | None = None


class MatterRead(MatterSummary):
    """A matter's current (or asked-for) version, in full, as the API gives it."""

    version: int
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    status: str
    basis: str
    conditions: str
    materials: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    legal_days: int | None
    promised_days: int | None
    fee: str
    window: str
    place: str
    hours: str
    latitude: float | None
    longitude: float | None
    visits: int
    online_url: str
    online_note: str
    phones: list[dict[str, Any]]
    forms: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    related: list[str]


class SearchResults(BaseModel):
    query: str
    total: int
    items: list[MatterSummary]
    # The words actually looked for after synonyms, pinyin and typo correction, for "did you mean".
    interpreted: list[str] = Field(default_factory=list)
