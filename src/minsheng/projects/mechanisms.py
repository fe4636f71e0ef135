"""建章立制: completed projects turned into lasting mechanisms (rules, procedures, documents).

- Only completed projects may lead to a mechanism; it links to them and to the citizen requests
  (by tracking number) behind it.
- A mechanism's text or file lives in versions: a new version never overwrites an older one, it
  takes the next number, and every version stays readable and downloadable.
- Supervisors and the projects office (SUPERVISE or MANAGE_PROJECTS) create mechanisms and add
  versions; the issuing unit's own handlers (REPORT_PROGRESS in that unit) may add versions too,
  since the unit keeps its rule up to date.
- Files: PDF or Word (.pdf, .docx, .doc), recognised by their content, up to MAX_FILE_BYTES.
- Everything is public except which requests led to it: the public sees how many, staff see the
  tracking numbers (a request's title may name a person).

Flushes, never commits.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit
from minsheng.projects.evaluation import local_today
from minsheng.projects.models import Project, Stage
from minsheng.projects.models_review import (
    Mechanism,
    MechanismKind,
    MechanismLink,
    MechanismVersion,
)
from minsheng.projects.permissions import MANAGE_PROJECTS, REPORT_PROGRESS, SUPERVISE
from minsheng.projects.schemas_evaluation import MechanismCreate, VersionCreate
from minsheng.projects.service import record_event
from minsheng.requests.models import CitizenRequest

MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .doc container
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class Upload:
    """A file sent with a form or the API, before it is checked."""

    filename: str
    content: bytes


def split_codes(text: str) -> list[str]:
    """Codes typed one per line or separated by commas."""
    return [c for c in _SEPARATORS.split(text or "") if c]


def may_create(staff: StaffPrincipal) -> bool:
    return staff.can(SUPERVISE) or staff.can(MANAGE_PROJECTS)


def may_add_version(staff: StaffPrincipal, mechanism: Mechanism) -> bool:
    return may_create(staff) or staff.can(REPORT_PROGRESS, mechanism.issuing_unit.path)


def _file(upload: Upload | None) -> tuple[str, str, bytes] | None:
    """(name, type, bytes) of an acceptable file; InvalidInput on the field `file` otherwise."""
    if upload is None or (not upload.filename and not upload.content):
        return None
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:120] or "文件"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in FILE_TYPES:
        raise InvalidInput({"file": "只能上传 PDF 或 Word 文件（.pdf、.docx、.doc）"})
    if len(upload.content) > MAX_FILE_BYTES:
        raise InvalidInput({"file": f"文件太大，最大 {MAX_FILE_BYTES // (1024 * 1024)} MB"})
    data = upload.content
    if not data:
        raise InvalidInput({"file": "文件是空的"})
    ok = {
        ".pdf": data.startswith(b"%PDF-"),
        ".doc": data.startswith(OLE_MAGIC),
        ".docx": _is_docx(data),
    }[suffix]
    if not ok:
        raise InvalidInput({"file": "文件内容与扩展名不符，或文件已损坏"})
    return name, FILE_TYPES[suffix], data


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _version(
    number: int,
    data: VersionCreate | MechanismCreate,
    upload: Upload | None,
    staff: StaffPrincipal,
    note: str,
) -> MechanismVersion:
    checked = _file(upload)
    text = data.text.strip()
    if not text and checked is None:
        raise InvalidInput({"text": "请填写正文或上传文件（二者至少一项）"})
    name, kind, content = checked or ("", "", None)
    return MechanismVersion(
        number=number,
        text=text,
        file_name=name,
        file_type=kind,
        file_content=content,
        effective_on=data.effective_on,
        note=note,
        created_by_id=staff.user_id,
    )


def _projects(db: Session, codes: list[str]) -> list[Project]:
    found: list[Project] = []
    for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
        project = db.scalar(select(Project).where(Project.code == code))
        if project is None:
            raise InvalidInput({"projects": f"没有编号为“{code[:20]}”的实事项目"})
        if project.stage != Stage.completed:
            raise InvalidInput(
                {
                    "projects": f"项目“{project.title}”目前为“{project.stage_label}”，"
                    "只有已完成的项目才能形成长效机制"
                }
            )
        found.append(project)
    if not found:
        raise InvalidInput({"projects": "请填写至少一个已完成的来源项目编号"})
    return found


def _requests(db: Session, numbers: list[str]) -> list[CitizenRequest]:
    found = []
    for number in dict.fromkeys(n.strip().upper() for n in numbers if n.strip()):
        request = db.scalar(select(CitizenRequest).where(CitizenRequest.tracking_number == number))
        if request is None:
            raise InvalidInput({"requests": f"没有编号为“{number[:30]}”的诉求"})
        found.append(request)
    return found


def _next_code(db: Session) -> str:
    prefix = f"JZ{local_today().year}-"
    taken = db.scalars(select(Mechanism.code).where(Mechanism.code.startswith(prefix))).all()
    numbers = [int(c[len(prefix) :]) for c in taken if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def create(
    db: Session, *, data: MechanismCreate, upload: Upload | None, staff: StaffPrincipal
) -> Mechanism:
    """A mechanism with its first version, linked to its completed projects and requests."""
    if not may_create(staff):
        raise Forbidden("只有督查人员或实事项目办公室可以建立长效机制。")
    unit = db.get(Unit, data.issuing_unit_id)
    if unit is None or not unit.active:
        raise InvalidInput({"issuing_unit_id": "所选的发文单位不存在或已停用"})
    projects = _projects(db, data.projects)
    requests = _requests(db, data.requests)
    mechanism = Mechanism(
        code=_next_code(db), title=data.title.strip(), kind=data.kind, issuing_unit=unit
    )
    mechanism.versions.append(_version(1, data, upload, staff, data.note.strip() or "首次发布"))
    # Two people creating at the same moment may pick the same code: the unique key decides.
    try:
        with db.begin_nested():
            db.add(mechanism)
            db.flush()
    except IntegrityError:
        raise Conflict("编号被同时创建的机制占用，请重新提交。", code="code_taken") from None
    for project in projects:
        db.add(MechanismLink(mechanism_id=mechanism.id, project_id=project.id))
        record_event(
            db, project, "mechanism", f"形成长效机制《{mechanism.title}》（{mechanism.code}）"
        )
    for request in requests:
        db.add(MechanismLink(mechanism_id=mechanism.id, request_id=request.id))
    db.flush()
    return mechanism


def add_version(
    db: Session,
    *,
    mechanism: Mechanism,
    data: VersionCreate,
    upload: Upload | None,
    staff: StaffPrincipal,
) -> MechanismVersion:
    """The next version; the ones before stay as they were."""
    if not may_add_version(staff, mechanism):
        raise Forbidden("只有督查人员、实事项目办公室或发文单位可以修订这个机制。")
    number = (
        db.scalar(
            select(func.max(MechanismVersion.number)).where(
                MechanismVersion.mechanism_id == mechanism.id
            )
        )
        or 0
    ) + 1
    version = _version(number, data, upload, staff, data.note.strip())
    try:
        with db.begin_nested():
            mechanism.versions.append(version)
            db.flush()
    except IntegrityError:
        raise Conflict("有人同时提交了新版本，请刷新后再试。", code="version_taken") from None
    return version


def get(db: Session, *, code: str) -> Mechanism:
    found = db.scalar(select(Mechanism).where(Mechanism.code == code))
    if found is None:
        raise NotFound("没有这个长效机制。")
    return found


def version_of(mechanism: Mechanism, number: int) -> MechanismVersion:
    for version in mechanism.versions:
        if version.number == number:
            return version
    raise NotFound("没有这个版本。")


def current(mechanism: Mechanism) -> MechanismVersion:
    return mechanism.versions[-1]


def listing(db: Session, *, kind: str | None = None, unit_id: int | None = None) -> list[Mechanism]:
    """Mechanisms, newest first, optionally of one kind or one issuing unit."""
    query = select(Mechanism).order_by(Mechanism.created_at.desc(), Mechanism.id.desc())
    if kind:
        if kind not in MechanismKind.__members__:
            raise InvalidInput({"kind": "请从列表中选择类型"})
        query = query.where(Mechanism.kind == MechanismKind(kind))
    if unit_id is not None:
        query = query.where(Mechanism.issuing_unit_id == unit_id)
    return list(db.scalars(query))


def issuing_units(db: Session) -> list[Unit]:
    """The units that issued at least one mechanism, for the public filter."""
    ids = select(Mechanism.issuing_unit_id).distinct()
    return list(db.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name)))


def linked_projects(db: Session, mechanism: Mechanism) -> list[Project]:
    ids = select(MechanismLink.project_id).where(
        MechanismLink.mechanism_id == mechanism.id, MechanismLink.project_id.is_not(None)
    )
    return list(db.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.code)))


def linked_requests(db: Session, mechanism: Mechanism) -> list[CitizenRequest]:
    """The requests behind the mechanism: for staff (their titles may name people)."""
    ids = select(MechanismLink.request_id).where(
        MechanismLink.mechanism_id == mechanism.id, MechanismLink.request_id.is_not(None)
    )
    return list(
        db.scalars(
            select(CitizenRequest)
            .where(CitizenRequest.id.in_(ids))
            .order_by(CitizenRequest.tracking_number)
        )
    )


def request_count(db: Session, mechanism: Mechanism) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                MechanismLink.mechanism_id == mechanism.id, MechanismLink.request_id.is_not(None)
            )
        )
        or 0
    )


def for_project(db: Session, project: Project) -> list[Mechanism]:
    """The mechanisms a project led to, oldest first."""
    ids = select(MechanismLink.mechanism_id).where(MechanismLink.project_id == project.id)
    return list(db.scalars(select(Mechanism).where(Mechanism.id.in_(ids)).order_by(Mechanism.id)))


def completed_projects(db: Session) -> list[Project]:
    """Projects a mechanism may come from, for the staff form's hint."""
    return list(
        db.scalars(select(Project).where(Project.stage == Stage.completed).order_by(Project.code))
    )
