"""事项导入导出: the template, the export, the upload with its preview, and the confirmation.

The preview page carries the uploaded file back in a hidden field, signed with the installation's
secret, the uploader and the time, so that the confirmation reads exactly what was previewed
without storing anything in between; it is checked again in full before anything is written."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from minsheng.accounts.deps import require
from minsheng.audit import service as audit
from minsheng.core.db import utcnow
from minsheng.core.deps import DbSession
from minsheng.core.errors import MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.guides import excel_export, excel_import
from minsheng.guides import excel_layout as layout
from minsheng.guides.excel_import import Plan
from minsheng.guides.excel_layout import Problem
from minsheng.guides.permissions import MANAGE_GUIDES
from minsheng.web.forms import FormFields
from minsheng.web.templating import local_time, render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_GUIDES))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 512 * 1024
TOKEN_SECONDS = 2 * 60 * 60  # a preview left open over lunch still confirms
ACTIONS = {"create": "新建并发布", "publish": "发布新版本", "same": "无变化"}


def _download(content: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"guides.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/staff/guides/import/template.xlsx")
def template(_: Manager) -> Response:
    return _download(excel_export.template(), "办事事项导入模板.xlsx")


@router.get("/staff/guides/export.xlsx")
def export(db: DbSession, _: Manager) -> Response:
    now = utcnow()
    content, _count = excel_export.export(db, now=now, local_time=local_time(now))
    return _download(content, f"办事事项清单-{local_time(now, '%Y%m%d-%H%M')}.xlsx")


def _number(value: str) -> str:
    return value if value.isdigit() and len(value) < 7 else ""


def _page(
    request: Request, *, problems: list[Problem] | None = None, status: int = 200
) -> Response:
    context = {
        "problems": problems or [],
        "created": _number(request.query_params.get("created", "")),
        "updated": _number(request.query_params.get("updated", "")),
        "sheets": layout.SHEETS,
        "main_sheet": layout.MAIN,
        "max_rows": layout.MAX_ROWS,
        "max_mb": layout.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "guides/excel/import.html", context, status=status)


def _chunks(content: bytes) -> list[str]:
    """The file for hidden fields: form parsers refuse one field over 1 MB, so it is cut up."""
    text = base64.urlsafe_b64encode(content).decode()
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def _sign(content: bytes, *, user_id: int, issued: int) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    message = f"guides-import|{user_id}|{issued}|".encode() + hashlib.sha256(content).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _preview(
    request: Request,
    plan: Plan,
    *,
    content: bytes,
    filename: str,
    staff: StaffPrincipal,
    message: str = "",
) -> Response:
    issued = int(time.time())
    context = {
        "plan": plan,
        "problems": plan.problems,
        "actions": ACTIONS,
        "filename": filename,
        "message": message,
        "created": plan.of("create"),
        "updated": plan.of("publish"),
        "same": plan.of("same"),
        "payload": _chunks(content) if not plan.problems else [],
        "issued": issued,
        "signature": _sign(content, user_id=staff.user_id, issued=issued),
        "digest": plan.digest,
    }
    return render(
        request, "guides/excel/preview.html", context, status=422 if plan.problems else 200
    )


@router.get("/staff/guides/import")
def import_page(request: Request, _: Manager) -> Response:
    return _page(request)


@router.post("/staff/guides/import")
def upload(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile) or not (file.filename or file.size):
        return _page(
            request, problems=[Problem("", None, "", "请选择要导入的 Excel 文件")], status=422
        )
    content = file.file.read(layout.MAX_BYTES + 1)
    plan = excel_import.read_plan(db, content, staff=staff)
    if plan.problems and all(p.row is None and not p.sheet for p in plan.problems):
        return _page(request, problems=plan.problems, status=422)  # not a workbook at all
    return _preview(request, plan, content=content, filename=file.filename or "", staff=staff)


def _signed_content(form: dict[str, object], staff: StaffPrincipal) -> bytes | None:
    """The previewed file, if the form carries it as this person was given it, recently."""
    try:
        parts = form.get("payload", "")
        joined = "".join(parts) if isinstance(parts, list) else str(parts)
        content = base64.urlsafe_b64decode(joined.encode("ascii"))
        issued = int(str(form.get("issued", "")))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    expected = _sign(content, user_id=staff.user_id, issued=issued)
    if not hmac.compare_digest(expected, str(form.get("signature", ""))):
        return None
    if not 0 <= time.time() - issued <= TOKEN_SECONDS or len(content) > layout.MAX_BYTES:
        return None
    return content


@router.post("/staff/guides/import/confirm")
def confirm(request: Request, form: FormFields, db: DbSession, staff: Manager) -> Response:
    content = _signed_content(form, staff)
    if content is None:
        problem = Problem("", None, "", "预览已过期或内容不完整，请重新上传文件")
        return _page(request, problems=[problem], status=422)
    filename = str(form.get("filename", ""))[:200]
    plan = excel_import.read_plan(db, content, staff=staff)
    if plan.problems or plan.digest != form.get("digest"):
        message = "" if plan.problems else "预览之后事项有了变化，请核对下面的内容后再次确认。"
        return _preview(
            request, plan, content=content, filename=filename, staff=staff, message=message
        )
    try:
        created, updated = excel_import.apply(db, plan, staff=staff)
    except MinshengError as exc:  # e.g. someone saved the same new code a moment ago
        db.rollback()
        return _page(request, problems=[Problem("", None, "", exc.message)], status=422)
    audit.record(
        db,
        action="import",
        object_type="guide_matter",
        object_id="excel",
        summary={"file": filename, "created": created, "updated": updated},
    )
    return RedirectResponse(
        f"/staff/guides/import?created={created}&updated={updated}", status_code=303
    )
