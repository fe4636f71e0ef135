"""Public pages of 问题通报: the circulars, each as a page, a PDF and an Excel file, and the
monthly batch report (月度进展报告) as PDF and Excel. Nothing here holds personal data."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.projects import batch_report, circulars, rectification
from minsheng.projects.batch_month import month_end, month_label
from minsheng.projects.circular_pdf import annex_titles, issued_on, render_circular
from minsheng.projects.models import Batch
from minsheng.projects.models_review import Circular
from minsheng.projects.service import get_batch
from minsheng.web.templating import render

router = APIRouter()
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, *, name: str, ascii_name: str, inline: bool = False) -> Response:
    """A file with its Chinese name (RFC 6266) and a plain one for old clients."""
    kind = "inline" if inline else "attachment"
    disposition = f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    media = PDF if name.endswith(".pdf") else XLSX
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


def file_name(circular: Circular) -> str:
    return f"{circulars.number_label(circular)}{circular.title}"


def circular_context(db: DbSession, circular: Circular) -> dict[str, object]:
    """What the public page and the staff page both show of a circular."""
    figures = circulars.figures(circular)
    return {
        "circular": circular,
        "number": circulars.number_label(circular),
        "issuer": circulars.ISSUER,
        "issued_on": issued_on(circular),
        "figures": figures,
        "follow_up": figures.get("follow_up", []),
        "paragraphs": [p.strip() for p in circular.body.splitlines() if p.strip()],
        "annexes": annex_titles(circular),
        "status_of": rectification.answer_status,
        "answer_labels": rectification.ANSWER_LABELS,
        "today": circulars.today(),
        "newer": circulars.superseded_by(db, circular),
        "older": db.get(Circular, circular.supersedes_id) if circular.supersedes_id else None,
        "month_label": month_label,
        "chinese_date": circulars.chinese_date,
    }


def _public_batch(db: DbSession, code: str) -> Batch:
    batch = get_batch(db, code=code[:20])
    if not batch.public:
        raise NotFound("没有这个实事项目批次。")
    return batch


@router.get("/projects/circulars")
def public_list(request: Request, db: DbSession, batch: str = "") -> Response:
    chosen = _public_batch(db, batch) if batch else None
    found = [
        c for c in circulars.list_circulars(db, batch=chosen, public_only=True) if c.batch.public
    ]
    context = {
        "circulars": found,
        "chosen": chosen,
        "number_of": circulars.number_label,
        "issued_on": issued_on,
        "chinese_date": circulars.chinese_date,
    }
    return render(request, "projects/circulars/public_list.html", context)


def _public(db: DbSession, circular_id: int) -> Circular:
    circular = circulars.get_public(db, circular_id=circular_id)
    if not circular.batch.public:
        raise NotFound("没有这份通报，或它还没有发布。")
    return circular


@router.get("/projects/circulars/{circular_id:int}")
def public_circular(circular_id: int, request: Request, db: DbSession) -> Response:
    circular = _public(db, circular_id)
    return render(
        request, "projects/circulars/public_circular.html", circular_context(db, circular)
    )


@router.get("/projects/circulars/{circular_id:int}.pdf")
def public_pdf(circular_id: int, db: DbSession) -> Response:
    circular = _public(db, circular_id)
    content = render_circular(db, circular)
    name = f"{file_name(circular)}.pdf"
    return download(content, name=name, ascii_name=f"circular-{circular.id}.pdf", inline=True)


@router.get("/projects/circulars/{circular_id:int}.xlsx")
def public_xlsx(circular_id: int, db: DbSession) -> Response:
    circular = _public(db, circular_id)
    content = batch_report.circular_xlsx(db, circular)
    return download(
        content, name=f"{file_name(circular)}.xlsx", ascii_name=f"circular-{circular.id}.xlsx"
    )


def _report(db: DbSession, code: str, month: str) -> batch_report.BatchMonth:
    batch = _public_batch(db, code)
    end = month_end(month)  # NotFound for anything that is not a month
    if end.replace(day=1) > circulars.today():
        raise NotFound("这个月还没到，没有进展报告。")
    return batch_report.BatchMonth(db, batch, month)


@router.get("/projects/batches/{code}/report/{month}.pdf")
def batch_report_pdf(code: str, month: str, db: DbSession) -> Response:
    report = _report(db, code, month)
    return download(
        batch_report.render_pdf(report),
        name=f"{report.title}.pdf",
        ascii_name=f"report-{report.batch.code}-{month}.pdf",
        inline=True,
    )


@router.get("/projects/batches/{code}/report/{month}.xlsx")
def batch_report_xlsx(code: str, month: str, db: DbSession) -> Response:
    report = _report(db, code, month)
    return download(
        batch_report.render_xlsx(report),
        name=f"{report.title}.xlsx",
        ascii_name=f"report-{report.batch.code}-{month}.xlsx",
    )
