"""Registration offices, the standard business-scope wordings, applications (register, amend,
deregister) with every rule's result and each step's time, issued licenses, and code serials."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime
from minsheng.org.models import Region, Unit


class Office(TimestampMixin, Base):
    """A registration office (登记机关) and its kiosks: whose registrars review, which backend
    checks identity, the authority printed on the license."""

    __tablename__ = "licensing_office"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # in the kiosk's address
    name: Mapped[str] = mapped_column(String(100))  # 千灯镇便民服务中心证照自助区
    authority: Mapped[str] = mapped_column(String(100))  # 登记机关 on the license
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    # identity.BACKENDS: "officer" (a registrar confirms at the window) or "demo" (演示).
    identity_backend: Mapped[str] = mapped_column(String(20), default="officer")
    instant_approval: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship()
    town: Mapped[Region | None] = relationship()


class ScopeItem(Base):
    """A standard wording of business scope (经营范围规范表述); some need a permit first."""

    __tablename__ = "licensing_scope_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    wording: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(20))  # 餐饮, 零售, 美容美发 … for grouping
    permit: Mapped[bool] = mapped_column(Boolean, default=False)  # 许可项目
    permit_name: Mapped[str] = mapped_column(String(100), default="")  # 食品经营许可
    guide_code: Mapped[str] = mapped_column(String(40), default="")  # the guides matter
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes it cannot go with
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApplicationKind(enum.StrEnum):
    register = "register"  # 设立登记
    amend = "amend"  # 变更登记: place or scope
    deregister = "deregister"  # 简易注销


class ApplicationStatus(enum.StrEnum):
    filling = "filling"  # the applicant is still at it
    reviewing = "reviewing"  # waiting for a registrar (rules failed, or identity to confirm)
    returned = "returned"  # sent back for correction
    issued = "issued"  # approved and done (license issued, amended or deregistered)
    refused = "refused"
    abandoned = "abandoned"  # left mid-way: personal data wiped


STATUS_LABELS = {
    ApplicationStatus.filling: "填写中",
    ApplicationStatus.reviewing: "等待登记人员审核",
    ApplicationStatus.returned: "退回修改",
    ApplicationStatus.issued: "已办结",
    ApplicationStatus.refused: "不予登记",
    ApplicationStatus.abandoned: "已放弃",
}
KIND_LABELS = {
    ApplicationKind.register: "设立登记",
    ApplicationKind.amend: "变更登记",
    ApplicationKind.deregister: "简易注销",
}
ORG_FORMS = {"individual": "个人经营", "family": "家庭经营"}


class Application(TimestampMixin, Base):
    """One application at the kiosk or on the web, from identity to decision."""

    __tablename__ = "licensing_application"
    __audit_mask__ = frozenset({"operator_name", "id_number", "phone", "family_members"})
    __audit_redact__ = frozenset({"status_token_hash"})
    __audit_ignore__ = frozenset({"step_times", "last_active_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # told to the applicant
    kind: Mapped[ApplicationKind] = mapped_column(
        Enum(ApplicationKind, native_enum=False, length=12), default=ApplicationKind.register
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=12), default=ApplicationStatus.filling
    )
    channel: Mapped[str] = mapped_column(String(10), default="web")  # kiosk or web
    office_id: Mapped[int] = mapped_column(ForeignKey("licensing_office.id", ondelete="RESTRICT"))
    # The license amended or deregistered, or the one this registration issued.
    license_id: Mapped[int | None] = mapped_column(
        ForeignKey("licensing_license.id", ondelete="RESTRICT"), index=True
    )
    # 1 identity
    operator_name: Mapped[str] = mapped_column(String(40), default="")
    id_number: Mapped[str] = mapped_column(String(18), default="", index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    phone_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    identity_backend: Mapped[str] = mapped_column(String(20), default="")
    identity_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    identity_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # 2 business
    org_form: Mapped[str] = mapped_column(String(12), default="individual")
    family_members: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    name_division: Mapped[str] = mapped_column(String(40), default="")  # 昆山市千灯镇
    trade_name: Mapped[str] = mapped_column(String(20), default="")  # 字号: 阿唐
    industry_word: Mapped[str] = mapped_column(String(20), default="")  # 面馆
    form_word: Mapped[str] = mapped_column(String(10), default="")  # 店
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    address: Mapped[str] = mapped_column(String(200), default="")
    scope_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 3 checks and decision: [{"code", "label", "passed", "message"}]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decision: Mapped[str] = mapped_column(String(10), default="")  # instant or review
    reason: Mapped[str] = mapped_column(Text, default="")  # return or refusal, for the applicant
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # The applicant's own status page; the plain token is only in their SMS and session.
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    step_times: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # seconds per step
    last_active_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    office: Mapped[Office] = relationship()
    license: Mapped[License | None] = relationship(foreign_keys=[license_id])
    town: Mapped[Region | None] = relationship(foreign_keys=[town_id])
    community: Mapped[Region | None] = relationship(foreign_keys=[community_id])

    @property
    def business_name(self) -> str:
        """The full name when a 字号 was chosen; an individual business may have none."""
        if not self.trade_name:
            return ""
        return self.name_division + self.trade_name + self.industry_word + self.form_word


class License(TimestampMixin, Base):
    """An issued business license; its public fields are what the verification page shows."""

    __tablename__ = "licensing_license"
    __audit_mask__ = frozenset({"operator_name", "operator_id_number"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    operator_name: Mapped[str] = mapped_column(String(40))
    operator_id_number: Mapped[str] = mapped_column(String(18), index=True)
    org_form: Mapped[str] = mapped_column(String(12))
    place: Mapped[str] = mapped_column(String(260))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    industry: Mapped[str] = mapped_column(String(20), default="")
    scope_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_text: Mapped[str] = mapped_column(Text)
    registered_on: Mapped[dt.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(100))
    office_id: Mapped[int] = mapped_column(ForeignKey("licensing_office.id", ondelete="RESTRICT"))
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)  # issued with the demo identity
    # The public verification page's key, in the QR code; not guessable from the credit code.
    verify_key: Mapped[str] = mapped_column(String(24), unique=True)
    edition: Mapped[int] = mapped_column(Integer, default=1)  # a new print after each amendment

    office: Mapped[Office] = relationship()
    town: Mapped[Region | None] = relationship()


class CodeSerial(Base):
    """The next body serial of credit codes per division: taken and raised in the issuing
    transaction, so no code is issued twice (the unique uscc is the last guard)."""

    __tablename__ = "licensing_code_serial"
    __audited__ = False

    division: Mapped[str] = mapped_column(String(6), primary_key=True)
    next_serial: Mapped[int] = mapped_column(Integer, default=1)
