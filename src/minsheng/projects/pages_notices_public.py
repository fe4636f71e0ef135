"""Public 公示 pages: notices with their objection form and answered objections, and the
published results of the deputies' vote. Nobody's name or phone is ever shown here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import MinshengError, NotFound
from minsheng.projects import notices, service, voting
from minsheng.projects.models_collection import Notice
from minsheng.projects.schemas_collection import ObjectionCreate
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
OBJECTION_FIELDS = ("name", "phone", "project", "text")


@router.get("/projects/notices")
def notice_list(request: Request, db: DbSession) -> Response:
    context = {
        "notices": [n for n in notices.list_notices(db, published_only=True) if n.batch.public],
        "labels": notices.STATUS_LABELS,
    }
    return render(request, "projects/collection/notices.html", context)


def _notice(db: Session, notice_id: int) -> Notice:
    notice = notices.get_notice(db, notice_id=notice_id, public=True)
    if not notice.batch.public:
        raise NotFound("没有找到这份公示。")
    return notice


def _page(
    request: Request,
    db: Session,
    notice: Notice,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    answered = notices.objections(db, notice=notice, answered_only=True)
    rows = notices.snapshot(notice)
    context = {
        "notice": notice,
        "status_label": notices.STATUS_LABELS[notice.status],
        "rows": rows,
        "project_options": [(r["code"], f"{r['code']} {r['title']}") for r in rows],
        "replaced_by": notices.superseded_by(db, notice=notice),
        "supersedes": notices.get_notice(db, notice_id=notice.supersedes_id)
        if notice.supersedes_id
        else None,
        "open": notices.objection_open(notice),
        "answered": [(notices.project_label(db, o), o) for o in answered],
        "values": values,
        "errors": errors,
        "filed": request.query_params.get("filed") == "1",
    }
    return render(request, "projects/collection/notice.html", context, status=status)


@router.get("/projects/notices/{notice_id}")
def notice_page(notice_id: int, request: Request, db: DbSession) -> Response:
    return _page(request, db, _notice(db, notice_id), {}, {})


@router.post("/projects/notices/{notice_id}/objections")
def object_to(
    notice_id: int,
    request: Request,
    form: FormFields,
    db: DbSession,
    resident: OptionalResident,
    addr: ClientAddr,
) -> Response:
    notice = _notice(db, notice_id)
    values = {k: str(form.get(k, "")).strip() for k in OBJECTION_FIELDS}
    try:
        data = parse(ObjectionCreate, values)
        notices.file_objection(db, notice=notice, data=data, resident=resident, client_addr=addr)
    except MinshengError as exc:
        db.rollback()
        errors = errors_of(exc)
        if "text" in errors and not values["text"]:
            errors["text"] = "请填写异议内容"
        return _page(request, db, _notice(db, notice_id), values, errors, exc.status)
    return RedirectResponse(f"/projects/notices/{notice.id}?filed=1#objection", status_code=303)


@router.get("/projects/votes/{code}")
def vote_results(code: str, request: Request, db: DbSession) -> Response:
    batch = service.get_batch(db, code=code[:20])
    if not batch.public:
        raise NotFound("没有这个实事项目批次。")
    published = batch.vote_published_at is not None
    context = {
        "batch": batch,
        "published": published,
        "has_vote": voting.has_vote(batch),
        "window": voting.window_text(batch) if voting.has_vote(batch) else "",
        "results": voting.results(db, batch=batch) if published else None,
        "rule": voting.RULE,
    }
    return render(request, "projects/collection/vote_results.html", context)
