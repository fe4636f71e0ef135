"""'Not clear? ask': a reader's question about a matter filed as a citizen request (a consultation,
政策咨询) through the requests service, and kept with the matter as a Question.

Routing places the request as for any consultation (the 12345 centre dispatches it); the
description names the matter's unit so the centre can send it there. Flushes, never commits.
"""

from __future__ import annotations

from pydantic import BaseModel, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.permissions import ResidentPrincipal
from minsheng.core.settings import get_settings
from minsheng.core.text import normalize_mobile
from minsheng.guides import service
from minsheng.guides.feedback import clean_text
from minsheng.guides.models import Matter, Question
from minsheng.requests import service as requests
from minsheng.requests.models import Channel, CitizenRequest
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.routing import service as routing

# The category a question is filed under; then the fallbacks, in order (a setting candidate).
ASK_CATEGORY = "consult"
FALLBACK_CATEGORIES = ("other",)
QUESTION_MIN = 5
QUESTION_MAX = 1000
EMPTY = "请写下您的问题"
TOO_SHORT = "请把问题写具体一些，至少 5 个字"
TOO_LONG = "问题最多 1000 字，请删减一些"
NO_TOWN = "请选择您所在的区镇"
NOT_A_PHONE = "请填写 11 位手机号码，例如 13812345678"
NO_CATEGORY = "暂时不能在网上提问，请拨打 12345 政务服务便民热线咨询。"


class AskIn(BaseModel):
    """What the ask form sends."""

    question: str
    town: str
    contact_phone: str = ""

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: object) -> str:
        text = clean_text(str(value or ""))
        if not text:
            raise ValueError(EMPTY)
        if len(text) < QUESTION_MIN:
            raise ValueError(TOO_SHORT)
        if len(text) > QUESTION_MAX:
            raise ValueError(TOO_LONG)
        return text

    @field_validator("town", mode="before")
    @classmethod
    def _town(cls, value: object) -> str:
        text = clean_text(str(value or ""))[:12]
        if not text:
            raise ValueError(NO_TOWN)
        return text

    @field_validator("contact_phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> str:
        text = clean_text(str(value or ""))
        if not text:
            return ""
        phone = normalize_mobile(text[:20])
        if phone is None:
            raise ValueError(NOT_A_PHONE)
        return phone


def category_code(db: Session) -> str | None:
    """The consultation category if residents may use it, else the first fallback that works."""
    for code in (ASK_CATEGORY, *FALLBACK_CATEGORIES):
        category = routing.get_category_by_code(db, code=code)
        if category is not None and category.active and category.accepts_public:
            return code
    return None


def describe(matter: Matter, question: str) -> tuple[str, str]:
    """The request's title and description: the matter, its version and unit, and the question."""
    version = service.current_version(matter)
    if version is None:
        raise NotFound("没有找到这个办事事项，请检查编码或搜索事项名称。")
    title = f"办事咨询：{version.title}"[:100]
    link = f"{get_settings().base_url}/guides/{matter.code}/v/{version.number}"
    description = (
        f"群众看了办事指南后提问。\n"
        f"事项：{version.title}（编码 {matter.code}，第 {version.number} 版）\n"
        f"实施主体：{matter.unit.name}\n"
        f"指南：{link}\n"
        f"问题：{question}"
    )
    return title, description


def question_for(db: Session, *, request: CitizenRequest) -> Question | None:
    return db.scalar(select(Question).where(Question.request_id == request.id))


def ask(
    db: Session,
    *,
    matter: Matter,
    data: AskIn,
    resident: ResidentPrincipal | None = None,
    client_addr: str = "unknown",
    idempotency_key: str | None = None,
) -> tuple[Question, CitizenRequest, str | None]:
    """Files the question as a request tagged with the matter; returns it with its follow token
    (None when the same form was sent before: the first request is answered again)."""
    code = category_code(db)
    if code is None:
        raise InvalidInput({"__all__": NO_CATEGORY})
    title, description = describe(matter, data.question)
    request_data = RequestCreate(
        category=code,
        title=title,
        description=description,
        town=data.town,
        channel=Channel.web,
        contact=Contact(phone=data.contact_phone) if data.contact_phone else None,
    )
    created, token = requests.submit(
        db,
        data=request_data,
        resident=resident,
        client_addr=client_addr,
        idempotency_key=idempotency_key,
        # The unit that handles the matter knows it best: no round through the dispatch centre.
        unit=matter.unit,
        unit_reason="办事指南所属单位",
    )
    question = question_for(db, request=created)
    if question is None:
        question = Question(matter_id=matter.id, request_id=created.id)
        db.add(question)
        db.flush()
    return question, created, token
