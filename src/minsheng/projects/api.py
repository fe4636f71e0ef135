"""JSON API for batches and projects: public reading with filters and pages; the programme
office creates and changes them, the lead unit keeps its description and responsible person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Request as HttpRequest

from minsheng.accounts.deps import CurrentStaff, OptionalStaff, require
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotAuthenticated, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.projects import catalogue, listing, stages, views
from minsheng.projects.models import Batch, Project, Stage, WarningColour
from minsheng.projects.permissions import MANAGE_PROJECTS, VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_batches import BatchCreate, BatchPatch, BatchUpdate
from minsheng.projects.schemas_catalogue import (
    CompleteIn,
    ProjectCreate,
    ProjectPatch,
    StartIn,
    StopIn,
)
from minsheng.projects.schemas_public import (
    BatchDetail,
    BatchRead,
    ProjectRead,
    ProjectsPage,
    ProjectStaff,
)
from minsheng.projects.service import get_batch, get_project

router = APIRouter(tags=["projects"])
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_PROJECTS))]


def _viewer(request: HttpRequest, staff: OptionalStaff) -> StaffPrincipal | None:
    """Staff who may see the workbench, by a valid token; anyone else reads the public view.
    A token that is not valid is refused rather than read as anonymous."""
    if staff is None and request.headers.get("authorization"):
        raise NotAuthenticated("令牌无效、已过期或已被吊销。", code="invalid_token")
    return staff if staff is not None and staff.can(VIEW_PROJECTS_STAFF) else None


Viewer = Annotated[StaffPrincipal | None, Depends(_viewer)]


def _visible_project(db: DbSession, code: str, viewer: StaffPrincipal | None) -> Project:
    project = get_project(db, code=code[:20])
    if viewer is None and not (project.public and project.batch.public):
        raise NotFound("没有这个实事项目。")
    return project


def _visible_batch(db: DbSession, code: str, viewer: StaffPrincipal | None) -> Batch:
    if viewer is None:
        return catalogue.get_public_batch(db, code=code)
    return get_batch(db, code=code[:20])


def _project_out(db: DbSession, project: Project, viewer: StaffPrincipal | None) -> ProjectRead:
    return views.read(db, project, catalogue.local_today(), staff=viewer is not None)


@router.get(
    "/projects",
    response_model=ProjectsPage,
    summary="实事项目列表",
    description="公开：按批次、领域、牵头单位、阶段、预警颜色和名称筛选，分页，并给出符合条件的总数。"
    "不指定阶段时列出已确定、实施中、已完成和已终止的项目（候选项目用 stage=candidate 查看）。"
    "带工作人员令牌时也列出未公开的项目。",
)
def list_projects(
    db: DbSession,
    viewer: Viewer,
    batch: Annotated[
        str | None, Query(max_length=20, description="批次编号", examples=["2026-1"])
    ] = None,
    area: Annotated[str | None, Query(max_length=20, description="领域代码，如 business")] = None,
    unit: Annotated[int | None, Query(description="牵头单位编号")] = None,
    stage: Annotated[Stage | None, Query(description="阶段")] = None,
    warning: Annotated[WarningColour | None, Query(description="预警颜色")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="项目名称中的字词或项目编号")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=listing.MAX_PER_PAGE)] = 20,
) -> ProjectsPage:
    filters = listing.ProjectFilters(
        batch=batch, area=area, unit_id=unit, stage=stage, warning=warning, q=q
    )
    rows, total = listing.search(
        db,
        filters=filters,
        public_only=viewer is None,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    today = catalogue.local_today()
    return ProjectsPage(
        items=[views.summary(p, today) for p in rows],
        total=total,
        page=page,
        per_page=per_page,
        pages=listing.pages(total, per_page),
    )


@router.get(
    "/projects/{code}",
    response_model=ProjectStaff | ProjectRead,
    summary="实事项目详情",
    description="进度、按计划今天应达到的进度、目标（计划数、完成数、计量单位）、进度节点、预警颜色、"
    "满意度、牵头和配合单位、日期、预算和公开的进展记录。责任领导的电话只在工作人员令牌下给出。",
)
def project_detail(code: str, db: DbSession, viewer: Viewer) -> ProjectRead:
    return _project_out(db, _visible_project(db, code, viewer), viewer)


@router.post(
    "/projects",
    response_model=ProjectStaff,
    status_code=201,
    summary="新增实事项目",
    description="实事项目主管部门录入。每项目标都要有计量单位且计划数大于 0；"
    "进度节点须在项目起止日期之间，按日期排列时计划进度不能下降。诉求编号所属的群众会收到短信并自动关注项目。",
)
def create_project(data: ProjectCreate, db: DbSession, staff: Manager) -> ProjectRead:
    project = catalogue.create_project(db, staff=staff, data=data)
    return _project_out(db, project, staff)


@router.patch(
    "/projects/{code}",
    response_model=ProjectStaff,
    summary="修改实事项目",
    description="只改给出的字段，并带上 version。牵头单位的承办人只能改项目内容、责任领导和电话；"
    "计划（名称、单位、目标、预算、日期、节点、来源）由主管部门修改。"
    "他人先改过时返回 409（stale）。",
)
def update_project(
    code: str, data: ProjectPatch, db: DbSession, staff: CurrentStaff
) -> ProjectRead:
    project = get_project(db, code=code[:20])
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    catalogue.update_project(
        db, staff=staff, project=project, changes=changes, version=data.version
    )
    return _project_out(db, project, staff)


@router.post("/projects/{code}/start", response_model=ProjectStaff, summary="项目开始实施")
def start_project(code: str, data: StartIn, db: DbSession, staff: Manager) -> ProjectRead:
    project = get_project(db, code=code[:20])
    stages.start(
        db, project=project, actor_label=staff.display_name, staff=staff, version=data.version
    )
    return _project_out(db, project, staff)


@router.post(
    "/projects/{code}/complete",
    response_model=ProjectStaff,
    summary="项目完成",
    description="实施中的项目标记为完成：进度 100%，关注的群众收到短信。",
)
def complete_project(code: str, data: CompleteIn, db: DbSession, staff: Manager) -> ProjectRead:
    project = get_project(db, code=code[:20])
    stages.complete(
        db, staff=staff, project=project, completed_on=data.completed_on, version=data.version
    )
    return _project_out(db, project, staff)


@router.post(
    "/projects/{code}/stop",
    response_model=ProjectStaff,
    summary="终止项目",
    description="写明原因（公开在项目页上），关注的群众收到短信。",
)
def stop_project(code: str, data: StopIn, db: DbSession, staff: Manager) -> ProjectRead:
    project = get_project(db, code=code[:20])
    stages.stop(db, staff=staff, project=project, reason=data.reason, version=data.version)
    return _project_out(db, project, staff)


@router.get(
    "/batches",
    response_model=list[BatchRead],
    summary="实事项目批次",
    description="每个批次及其实时汇总：项目总数、已开工、已完成、按计划推进、滞后（黄色和红色预警）、"
    "按权重汇总的进度，以及一句概括（如“全部188个项目已全面开展”）。",
)
def list_batches(db: DbSession, viewer: Viewer) -> list[BatchRead]:
    today = catalogue.local_today()
    found = catalogue.list_batches(db, public_only=viewer is None)
    return [views.batch_read(db, b, today) for b in found]


@router.get(
    "/batches/{code}",
    response_model=BatchDetail,
    summary="批次概况",
    description="批次的实时汇总，以及各牵头单位的项目数、已开工、已完成、加权进度和滞后项目数。",
)
def batch_detail(code: str, db: DbSession, viewer: Viewer) -> BatchRead:
    batch = _visible_batch(db, code, viewer)
    return views.batch_read(db, batch, catalogue.local_today(), units=True)


@router.post("/batches", response_model=BatchDetail, status_code=201, summary="新增批次")
def create_batch(data: BatchCreate, db: DbSession, staff: Manager) -> BatchRead:
    batch = catalogue.create_batch(db, staff=staff, data=data)
    return views.batch_read(db, batch, catalogue.local_today(), units=True)


@router.patch(
    "/batches/{code}",
    response_model=BatchDetail,
    summary="修改批次",
    description="只改给出的字段；批次编号用在网址里，不能修改。",
)
def update_batch(code: str, data: BatchPatch, db: DbSession, staff: Manager) -> BatchRead:
    batch = get_batch(db, code=code[:20])
    values = catalogue.batch_values(batch) | data.model_dump(exclude_unset=True)
    checked = catalogue.validated(BatchUpdate, values)
    catalogue.update_batch(db, staff=staff, batch=batch, data=checked)
    return views.batch_read(db, batch, catalogue.local_today(), units=True)
