"""Where a project came from: the citizen requests (问题清单) and the proposals that led to it.

A request's reporter becomes a follower of the project and is told once, by SMS, that the
problem they raised is now a practical project.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.projects import follow
from minsheng.projects.models import Project, ProjectRequest
from minsheng.projects.models_collection import Proposal
from minsheng.requests import service as requests
from minsheng.requests.models import CitizenRequest


def request_numbers(db: Session, project: Project) -> list[str]:
    return list(
        db.scalars(
            select(CitizenRequest.tracking_number)
            .join(ProjectRequest, ProjectRequest.request_id == CitizenRequest.id)
            .where(ProjectRequest.project_id == project.id)
            .order_by(ProjectRequest.id)
        )
    )


def proposal_numbers(db: Session, project: Project) -> list[str]:
    return list(
        db.scalars(
            select(Proposal.number).where(Proposal.project_id == project.id).order_by(Proposal.id)
        )
    )


def proposals_of(db: Session, project: Project) -> list[Proposal]:
    """The public proposals the project came from, for its page."""
    return list(
        db.scalars(
            select(Proposal)
            .where(Proposal.project_id == project.id, Proposal.public.is_(True))
            .order_by(Proposal.id)
        )
    )


def request_count(db: Session, project: Project) -> int:
    return len(request_numbers(db, project))


def _requests(db: Session, numbers: list[str]) -> list[CitizenRequest]:
    found = []
    for number in numbers:
        try:
            found.append(requests.get_by_tracking(db, tracking_number=number))
        except NotFound:
            raise InvalidInput(
                {"request_numbers": f"没有找到编号为 {number[:30]} 的诉求"}
            ) from None
    return found


def _proposals(db: Session, project: Project, numbers: list[str]) -> list[Proposal]:
    found = []
    for number in numbers:
        proposal = db.scalar(select(Proposal).where(Proposal.number == number[:20]))
        if proposal is None:
            raise InvalidInput({"proposal_numbers": f"没有找到编号为 {number[:30]} 的建议"})
        if proposal.batch_id != project.batch_id:
            raise InvalidInput({"proposal_numbers": f"建议 {number} 不是本批次征集的"})
        if proposal.project_id not in (None, project.id):
            raise InvalidInput({"proposal_numbers": f"建议 {number} 已列入另一个项目"})
        found.append(proposal)
    return found


def set_links(
    db: Session, project: Project, request_numbers_: list[str], proposal_numbers_: list[str]
) -> None:
    """Makes the project's sources exactly these; reporters of newly linked requests follow it."""
    wanted = _requests(db, request_numbers_)
    proposals = _proposals(db, project, proposal_numbers_)
    rows = {
        r.request_id: r
        for r in db.scalars(select(ProjectRequest).where(ProjectRequest.project_id == project.id))
    }
    wanted_ids = {r.id for r in wanted}
    for request_id, row in rows.items():
        if request_id not in wanted_ids:
            db.delete(row)
    for request in wanted:
        if request.id in rows:
            continue
        db.add(ProjectRequest(project_id=project.id, request_id=request.id))
        if request.contact_phone and follow.find(db, project, request.contact_phone) is None:
            follower = follow.add_follower(db, project, request.contact_phone, reason="request")
            follow.tell_one(
                db,
                project,
                follower,
                f"您反映的问题（{request.tracking_number}）已列入实事项目“{project.title}”，"
                "项目有进展时会短信告诉您。",
            )
    for proposal in db.scalars(select(Proposal).where(Proposal.project_id == project.id)):
        if proposal not in proposals:
            proposal.project_id = None
    for proposal in proposals:
        proposal.project_id = project.id
    db.flush()
