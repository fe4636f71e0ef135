"""建章立制 pages: the public list of lasting mechanisms with their versions and files, and the
staff pages that turn completed projects into mechanisms and add versions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org import service as org
from minsheng.projects import mechanisms
from minsheng.projects.models_review import MECHANISM_LABELS, Mechanism
from minsheng.projects.permissions import VIEW_PROJECTS_STAFF
from minsheng.projects.schemas_evaluation import MechanismCreate, VersionCreate
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_PROJECTS_STAFF))]
KINDS = [(k.value, label) for k, label in MECHANISM_LABELS.items()]
CHOOSE = {
    "kind": "请选择类型",
    "issuing_unit_id": "请选择发文单位",
    "effective_on": "请填写施行日期",
}
DATE_MESSAGE = "请按 2026-10-31 的格式填写日期"


def _upload(form: dict[str, Any]) -> mechanisms.Upload | None:
    value = form.get("file")
    if not isinstance(value, UploadFile) or not (value.filename or value.size):
        return None
    # One byte past the limit is enough to know it is too big, without holding it all.
    content = value.file.read(mechanisms.MAX_FILE_BYTES + 1)
    return mechanisms.Upload(filename=value.filename or "", content=content)


def _dated(errors: dict[str, str]) -> dict[str, str]:
    """Pydantic's date message in plain Chinese."""
    if errors.get("effective_on") == "格式不正确":
        errors["effective_on"] = DATE_MESSAGE
    return errors


@router.get("/projects/mechanisms")
def public_list(
    request: Request, db: DbSession, kind: str | None = None, unit: str | None = None
) -> Response:
    """Every mechanism, newest first, filtered by kind or issuing unit."""
    kind = kind if kind in MECHANISM_LABELS else None
    unit_id = optional_int(unit)
    found = mechanisms.listing(db, kind=kind, unit_id=unit_id)
    context = {
        "mechanisms": found,
        "current": {m.id: mechanisms.current(m) for m in found},
        "kinds": KINDS,
        "units": [(str(u.id), u.name) for u in mechanisms.issuing_units(db)],
        "values": {"kind": kind or "", "unit": str(unit_id) if unit_id else ""},
        "errors": {},
    }
    return render(request, "projects/mechanisms/list.html", context)


def _detail_context(db: Session, mechanism: Mechanism) -> dict[str, Any]:
    return {
        "mechanism": mechanism,
        "current": mechanisms.current(mechanism),
        "projects": mechanisms.linked_projects(db, mechanism),
        "request_count": mechanisms.request_count(db, mechanism),
    }


@router.get("/projects/mechanisms/{code}")
def public_detail(request: Request, code: str, db: DbSession) -> Response:
    """The current text, every earlier version with its dates, the projects it came from."""
    mechanism = mechanisms.get(db, code=code)
    return render(request, "projects/mechanisms/detail.html", _detail_context(db, mechanism))


@router.get("/projects/mechanisms/{code}/versions/{number}/file")
def download(code: str, number: int, db: DbSession) -> Response:
    version = mechanisms.version_of(mechanisms.get(db, code=code), number)
    if version.file_content is None:
        return Response(status_code=404)
    name = quote(version.file_name)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return Response(version.file_content, media_type=version.file_type, headers=headers)


@router.get("/staff/projects/mechanisms")
def staff_list(request: Request, db: DbSession, staff: Viewer) -> Response:
    found = mechanisms.listing(db)
    context = {
        "mechanisms": found,
        "current": {m.id: mechanisms.current(m) for m in found},
        "may_create": mechanisms.may_create(staff),
        "completed": mechanisms.completed_projects(db),
    }
    return render(request, "projects/mechanisms/staff_list.html", context)


def _form_page(
    request: Request,
    db: Session,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    units = org.list_units(db, active_only=True)
    context = {
        "values": values,
        "errors": errors,
        "kinds": KINDS,
        "units": [(str(u.id), u.name) for u in units],
        "completed": mechanisms.completed_projects(db),
        "max_mb": mechanisms.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "projects/mechanisms/form.html", context, status=status)


@router.get("/staff/projects/mechanisms/new")
def new_form(request: Request, db: DbSession, staff: Viewer, project: str = "") -> Response:
    if not mechanisms.may_create(staff):
        raise Forbidden("只有督查人员或实事项目办公室可以建立长效机制。")
    return _form_page(request, db, {"projects": project[:20]}, {})


FIELDS = ("title", "kind", "issuing_unit_id", "effective_on", "text", "note", "projects")


@router.post("/staff/projects/mechanisms/new")
def create(request: Request, form: FormFields, db: DbSession, staff: Viewer) -> Response:
    values = {k: str(form.get(k, "")).strip() for k in (*FIELDS, "requests")}
    try:
        data = parse(
            MechanismCreate,
            {
                **{k: values[k] for k in FIELDS if values[k]},
                "issuing_unit_id": optional_int(values["issuing_unit_id"]),
                "projects": mechanisms.split_codes(values["projects"]),
                "requests": mechanisms.split_codes(values["requests"]),
            },
            choose=CHOOSE,
        )
        mechanism = mechanisms.create(db, data=data, upload=_upload(form), staff=staff)
    except MinshengError as exc:
        db.rollback()
        errors = _dated(errors_of(exc))
        if "projects" in errors and not values["projects"]:
            errors["projects"] = "请填写至少一个已完成的来源项目编号"
        return _form_page(request, db, values, errors, exc.status)
    return RedirectResponse(f"/staff/projects/mechanisms/{mechanism.code}?saved=1", 303)


def _staff_detail(
    request: Request,
    db: Session,
    staff: StaffPrincipal,
    mechanism: Mechanism,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = _detail_context(db, mechanism)
    context.update(
        requests=mechanisms.linked_requests(db, mechanism),
        may_add_version=mechanisms.may_add_version(staff, mechanism),
        values=values,
        errors=errors,
        max_mb=mechanisms.MAX_FILE_BYTES // (1024 * 1024),
    )
    return render(request, "projects/mechanisms/staff_detail.html", context, status=status)


@router.get("/staff/projects/mechanisms/{code}")
def staff_detail(request: Request, code: str, db: DbSession, staff: Viewer) -> Response:
    mechanism = mechanisms.get(db, code=code)
    return _staff_detail(request, db, staff, mechanism, {}, {})


@router.post("/staff/projects/mechanisms/{code}/versions")
def add_version(
    request: Request, code: str, form: FormFields, db: DbSession, staff: Viewer
) -> Response:
    mechanism = mechanisms.get(db, code=code)
    values = {k: str(form.get(k, "")).strip() for k in ("effective_on", "text", "note")}
    try:
        data = parse(
            VersionCreate,
            {k: v for k, v in values.items() if v},
            choose={"effective_on": "请填写施行日期", "note": "请写明这一版改了什么"},
        )
        mechanisms.add_version(
            db, mechanism=mechanism, data=data, upload=_upload(form), staff=staff
        )
    except MinshengError as exc:
        db.rollback()
        mechanism = mechanisms.get(db, code=code)
        errors = _dated(errors_of(exc))
        return _staff_detail(request, db, staff, mechanism, values, errors, exc.status)
    return RedirectResponse(f"/staff/projects/mechanisms/{code}?saved=1", 303)
