"""JSON API for monthly reports (月报进展) and supervision (过程监督)."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response

from minsheng.accounts.deps import CurrentStaff, OptionalStaff
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, InvalidInput, MinshengError, NotFound
from minsheng.core.images import MAX_PHOTOS, CleanPhoto, clean_photo, too_big_message
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.projects import (
    report_files,
    report_import,
    report_template,
    reports,
    service,
    supervision,
)
from minsheng.projects.models import Project
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS
from minsheng.projects.schemas_reports import (
    MONTH,
    AnswerIn,
    ImportRead,
    NoteCreate,
    NoteRead,
    ReportCorrection,
    ReportCreate,
    ReportRead,
)
from minsheng.web.forms import parse

router = APIRouter(tags=["projects"])
Code = Annotated[str, Path(max_length=20, description="项目编号", examples=["2026-1-001"])]
Month = Annotated[str, Path(pattern=MONTH.pattern, description="月份", examples=["2026-03"])]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES_HELP = (
    f"photos：现场照片（JPG、PNG 或 WebP，最多 {MAX_PHOTOS} 张，公开显示）；"
    "attachments：附件（PDF、Word、Excel、PowerPoint 或图片，"
    f"最多 {report_files.MAX_ATTACHMENTS} 个，"
    f"每个不超过 {report_files.MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB，仅工作人员可见）"
)


class FileTooLarge(MinshengError):
    status = 413
    code = "payload_too_large"


def _staff_view(staff: StaffPrincipal | None, project: Project) -> bool:
    return staff is not None and supervision.can_read(staff, project)


def _project(db: DbSession, code: str, staff: StaffPrincipal | None) -> Project:
    project = service.get_project(db, code=code)
    if not project.public and not _staff_view(staff, project):
        raise NotFound("没有这个实事项目。")
    return project


def _read(report: reports.MonthlyReport, project: Project) -> ReportRead:
    return reports.report_read(report, project_code=project.code, staff_view=True)


@router.get(
    "/projects/{code}/reports",
    response_model=list[ReportRead],
    summary="项目的月报（新的在前）",
    description="公开项目的月报任何人可查；附件只对工作人员列出。",
)
def list_reports(code: Code, db: DbSession, staff: OptionalStaff) -> list[ReportRead]:
    project = _project(db, code, staff)
    view = _staff_view(staff, project)
    return [
        reports.report_read(r, project_code=project.code, staff_view=view)
        for r in reports.history(db, project)
    ]


@router.post(
    "/projects/{code}/reports",
    response_model=ReportRead,
    status_code=201,
    summary="填报月报",
    description="牵头单位填报一个月的月报（实事项目管理部门可代为填报，会记录在案）。"
    "每个项目每月一份：同月再报返回 409 already_reported，更正请用 PUT。"
    "进度或指标累计数低于上次报告时必须填写 regress_reason。照片和附件请用 …/reports/with-files。",
)
def file_report(code: Code, data: ReportCreate, db: DbSession, staff: CurrentStaff) -> ReportRead:
    project = service.get_project(db, code=code)
    report = reports.file_report(db, project, data, staff=staff, via="api")
    return _read(report, project)


def _photos(uploads: list[UploadFile]) -> list[CleanPhoto]:
    uploads = [u for u in uploads if u.filename or u.size]
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput({"photos": f"最多 {MAX_PHOTOS} 张照片"})
    limit = get_settings().max_photo_bytes
    photos = []
    for upload in uploads:
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            message = too_big_message(limit)
            raise FileTooLarge(message, details=[{"field": "photos", "message": message}])
        photos.append(clean_photo(data, filename=upload.filename or ""))
    return photos


def _attachments(uploads: list[UploadFile]) -> list[report_files.Attachment]:
    uploads = [u for u in uploads if u.filename or u.size]
    if len(uploads) > report_files.MAX_ATTACHMENTS:
        raise InvalidInput({"attachments": report_files.TOO_MANY})
    found = []
    for upload in uploads:
        data = upload.file.read(report_files.MAX_ATTACHMENT_BYTES + 1)
        if len(data) > report_files.MAX_ATTACHMENT_BYTES:
            message = report_files.TOO_BIG
            raise FileTooLarge(message, details=[{"field": "attachments", "message": message}])
        found.append(report_files.check_attachment(data, upload.filename or ""))
    return found


def _json_form(text: str, schema: type[ReportCreate]) -> ReportCreate:
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInput({"report": "不是有效的 JSON"}) from None
    if not isinstance(value, dict):
        raise InvalidInput({"report": "应为一个 JSON 对象"})
    return parse(schema, value)


@router.post(
    "/projects/{code}/reports/with-files",
    response_model=ReportRead,
    status_code=201,
    summary="填报月报（附照片和附件）",
    description="multipart/form-data：report（与 JSON 填报相同的内容，写成 JSON 文本）、"
    f"{FILES_HELP}。",
)
def file_report_with_files(
    code: Code,
    db: DbSession,
    staff: CurrentStaff,
    report: Annotated[str, Form(description="月报内容（JSON 文本）")],
    photos: Annotated[list[UploadFile], File(description="现场照片")] = [],  # noqa: B006
    attachments: Annotated[list[UploadFile], File(description="附件")] = [],  # noqa: B006
) -> ReportRead:
    data = _json_form(report, ReportCreate)
    project = service.get_project(db, code=code)
    filed = reports.file_report(
        db,
        project,
        data,
        staff=staff,
        via="api",
        photos=_photos(photos),
        attachments=_attachments(attachments),
    )
    return _read(filed, project)


@router.put(
    "/projects/{code}/reports/{month}",
    response_model=ReportRead,
    summary="更正某月月报",
    description="只有实事项目管理部门（projects.manage）可以更正，须写明 reason；"
    "更正和原因显示在项目的公开进展记录里。",
)
def correct_report(
    code: Code, month: Month, data: ReportCorrection, db: DbSession, staff: CurrentStaff
) -> ReportRead:
    project = service.get_project(db, code=code)
    report = reports.correct_report(db, project, month, data, staff=staff)
    return _read(report, project)


def _may_report(staff: StaffPrincipal) -> None:
    if not (staff.can(REPORT_PROGRESS) or staff.can(MANAGE_PROJECTS)):
        raise Forbidden("您没有填报实事项目月报的权限。")


@router.get(
    "/projects/reports/template",
    summary="月报导入模板（Excel）",
    description="按本单位牵头、尚未填报该月月报的实施中项目预先填好项目编号和指标。",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "Excel 文件"}},
)
def template(
    db: DbSession,
    staff: CurrentStaff,
    month: Annotated[str | None, Query(pattern=MONTH.pattern, description="月份")] = None,
) -> Response:
    _may_report(staff)
    today = reports.local_today()
    month = month or service.previous_month(today)
    content = report_template.template(db, staff=staff, month=month, today=today)
    name = quote(f"实事项目月报导入模板-{month}.xlsx")
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@router.post(
    "/projects/reports/import",
    response_model=ImportRead,
    status_code=201,
    summary="从 Excel 导入月报",
    description="multipart/form-data：file（按模板填写的 .xlsx）。全部行通过检查才导入；"
    "任何一行有误都不导入，返回 422 import_refused，details 里逐条列出工作表、行号和原因。",
)
def import_reports(
    db: DbSession,
    staff: CurrentStaff,
    file: Annotated[UploadFile, File(description="按模板填写的 Excel 文件（.xlsx）")],
) -> ImportRead:
    _may_report(staff)
    content = file.file.read(report_import.MAX_BYTES + 1)
    filed = report_import.import_reports(db, content, staff=staff)
    return ImportRead(
        imported=len(filed),
        reports=[
            reports.report_read(r, project_code=r.project.code, staff_view=True) for r in filed
        ],
    )


@router.get(
    "/projects/{code}/supervision",
    response_model=list[NoteRead],
    summary="督查意见、现场检查和督办指令",
    description="工作人员可见（督查人员、项目工作台用户和牵头单位）；新的在前。",
)
def list_notes(code: Code, db: DbSession, staff: CurrentStaff) -> list[NoteRead]:
    project = service.get_project(db, code=code)
    if not supervision.can_read(staff, project):
        raise NotFound("没有这个实事项目。")
    today = reports.local_today()
    return [supervision.note_read(db, n, today) for n in supervision.notes_for(db, project)]


@router.post(
    "/projects/{code}/supervision",
    response_model=NoteRead,
    status_code=201,
    summary="添加督查记录",
    description="督查人员添加督查意见（note）、现场检查（site_visit，须有 visited_on）或督办指令"
    "（instruction，须有 answer_by，牵头单位承办人会收到短信）。现场检查的日期公开，内容不公开。",
)
def add_note(code: Code, data: NoteCreate, db: DbSession, staff: CurrentStaff) -> NoteRead:
    project = service.get_project(db, code=code)
    note = supervision.add_note(db, project, data, staff=staff)
    return supervision.note_read(db, note, reports.local_today())


@router.post(
    "/projects/supervision/{note_id}/answer",
    response_model=NoteRead,
    summary="牵头单位答复督办指令",
    description="每条督办指令只答复一次；只能答复本单位牵头项目的指令。",
)
def answer_note(note_id: int, data: AnswerIn, db: DbSession, staff: CurrentStaff) -> NoteRead:
    note = supervision.answer(db, supervision.get_note(db, note_id), data, staff=staff)
    return supervision.note_read(db, note, reports.local_today())
