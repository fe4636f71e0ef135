"""The public verification page a license's QR code opens: the license's public fields and
whether it is valid, nothing else (no ID number, no phone). Limited per client address, so the
keys cannot be guessed by trying."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minsheng.core import ratelimit
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import NotFound, TooManyRequests
from minsheng.licensing import issuing, license_pdf
from minsheng.licensing.models import License
from minsheng.web.templating import render

router = APIRouter()
LOOKUPS_PER_MINUTE = 30
# Two-character family names keep both characters (欧阳**), the rest keep one (王**).
COMPOUND_FAMILY_NAMES = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯")
    + ("长孙", "宇文", "司徒", "澹台", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "轩辕")
    + ("申屠", "濮阳", "太史", "呼延", "钟离", "赫连", "拓跋", "百里", "东郭", "左丘")
)


def masked_operator(name: str) -> str:
    """The family name and two stars, whatever the name's length.

    The page is open to anyone who holds the QR code; a customer checking a shop needs to see that
    the license is real and valid, not the full name of a private person (the credit code, name,
    place and scope identify the business; PIPL asks for no more than needed)."""
    if not name:
        return ""
    keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_FAMILY_NAMES else 1
    return name[:keep] + "**"


def public_fields(license: License) -> dict[str, object]:
    """What the page shows, and all it shows."""
    return {
        "uscc": license.uscc,
        "name": license.name or "（无）",
        "type": issuing.TYPE_LABEL,
        "operator": masked_operator(license.operator_name),
        "org_form": issuing.org_form_label(license),
        "place": license.place,
        "scope": license.scope_text,
        "registered_on": license_pdf.date_text(license.registered_on),
        "authority": license.authority,
        "valid": license.valid,
        "deregistered_on": (
            license_pdf.date_text(license.deregistered_on) if license.deregistered_on else ""
        ),
        "demo": license.demo,
        "edition": license.edition,
    }


@router.get("/licenses/verify/{key}")
def verify(request: Request, key: str, db: DbSession, addr: ClientAddr) -> Response:
    """One license's public record, as its QR code promises."""
    if not ratelimit.allow(
        db, key=f"licensing:verify:{addr}", limit=LOOKUPS_PER_MINUTE, window_seconds=60
    ):
        raise TooManyRequests("查询太频繁，请一分钟后再试。", retry_after=60)
    try:
        license = issuing.by_verify_key(db, key=key)
    except NotFound:
        # A page of its own, not an error: a torn QR code is the usual cause, so say what to do.
        return render(request, "licensing/license/not_found.html", status=404)
    headers = {"Cache-Control": "no-store"}  # a deregistration shows at once
    response = render(request, "licensing/license/verify.html", {"license": public_fields(license)})
    response.headers.update(headers)
    return response
