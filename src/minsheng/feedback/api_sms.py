"""The SMS provider's push of a resident's reply (上行短信), for ratings by SMS.

A real provider adapter (for example Aliyun's SMS up-link push) translates its own payload into
this shape: {"from": "13812345678", "text": "1 很满意"} with the shared secret in a header.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, NotFound
from minsheng.core.settings import get_settings
from minsheng.feedback.sms import handle_reply

router = APIRouter(tags=["feedback"])


class InboundSms(BaseModel):
    sender: str = Field(alias="from", max_length=20, title="发信手机号")
    text: str = Field(max_length=500, title="短信内容")


class InboundResult(BaseModel):
    result: str


@router.post(
    "/sms/inbound",
    response_model=InboundResult,
    summary="短信上行（群众回复评价）",
    description="短信服务商推送群众的回复：1 已解决满意，2 已解决基本满意，3 已解决但不满意，"
    "4 未解决。须带 X-Minsheng-Sms-Secret 头；未配置 MINSHENG_SMS_INBOUND_SECRET 时关闭。",
)
def inbound(
    message: InboundSms,
    db: DbSession,
    secret: Annotated[str, Header(alias="X-Minsheng-Sms-Secret", max_length=200)] = "",
) -> InboundResult:
    expected = get_settings().sms_inbound_secret.get_secret_value()
    if not expected:
        raise NotFound("未开通短信回复评价。")
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Forbidden("短信推送的密钥不对。")
    return InboundResult(result=handle_reply(db, phone=message.sender, text=message.text))
