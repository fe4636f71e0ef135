"""Issuing: a new credit code and license for an approved registration, a new edition for an
amendment, the end of a license for a deregistration; and reading licenses back (by code, by the
verification key, scoped lists for the registrar's API). Functions flush, never commit."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.licensing import identity, scope, uscc
from minsheng.licensing.models import (
    ORG_FORMS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CodeSerial,
    License,
    Office,
)
from minsheng.licensing.permissions import VIEW_LICENSES
from minsheng.licensing.service import local_today
from minsheng.org.models import Region, Unit

log = logging.getLogger(__name__)

PROVINCE_CITY = "江苏省昆山市"
TYPE_LABEL = "个体工商户"
STATUS_LABELS = {"valid": "有效", "deregistered": "已注销"}
PER_PAGE = 20
MAX_PER_PAGE = 100


def verify_url(license: License) -> str:
    """The public verification page of `license`: what its QR code holds."""
    return f"{get_settings().base_url.rstrip('/')}/licenses/verify/{license.verify_key}"


def status_of(license: License) -> str:
    return "valid" if license.valid else "deregistered"


def org_form_label(license: License) -> str:
    return ORG_FORMS.get(license.org_form, license.org_form)


def scope_text(db: Session, codes: list[str]) -> str:
    """The printed business scope, as the catalogue words it (general, then permit items)."""
    return scope.describe(db, codes)[0]


def place_of(app: Application) -> str:
    """The full operating place printed on the license."""
    town = app.town.name if app.town else ""
    community = app.community.name if app.community else ""
    return PROVINCE_CITY + town + community + app.address


def _take_serial(db: Session, division: str) -> int:
    """The next body serial of `division`, raised in this transaction: the row stays locked
    (PostgreSQL) or the database is (SQLite) until commit, so no two transactions share one."""
    raise_it = (
        update(CodeSerial)
        .where(CodeSerial.division == division)
        .values(next_serial=CodeSerial.next_serial + 1)
        .returning(CodeSerial.next_serial)
        .execution_options(synchronize_session=False)
    )
    raised = db.execute(raise_it).scalar_one_or_none()
    if raised is not None:
        return int(raised) - 1
    try:
        with db.begin_nested():  # two first issues at once: one creates, the other raises
            db.add(CodeSerial(division=division, next_serial=2))
        return 1
    except IntegrityError:
        return int(db.execute(raise_it).scalar_one()) - 1


def new_code(db: Session, *, division: str = uscc.KUNSHAN) -> str:
    """A credit code never issued before, checked both ways before it is used."""
    code = uscc.make(_take_serial(db, division), division=division)
    if not (uscc.is_valid(code) and stdnum_uscc.is_valid(code)):
        raise RuntimeError(f"credit code {code} fails its own check")  # a bug in uscc.make
    return code


def is_demo(app: Application) -> bool:
    """Demo when either the office's or the application's backend is demo: a person checked
    only by the demo backend never gets a license that looks real."""
    return identity.backend(app.office.identity_backend).demo or (
        identity.backend(app.identity_backend).demo if app.identity_backend else False
    )


def issue(db: Session, *, app: Application, staff: StaffPrincipal | None = None) -> License:
    """Issues the license of an approved registration (or applies an amendment/deregistration)."""
    if app.status == ApplicationStatus.issued and app.license is not None:
        return app.license  # issued once already: never a second license, edition or end
    if app.status in (ApplicationStatus.refused, ApplicationStatus.abandoned):
        raise Conflict("这份申请已经结束，不能办结。", code="not_issuable")
    if app.kind == ApplicationKind.register:
        if app.license is not None:
            raise Conflict("这份申请已经发过执照。", code="already_issued")
        license = _register(db, app=app)
    elif app.license is None or not app.license.valid:
        raise Conflict("这份营业执照已经注销，不能再变更或注销。", code="license_ended")
    elif app.kind == ApplicationKind.amend:
        license = _amend(db, app=app, license=app.license)
    else:
        license = app.license
        license.valid = False
        license.deregistered_on = local_today()
    app.license = license
    app.status = ApplicationStatus.issued
    app.decided_at = utcnow()
    if staff is not None:
        app.reviewed_by_id = staff.user_id
    db.flush()
    return license


def _register(db: Session, *, app: Application) -> License:
    codes = list(app.scope_codes or [])
    fields = {
        "name": app.business_name,
        "operator_name": app.operator_name,
        "operator_id_number": app.id_number,
        "org_form": app.org_form,  # the key: an amendment starts from it (service.start)
        "place": place_of(app),
        "town_id": app.town_id,
        "industry": scope.industry_of(db, codes),
        "scope_codes": codes,
        "scope_text": scope_text(db, codes),
        "registered_on": local_today(),
        "authority": app.office.authority,
        "office_id": app.office_id,
        "demo": is_demo(app),
    }
    # The serial makes codes unique; the unique uscc is the last guard. A clash (a code issued
    # outside the serial) takes the next serial once, then gives up with nothing written.
    for attempt in (1, 2):
        license = License(uscc=new_code(db), verify_key=secrets.token_urlsafe(12), **fields)
        try:
            with db.begin_nested():
                db.add(license)
            return license
        except IntegrityError:
            # The savepoint's rollback has taken the pending license out of the session.
            log.warning("credit code %s clashed (attempt %d)", license.uscc, attempt)
    raise Conflict("生成统一社会信用代码时发生冲突，请稍后再试。", code="code_clash")


def _amend(db: Session, *, app: Application, license: License) -> License:
    """Same code, the new place and scope, the next edition; the audit trail keeps the old."""
    codes = list(app.scope_codes or [])
    if app.town_id is not None and app.address:
        license.place = place_of(app)
        license.town_id = app.town_id
    if codes:
        license.scope_codes = codes
        license.scope_text = scope_text(db, codes)
        license.industry = scope.industry_of(db, codes) or license.industry
    license.edition += 1
    return license


# ---------------------------------------------------------------- reading


def by_verify_key(db: Session, *, key: str) -> License:
    found = db.scalar(select(License).where(License.verify_key == key[:24]))
    if found is None:
        raise NotFound("未查到这份执照。")
    return found


def get_license(db: Session, *, code: str) -> License:
    found = db.scalar(select(License).where(License.uscc == code[:18].upper()))
    if found is None:
        raise NotFound("没有这个统一社会信用代码的执照。")
    return found


def visible_to(staff: StaffPrincipal) -> ColumnElement[bool]:
    """Licenses of offices whose unit sits within a unit where `staff` holds VIEW_LICENSES
    (an administrator at the root unit therefore sees all)."""
    paths = staff.units_for(VIEW_LICENSES)
    if not paths:
        return false()
    under = or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))
    offices = select(Office.id).join(Unit, Unit.id == Office.unit_id).where(under)
    return License.office_id.in_(offices)


def may_view(staff: StaffPrincipal, license: License) -> bool:
    return staff.can(VIEW_LICENSES, license.office.unit.path)


@dataclass(frozen=True)
class LicenseFilters:
    town: str | None = None  # the town's name or division code
    status: str | None = None  # valid or deregistered
    q: str | None = None  # code, name or operator


def _filtered(stmt: Select, filters: LicenseFilters) -> Select:
    if filters.town:
        towns = select(Region.id).where(
            or_(Region.name == filters.town, Region.code == filters.town)
        )
        stmt = stmt.where(License.town_id.in_(towns))
    if filters.status is not None:
        stmt = stmt.where(License.valid == (filters.status == "valid"))
    q = "".join((filters.q or "").split())
    if q:
        stmt = stmt.where(
            or_(
                License.uscc == q.upper(),
                License.name.contains(q, autoescape=True),
                License.operator_name == q,
            )
        )
    return stmt


def list_licenses(
    db: Session,
    *,
    staff: StaffPrincipal,
    filters: LicenseFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[License], int]:
    """The licenses `staff` may see, newest first, and how many match."""
    base = _filtered(select(License).where(visible_to(staff)), filters)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.scalars(
        base.order_by(License.registered_on.desc(), License.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), int(total)
