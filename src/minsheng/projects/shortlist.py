"""Shortlisting (遴选): accepted proposals become a candidate project of their batch.

The candidate carries what a project needs from the start (lead unit, dates, at least one target
with its unit of measure). The citizen requests behind its proposals become the project's linked
requests, and their reporters its followers, told when progress moves.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import catalogue
from minsheng.projects.models import Batch, Project, ProjectRequest, Stage
from minsheng.projects.models_collection import Proposal, ProposalRequest, ProposalStatus
from minsheng.projects.permissions import MANAGE_COLLECTION
from minsheng.projects.schemas_catalogue import ProjectCreate
from minsheng.projects.schemas_collection import CandidateCreate
from minsheng.projects.service import record_event, require
from minsheng.requests.models import CitizenRequest


def waiting(db: Session, *, batch: Batch) -> list[Proposal]:
    """Accepted proposals of the batch not yet in a candidate project."""
    stmt = select(Proposal).where(
        Proposal.batch_id == batch.id,
        Proposal.status == ProposalStatus.accepted,
        Proposal.project_id.is_(None),
    )
    return list(db.scalars(stmt.order_by(Proposal.number)))


def candidates(db: Session, *, batch: Batch) -> list[Project]:
    stmt = select(Project).where(Project.batch_id == batch.id, Project.stage == Stage.candidate)
    return list(db.scalars(stmt.order_by(Project.code)))


def _proposals(db: Session, batch: Batch, numbers: list[str]) -> list[Proposal]:
    found = []
    for number in dict.fromkeys(n.strip().upper() for n in numbers if n.strip()):
        proposal = db.scalar(select(Proposal).where(Proposal.number == number))
        if proposal is None or proposal.batch_id != batch.id:
            raise InvalidInput({"proposals": f"建议 {number[:20]} 不在本批次中"})
        if proposal.status != ProposalStatus.accepted:
            message = f"建议 {number} {proposal.status_label}，只有已采纳的建议能形成候选项目"
            raise InvalidInput({"proposals": message})
        if proposal.project_id is not None:
            raise InvalidInput({"proposals": f"建议 {number} 已经形成了候选项目"})
        found.append(proposal)
    if not found:
        raise InvalidInput({"proposals": "请至少选择一条已采纳的建议"})
    return found


def create_candidate(
    db: Session, *, staff: StaffPrincipal, batch: Batch, data: CandidateCreate
) -> Project:
    """A candidate project from accepted proposals, coded batch.code + "-" + three digits.

    Made by the catalogue (catalogue.create_project), which links the proposals and the
    requests behind them and makes those requests' reporters followers (reason "request")."""
    require(staff, MANAGE_COLLECTION)
    if batch.vote_published_at is not None:
        raise Conflict("本批次的票决结果已经公布，不能再增加候选项目。", code="vote_published")
    proposals = _proposals(db, batch, data.proposals)
    request_numbers = list(
        dict.fromkeys(
            db.scalars(
                select(CitizenRequest.tracking_number)
                .join(ProposalRequest, ProposalRequest.request_id == CitizenRequest.id)
                .where(ProposalRequest.proposal_id.in_([p.id for p in proposals]))
                .order_by(ProposalRequest.id)
            )
        )
    )
    fields = data.model_dump(exclude={"proposals"})
    plan = catalogue.validated(
        ProjectCreate,
        {
            **fields,
            "batch": batch.code,
            "stage": Stage.candidate,
            "request_numbers": request_numbers,
            "proposal_numbers": [p.number for p in proposals],
        },
    )
    project = catalogue.create_project(db, staff=staff, data=plan)
    numbers = "、".join(p.number for p in proposals)
    record_event(db, project, "candidate", f"由建议 {numbers} 形成候选项目。")
    db.flush()
    return project


def request_count(db: Session, *, project: Project) -> int:
    stmt = select(func.count()).where(ProjectRequest.project_id == project.id)
    return int(db.scalar(stmt) or 0)
