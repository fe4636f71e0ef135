"""The license PDF: the applicant's own (by the status page's secret link) and the registrar's
copy of any license their office issued (VIEW_LICENSES). Both inline, never cached."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.licensing import issuing, license_pdf, service
from minsheng.licensing.models import ApplicationStatus, License
from minsheng.licensing.permissions import VIEW_LICENSES

router = APIRouter()
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_LICENSES))]
Copy = Annotated[int, Query(ge=0, le=1, description="0 正本，1 副本")]
NOT_ISSUED = "这份申请还没有发出营业执照。"
ENDED = "这份营业执照已经注销，不再提供打印。"


def pdf_response(license: License, *, copy: bool) -> Response:
    """The license inline with its Chinese file name (RFC 6266), the render time for the bench."""
    started = time.perf_counter()
    content = license_pdf.render(license, copy=copy)
    elapsed = 1000 * (time.perf_counter() - started)
    kind, ascii_kind = ("副本", "copy") if copy else ("正本", "original")
    name = f"营业执照-{license.uscc}-{kind}.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="license-{license.uscc}-{ascii_kind}.pdf"; '
        f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store",  # the operator's name: never in a shared cache
        "Server-Timing": f"pdf;dur={elapsed:.1f}",
    }
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/licensing/status/{token}/license.pdf")
def own_license(token: str, db: DbSession, copy: Copy = 0) -> Response:
    """The applicant's license, from the link on their status page."""
    app = service.by_token(db, token=token)
    license = app.license
    if app.status != ApplicationStatus.issued or license is None:
        raise NotFound(NOT_ISSUED)
    if not license.valid:
        raise NotFound(ENDED)
    return pdf_response(license, copy=bool(copy))


@router.get("/staff/licensing/licenses/{uscc}.pdf")
def staff_license(uscc: str, db: DbSession, staff: Viewer, copy: Copy = 0) -> Response:
    """Any license of the registrar's office (a reprint at the window)."""
    license = issuing.get_license(db, code=uscc)
    if not issuing.may_view(staff, license):
        raise Forbidden("这份执照不是您所在单位登记的。")
    return pdf_response(license, copy=bool(copy))
