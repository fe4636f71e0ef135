"""JSON API for 绩效评估 and 建章立制: scores and ranking, the scheme, quality marks, the two
satisfaction surveys, and the public list of mechanisms."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from minsheng.accounts import residents
from minsheng.accounts.deps import require
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import SATISFACTION_LABELS
from minsheng.projects import evaluation, mechanisms, ratings
from minsheng.projects.models import Batch, Project
from minsheng.projects.models_review import Mechanism
from minsheng.projects.permissions import DEPUTY_VOTE, MANAGE_PROJECTS, SUPERVISE
from minsheng.projects.schemas_evaluation import (
    DeputyRatingIn,
    EvaluationRead,
    IndicatorRead,
    MechanismDetail,
    MechanismRead,
    ProjectScoreRead,
    QualityIn,
    QualityRead,
    RatingCodeIn,
    RatingIn,
    RatingRead,
    ResidentRatingIn,
    SatisfactionRead,
    SchemeIn,
    SchemeRead,
    ScoreRead,
    UnitScoreRead,
    VersionRead,
)
from minsheng.projects.service import get_batch, get_project
from minsheng.web.errors import api_error

router = APIRouter(tags=["projects-evaluation"])
Supervisor = Annotated[StaffPrincipal, Depends(require(SUPERVISE))]
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]
Deputy = Annotated[StaffPrincipal, Depends(require(DEPUTY_VOTE))]


def _scheme_read(db: DbSession, batch: Batch) -> SchemeRead:
    items, saved = evaluation.scheme(db, batch)
    return SchemeRead(
        batch=batch.code,
        saved=saved,
        indicators=[IndicatorRead.model_validate(vars(i)) for i in items],
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@router.get(
    "/batches/{code}/evaluation",
    response_model=EvaluationRead,
    summary="批次绩效评估：得分、排名和依据",
    description="按批次的评估方案为实施中和已完成的项目打分（每项 0-100），"
    "给出每个得分所用的数字和算式，项目排名和牵头单位排名"
    "（单位得分为其牵头项目总分的平均数）。无数据的指标为 null，权重按比例分给其他指标。"
    "on 为评估日期（默认今天），进度和月报及时率算到这一天。",
)
def batch_evaluation(
    code: str,
    db: DbSession,
    _: Supervisor,
    on: Annotated[dt.date | None, Query(description="评估日期 YYYY-MM-DD")] = None,
) -> EvaluationRead:
    result = evaluation.evaluate(db, batch=get_batch(db, code=code), on=on)
    return EvaluationRead(
        batch=result.batch.code,
        on=result.on,
        scheme=_scheme_read(db, result.batch),
        projects=[
            ProjectScoreRead(
                code=s.project.code,
                title=s.project.title,
                lead_unit=s.project.lead_unit.name,
                stage=s.project.stage.value,
                total=_round(s.total),
                rank=s.rank,
                evidence=s.evidence,
                scores=[
                    ScoreRead(
                        code=x.code,
                        label=x.label,
                        weight=x.weight,
                        effective_weight=round(x.effective_weight, 2),
                        value=_round(x.value),
                        evidence=x.evidence,
                    )
                    for x in s.scores
                ],
            )
            for s in result.projects
        ],
        units=[
            UnitScoreRead(
                unit=u.unit.name, projects=len(u.projects), total=_round(u.total), rank=u.rank
            )
            for u in result.units
        ],
    )


@router.get("/batches/{code}/scheme", response_model=SchemeRead, summary="批次的评估方案")
def get_scheme(code: str, db: DbSession, _: Supervisor) -> SchemeRead:
    return _scheme_read(db, get_batch(db, code=code))


@router.post(
    "/batches/{code}/scheme",
    response_model=SchemeRead,
    summary="设定批次的评估方案",
    description="整体替换。指标 code 为 progress、timeliness、targets、quality、satisfaction，"
    "每项最多一次，权重大于 0，合计必须为 100；否则返回 422，details 指出哪一项。",
)
def set_scheme(code: str, data: SchemeIn, db: DbSession, _: Manager) -> SchemeRead:
    batch = get_batch(db, code=code)
    evaluation.set_scheme(db, batch=batch, items=data.indicators)
    return _scheme_read(db, batch)


@router.post(
    "/projects/{code}/quality",
    response_model=QualityRead,
    summary="督查人员给项目质量评分",
    description="0-100 分，必须写明理由；再次评分替换上一次（审计记录保留全部历史）。",
)
def set_quality(code: str, data: QualityIn, db: DbSession, staff: Supervisor) -> QualityRead:
    project = get_project(db, code=code)
    row = evaluation.set_quality(db, project=project, score=data.score, note=data.note, staff=staff)
    return QualityRead(
        project=project.code, score=row.score, note=row.note, scored_at=row.scored_at
    )


def _public(db: DbSession, code: str) -> Project:
    project = get_project(db, code=code)
    if not project.public:
        raise NotFound("没有这个实事项目。")
    return project


def _summary(db: DbSession, project: Project) -> SatisfactionRead:
    return SatisfactionRead.model_validate(ratings.summary(db, project))


@router.get(
    "/projects/{code}/satisfaction",
    response_model=SatisfactionRead,
    summary="项目满意度（公开）",
    description="群众评价的人数和满意率，人大代表测评的人数和结果。只有数字，不含评价人和意见。",
)
def satisfaction(code: str, db: DbSession) -> SatisfactionRead:
    return _summary(db, _public(db, code))


class CodeSent(BaseModel):
    sent: bool
    expires_in: int


@router.post(
    "/projects/{code}/ratings/code",
    response_model=CodeSent,
    status_code=202,
    summary="评价前获取短信验证码",
    description="给手机发送 6 位验证码，用于确认评价人。"
    "同一号码和同一地址每小时有次数限制（429）。",
)
def rating_code(code: str, data: RatingCodeIn, db: DbSession, addr: ClientAddr) -> CodeSent:
    project = _public(db, code)
    if not ratings.open_for_rating(project):
        raise InvalidInput({"project": ratings.closed_message(project)})
    residents.request_code(db, phone=data.phone, client_addr=addr)
    return CodeSent(sent=True, expires_in=get_settings().otp_ttl_seconds)


@router.post(
    "/projects/{code}/ratings",
    response_model=RatingRead,
    status_code=201,
    summary="群众评价项目",
    description="带上手机号码和短信验证码（先调用 …/ratings/code）。"
    "每个手机号码对每个项目只能评价一次，第二次返回 409 already_rated。"
    "via=site 表示来自项目现场的二维码。意见不公开。",
    responses={400: {"description": "验证码不正确或已过期"}, 409: {"description": "已经评价过"}},
)
def rate(
    code: str, data: ResidentRatingIn, db: DbSession, addr: ClientAddr
) -> RatingRead | Response:
    project = _public(db, code)
    # The failed attempt is counted and committed: answer without raising, which would roll back.
    checked = residents.verify_code(db, phone=data.phone, code=data.code)
    if checked.resident is None:
        status, kind = (
            (429, "rate_limited") if "太多" in (checked.error or "") else (400, "bad_code")
        )
        return api_error(status, kind, checked.error or "", {"field": "code"})
    resident = ResidentPrincipal(checked.resident.id, checked.resident.phone)
    answer = RatingIn.model_validate(data.model_dump(include={"satisfaction", "comment", "via"}))
    rating = ratings.rate(db, project=project, resident=resident, data=answer, client_addr=addr)
    return RatingRead(
        project=project.code,
        satisfaction=rating.satisfaction,
        satisfaction_label=SATISFACTION_LABELS[rating.satisfaction],
        via=rating.via,
        rated_at=rating.rated_at,
        summary=_summary(db, project),
    )


@router.post(
    "/projects/{code}/deputy-ratings",
    response_model=SatisfactionRead,
    status_code=201,
    summary="人大代表满意度测评",
    description="人大代表（代表令牌）对实施中或已完成的项目测评，每人每项目一次。超过半数参评代表满意为满意。",
)
def deputy_rate(code: str, data: DeputyRatingIn, db: DbSession, deputy: Deputy) -> SatisfactionRead:
    project = get_project(db, code=code)
    ratings.deputy_rate(db, project=project, deputy=deputy, data=data)
    return _summary(db, project)


def _file_url(m: Mechanism, number: int) -> str:
    return (
        f"{get_settings().base_url.rstrip('/')}/projects/mechanisms/{m.code}/versions/{number}/file"
    )


def _mechanism(db: DbSession, m: Mechanism) -> MechanismRead:
    current = mechanisms.current(m)
    return MechanismRead(
        code=m.code,
        title=m.title,
        kind=m.kind,
        kind_label=m.kind_label,
        issuing_unit=m.issuing_unit.name,
        effective_on=current.effective_on,
        current_version=current.number,
        projects=[p.code for p in mechanisms.linked_projects(db, m)],
        requests=mechanisms.request_count(db, m),
    )


@router.get(
    "/mechanisms",
    response_model=list[MechanismRead],
    summary="长效机制（公开）",
    description="按类型（rule、procedure、document）或发文单位编号筛选，最新的在前。",
)
def list_mechanisms(
    db: DbSession,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    unit_id: int | None = None,
) -> list[MechanismRead]:
    return [_mechanism(db, m) for m in mechanisms.listing(db, kind=kind, unit_id=unit_id)]


@router.get("/mechanisms/{code}", response_model=MechanismDetail, summary="长效机制及其全部版本")
def get_mechanism(code: str, db: DbSession) -> MechanismDetail:
    m = mechanisms.get(db, code=code)
    return MechanismDetail(
        **_mechanism(db, m).model_dump(),
        versions=[
            VersionRead(
                number=v.number,
                effective_on=v.effective_on,
                note=v.note,
                text=v.text,
                file_name=v.file_name,
                file_url=_file_url(m, v.number) if v.file_name else None,
                created_at=v.created_at,
            )
            for v in m.versions
        ],
    )
