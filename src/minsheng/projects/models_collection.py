"""征集公示: proposals, supports, comments, the deputies' vote, the public notice and objections."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minsheng.core.db import Base, TimestampMixin, UTCDateTime, utcnow
from minsheng.org.models import Unit
from minsheng.projects.models import Batch


class ProposalSource(enum.StrEnum):
    resident = "resident"
    unit = "unit"
    deputy = "deputy"
    requests = "requests"  # a cluster of citizen requests, turned into a proposal by staff


SOURCE_LABELS = {
    ProposalSource.resident: "群众建议",
    ProposalSource.unit: "部门申报",
    ProposalSource.deputy: "代表建议",
    ProposalSource.requests: "诉求热点",
}


class ProposalStatus(enum.StrEnum):
    submitted = "submitted"  # waiting for the official answer
    accepted = "accepted"  # 采纳: may be shortlisted into a candidate project
    merged = "merged"  # 合并 into another proposal
    not_adopted = "not_adopted"  # 不予采纳, with a reason


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.submitted: "待答复",
    ProposalStatus.accepted: "已采纳",
    ProposalStatus.merged: "已合并",
    ProposalStatus.not_adopted: "未采纳",
}


class Proposal(TimestampMixin, Base):
    """One idea for a practical project, from a resident, a unit, a deputy or a request cluster."""

    __tablename__ = "project_proposal"
    __audit_mask__ = frozenset({"proposer_name", "proposer_phone"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # "JY2026-0001", public
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("project_batch.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[ProposalSource] = mapped_column(
        Enum(ProposalSource, native_enum=False, length=20)
    )
    area: Mapped[str] = mapped_column(String(20))  # a key of models.AREAS
    title: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(Text)  # the problem or the idea
    why: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")  # suggested way of doing it
    # Personal data: shown to staff who handle proposals, masked elsewhere, never public.
    proposer_name: Mapped[str] = mapped_column(String(40), default="")
    proposer_phone: Mapped[str] = mapped_column(String(20), default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(ProposalStatus, native_enum=False, length=20), default=ProposalStatus.submitted
    )
    answer: Mapped[str] = mapped_column(Text, default="")  # the official answer, public
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="SET NULL")
    )
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    # The candidate project it was shortlisted into (several proposals may share one).
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True
    )
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    batch: Mapped[Batch] = relationship()
    unit: Mapped[Unit | None] = relationship()
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUS_LABELS[self.status]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


class ProposalRequest(Base):
    """A citizen request in the cluster a proposal was made from; its reporter is told."""

    __tablename__ = "proposal_request"
    __table_args__ = (UniqueConstraint("proposal_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("citizen_request.id", ondelete="CASCADE"), index=True
    )


class ProposalSupport(Base):
    """One resident's support (点赞/附议); one per phone number."""

    __tablename__ = "proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="CASCADE"), index=True
    )
    # Hashed: who supported what is nobody's business, only that it is one per person.
    phone_hash: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Moderation(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


MODERATION_LABELS = {
    Moderation.pending: "待审核",
    Moderation.approved: "已公开",
    Moderation.rejected: "未通过",
}


class ProposalComment(Base):
    """A resident's comment; shown publicly only once a moderator approves it."""

    __tablename__ = "proposal_comment"
    __audit_mask__ = frozenset({"author_name"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("project_proposal.id", ondelete="CASCADE"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(40), default="")  # shown masked: 张**
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[Moderation] = mapped_column(
        Enum(Moderation, native_enum=False, length=10), default=Moderation.pending
    )
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    moderation_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteChoice(enum.StrEnum):
    approve = "approve"
    oppose = "oppose"
    abstain = "abstain"


VOTE_LABELS = {VoteChoice.approve: "赞成", VoteChoice.oppose: "反对", VoteChoice.abstain: "弃权"}


class Vote(Base):
    """A deputy's vote on a candidate project (票决): one per deputy and candidate."""

    __tablename__ = "project_vote"
    __table_args__ = (UniqueConstraint("project_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    deputy_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="RESTRICT"))
    choice: Mapped[VoteChoice] = mapped_column(Enum(VoteChoice, native_enum=False, length=10))
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    superseded = "superseded"  # replaced by a later notice; never edited once published


class Notice(TimestampMixin, Base):
    """The public notice (公示) of the chosen projects, with an objection window and a contact."""

    __tablename__ = "project_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("project_batch.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    objection_from: Mapped[dt.date] = mapped_column()
    objection_until: Mapped[dt.date] = mapped_column()
    contact: Mapped[str] = mapped_column(String(200))  # office and phone for objections
    status: Mapped[NoticeStatus] = mapped_column(
        Enum(NoticeStatus, native_enum=False, length=20), default=NoticeStatus.draft
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_notice.id", ondelete="SET NULL")
    )
    # The project codes and titles as published, frozen: the notice says what it said.
    snapshot: Mapped[str] = mapped_column(Text, default="[]")  # JSON list

    batch: Mapped[Batch] = relationship()


class Objection(Base):
    """An objection raised during a notice's window, and the answer to it."""

    __tablename__ = "project_objection"
    __audit_mask__ = frozenset({"name", "phone"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("project_notice.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
