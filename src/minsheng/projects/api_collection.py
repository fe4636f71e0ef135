"""JSON API for 征集公示: proposals and their answers, the deputies' votes and their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from minsheng.accounts.deps import require as require_perm
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import Forbidden, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import collection, service, voting
from minsheng.projects.models_collection import (
    VOTE_LABELS,
    Proposal,
    ProposalSource,
    ProposalStatus,
)
from minsheng.projects.permissions import DEPUTY_VOTE, MANAGE_COLLECTION
from minsheng.projects.schemas_collection import (
    BatchVotes,
    ProposalAnswer,
    ProposalCreate,
    ProposalEntry,
    ProposalPublic,
    ProposalsPage,
    VoteCast,
    VoteRead,
)
from minsheng.requests.api import StaffOrAnonymous

router = APIRouter(tags=["projects-collection"])
Answerer = Annotated[StaffPrincipal, Depends(require_perm(MANAGE_COLLECTION))]
Deputy = Annotated[StaffPrincipal, Depends(require_perm(DEPUTY_VOTE))]
Number = Annotated[str, Path(max_length=20, description="建议编号", examples=["JY2026-0001"])]


class ProposalSubmit(ProposalCreate):
    """Residents send no token; units and deputies send a staff token and say which they are."""

    source: ProposalSource = Field(
        default=ProposalSource.resident,
        title="来源：resident 群众（无需令牌）、unit 部门、deputy 代表",
    )
    unit_id: int | None = Field(default=None, title="申报单位（来源为 unit 时）")
    deputy_id: int | None = Field(
        default=None, title="代表的账号编号（来源为 deputy，由征集办代录时）"
    )


class ProposalCreated(BaseModel):
    number: str
    status: ProposalStatus
    status_label: str
    url: str = Field(title="公开页面")


def _view(db: DbSession, proposal: Proposal) -> ProposalPublic:
    return collection.public_view(proposal, project=collection.project_code(db, proposal))


@router.get(
    "/proposals",
    response_model=ProposalsPage,
    summary="实事项目建议列表",
    description="公开数据：按批次、领域、答复状态和来源筛选，附支持人数，不含提出人的任何个人信息。"
    "sort=support 按支持人数排序，默认最新的在前。",
)
def list_proposals(
    db: DbSession,
    batch: Annotated[str | None, Query(max_length=20, description="批次编号")] = None,
    area: Annotated[str | None, Query(max_length=20, description="领域")] = None,
    status: Annotated[ProposalStatus | None, Query(description="答复状态")] = None,
    source: Annotated[ProposalSource | None, Query(description="来源")] = None,
    sort: Annotated[str, Query(pattern="^(new|support)$", description="new 或 support")] = "new",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProposalsPage:
    rows, total = collection.list_proposals(
        db,
        batch=batch,
        area=area,
        status=status,
        source=source,
        by_support=sort == "support",
        limit=limit,
        offset=offset,
    )
    return ProposalsPage(
        items=[_view(db, p) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get("/proposals/{number}", response_model=ProposalPublic, summary="一条建议及其答复")
def get_proposal(number: Number, db: DbSession) -> ProposalPublic:
    proposal = collection.get_proposal(db, number=number)
    if not proposal.public:
        raise NotFound("没有找到这条建议。")
    return _view(db, proposal)


@router.post(
    "/proposals",
    response_model=ProposalCreated,
    status_code=201,
    summary="提出实事项目建议",
    description="只在批次征集期内受理，一条建议只提一件事。群众无需令牌（按来源地址和手机号限频），"
    "称呼和手机号选填、不公开，留手机号才能收到答复短信。部门和代表带工作人员令牌，"
    "source 填 unit（附 unit_id）或 deputy。",
)
def submit(
    data: ProposalSubmit, db: DbSession, staff: StaffOrAnonymous, addr: ClientAddr
) -> ProposalCreated:
    fields = data.model_dump(exclude={"source", "unit_id", "deputy_id"})
    if data.source == ProposalSource.resident:
        proposal = collection.submit(db, data=ProposalCreate(**fields), client_addr=addr)
    elif data.source == ProposalSource.requests:
        raise Forbidden("由诉求汇成的建议请在工作台“诉求转建议”中提出。")
    elif staff is None:
        raise Forbidden("部门申报和代表建议需带工作人员令牌。")
    else:
        entry = ProposalEntry(
            **fields, source=data.source, unit_id=data.unit_id, deputy_id=data.deputy_id
        )
        proposal = collection.enter(db, staff=staff, data=entry)
    return ProposalCreated(
        number=proposal.number,
        status=proposal.status,
        status_label=proposal.status_label,
        url=f"{get_settings().base_url}/projects/proposals/{proposal.number}",
    )


@router.post(
    "/proposals/{number}/answer",
    response_model=ProposalPublic,
    summary="答复建议",
    description="征集办正式答复：accepted 采纳、merged 合并（merged_into 填同批次的另一条建议）、"
    "not_adopted 不予采纳（answer 必须说明理由）。每条建议只答复一次；"
    "留了手机号的提出人会收到短信。",
)
def answer(number: Number, data: ProposalAnswer, db: DbSession, staff: Answerer) -> ProposalPublic:
    proposal = collection.get_proposal(db, number=number)
    collection.answer(db, staff=staff, proposal=proposal, data=data)
    return _view(db, proposal)


@router.get(
    "/batches/{code}/votes",
    response_model=BatchVotes,
    summary="人大代表票决结果",
    description="公布后可读：每个候选项目的赞成、反对、弃权票数和是否入选，不含代表姓名。",
)
def vote_results(
    code: Annotated[str, Path(max_length=20, description="批次编号")], db: DbSession
) -> BatchVotes:
    batch = service.get_batch(db, code=code)
    if batch.vote_published_at is None:
        raise NotFound("本批次的票决结果尚未公布。", code="vote_not_published")
    return voting.results(db, batch=batch)


@router.post(
    "/projects/{code}/votes",
    response_model=VoteRead,
    status_code=201,
    summary="代表投票",
    description="人大代表在票决时间内对每个候选项目投一票："
    "approve 赞成、oppose 反对、abstain 弃权。时间外投票或重复投票返回 409。",
)
def cast_vote(
    code: Annotated[str, Path(max_length=20, description="项目编号")],
    data: VoteCast,
    db: DbSession,
    staff: Deputy,
) -> VoteRead:
    project = service.get_project(db, code=code)
    vote = voting.cast(db, staff=staff, project=project, choice=data.choice)
    return VoteRead(
        project=project.code,
        choice=vote.choice,
        choice_label=VOTE_LABELS[vote.choice],
        cast_at=vote.cast_at,
    )
