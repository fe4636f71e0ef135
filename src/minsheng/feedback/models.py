"""The resident's answer to the two questions asked when a request is closed (回访)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, UTCDateTime, utcnow
from minsheng.requests.models import CitizenRequest


class Satisfaction(enum.StrEnum):
    satisfied = "satisfied"
    basic = "basic"
    dissatisfied = "dissatisfied"


SATISFACTION_LABELS = {
    Satisfaction.satisfied: "满意",
    Satisfaction.basic: "基本满意",
    Satisfaction.dissatisfied: "不满意",
}


class RatedVia(enum.StrEnum):
    link = "link"  # the reporter's follow link or page
    sms = "sms"  # a reply to the follow-up text
    phone = "phone"  # an operator's call-back
    api = "api"


VIA_LABELS = {
    RatedVia.link: "链接评价",
    RatedVia.sms: "短信评价",
    RatedVia.phone: "电话回访",
    RatedVia.api: "系统对接",
}


class Rating(Base):
    """One rating per round of handling: round 0 is the first closure, 1 after one reopening."""

    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("request_id", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer, default=0)
    # The unit judged: the one that closed this round, even if the request moves on later.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    resolved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[Satisfaction] = mapped_column(
        Enum(Satisfaction, native_enum=False, length=20)
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    via: Mapped[RatedVia] = mapped_column(Enum(RatedVia, native_enum=False, length=10))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)

    request: Mapped[CitizenRequest] = relationship()

    @property
    def satisfaction_label(self) -> str:
        return SATISFACTION_LABELS[self.satisfaction]
