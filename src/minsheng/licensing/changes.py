"""Amendments (变更登记: place or scope) and simple deregistration (简易注销) of an issued
license: the operator identifies the license by its credit code and their ID number, confirms
their phone, changes what they need, and submits like a registration (instant or review).
Functions flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.text import normalize_mobile
from minsheng.licensing import business, flow, identity_numbers, issuing, service, uscc
from minsheng.licensing.models import (
    KIND_LABELS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    License,
)
from minsheng.licensing.schemas import BusinessIn, FamilyMember
from minsheng.org.models import Region

KINDS = (ApplicationKind.amend, ApplicationKind.deregister)
# What the operator promises for 简易注销 (no creditors' claims left, nothing owed).
PROMISE = (
    "本人承诺无债权债务：本个体工商户没有未结清的债权债务，没有未缴清的税款和罚款，"
    "没有正在办理的行政处罚或诉讼。如有不实，本人承担相应的法律责任。"
)
# Submitted and not yet decided: another change of the same license waits for it.
WAITING = (ApplicationStatus.reviewing, ApplicationStatus.returned)


def find_license(db: Session, *, code: str, id_number: str) -> License:
    """The license with this credit code, if `id_number` is its operator's; errors by field."""
    code = "".join((code or "").split()).upper()[:30]
    errors: dict[str, str] = {}
    found: License | None = None
    if not code:
        errors["uscc"] = "请填写营业执照上的统一社会信用代码"
    elif len(code) != 18 or not uscc.is_valid(code):
        errors["uscc"] = "统一社会信用代码应为 18 位，请对照营业执照核对"
    else:
        found = db.scalar(select(License).where(License.uscc == code))
        if found is None:
            errors["uscc"] = "没有查到这个统一社会信用代码的营业执照，请核对"
    try:
        number = identity_numbers.parse(id_number, today=service.local_today()).number
    except identity_numbers.BadIdNumber as exc:
        errors["id_number"] = str(exc)
    else:
        if found is not None and number != found.operator_id_number:
            errors["id_number"] = (
                "身份证号码与这张营业执照的经营者不一致，请由执照上的经营者本人办理"
            )
    if errors:
        raise InvalidInput(errors)
    assert found is not None
    return found


def waiting_change(
    db: Session, *, license: License, exclude_id: int | None = None
) -> Application | None:
    """A submitted, undecided amendment or deregistration of this license, if any."""
    query = select(Application).where(
        Application.license_id == license.id,
        Application.kind.in_(KINDS),
        Application.status.in_(WAITING),
    )
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    return db.scalars(query.limit(1)).first()


def require_changeable(db: Session, *, license: License, exclude_id: int | None = None) -> None:
    """A deregistered license cannot be changed; a pending change blocks another."""
    if not license.valid:
        raise Conflict("这张营业执照已经注销，不能再变更或注销。", code="license_ended")
    other = waiting_change(db, license=license, exclude_id=exclude_id)
    if other is not None:
        raise Conflict(
            f"这张营业执照已有一份{KIND_LABELS[other.kind]}申请正在办理"
            f"（编号 {other.number}），请等它办结后再申请。",
            code="change_pending",
        )


def _last_place(db: Session, license: License) -> Application | None:
    """The issued application that last set this license's place (registration or amendment)."""
    return db.scalars(
        select(Application)
        .where(
            Application.license_id == license.id,
            Application.kind.in_((ApplicationKind.register, ApplicationKind.amend)),
            Application.status == ApplicationStatus.issued,
            Application.address != "",
        )
        .order_by(Application.decided_at.desc(), Application.id.desc())
        .limit(1)
    ).first()


def _prefill(db: Session, app: Application, license: License) -> None:
    """An amendment starts from the place and family on record; the scope comes from start()."""
    last = _last_place(db, license)
    if last is not None:
        app.town_id, app.community_id, app.address = last.town_id, last.community_id, last.address
        app.family_members = list(last.family_members or [])
    else:  # a license registered before this system: its printed place, less the city
        app.address = business.clean_address(
            license.place.removeprefix(issuing.PROVINCE_CITY), license.town
        )


def begin(
    db: Session,
    *,
    code: str,
    id_number: str,
    phone: str,
    kind: str,
    client_addr: str,
) -> tuple[Application, str]:
    """Checks the license and its operator, starts the change and texts the phone a code.
    Everything is checked before anything is written."""
    errors: dict[str, str] = {}
    if kind not in {k.value for k in KINDS}:
        errors["kind"] = "请选择要办理的事项：变更登记或简易注销"
    if normalize_mobile(phone or "") is None:
        errors["phone"] = "请填写 11 位手机号码"
    try:
        license = find_license(db, code=code, id_number=id_number)
    except InvalidInput as exc:
        raise InvalidInput({**exc.fields, **errors}) from None
    if errors:
        raise InvalidInput(errors)
    require_changeable(db, license=license)
    app, token = service.start(
        db, office=license.office, kind=ApplicationKind(kind), license=license
    )
    if app.kind == ApplicationKind.amend:
        _prefill(db, app, license)
    service.set_identity(db, app=app, name=license.operator_name, id_number=id_number)
    service.send_code(db, app=app, phone=phone, client_addr=client_addr)
    return app, token


def confirm_phone(db: Session, *, app: Application, code: str) -> None:
    """The code from the SMS; only then does a change begun earlier and left half-way give way
    to this one (knowing a credit code and an ID number is not enough to wipe someone's work)."""
    service.confirm_code(db, app=app, code=code)
    for left in db.scalars(
        select(Application).where(
            Application.license_id == app.license_id,
            Application.id != app.id,
            Application.kind.in_(KINDS),
            Application.status == ApplicationStatus.filling,
        )
    ):
        service.abandon(db, app=left)


def _require_change(app: Application, kind: ApplicationKind) -> License:
    service.require_editable(app)
    if app.kind != kind or app.license is None:
        raise Conflict("这份申请不是这项业务。", code="wrong_kind")
    if app.phone_verified_at is None:
        raise InvalidInput({"code": "请先填写短信验证码"})
    return app.license


def unchanged(
    db: Session,
    *,
    license: License,
    town_id: int | None,
    community_id: int | None,
    address: str,
    scope_codes: list[str],
) -> bool:
    """True when this place and scope are what the license already says."""
    errors, town, cleaned = business.check_place(
        db, town_id=town_id, community_id=community_id, address=address
    )
    if errors or town is None:
        return False
    community = db.get(Region, community_id) if community_id else None
    place = issuing.PROVINCE_CITY + town.name + (community.name if community else "") + cleaned
    return place == license.place and sorted(set(scope_codes)) == sorted(license.scope_codes)


NOTHING_CHANGED = "经营场所和经营范围都没有变化，不需要办理变更登记"


def set_amendment(
    db: Session,
    *,
    app: Application,
    town_id: int | None,
    community_id: int | None,
    address: str,
    scope_codes: list[str],
) -> None:
    """The new place and scope, checked as a registration's step 2 checks them; a form that
    changes nothing is refused, since there is nothing to register."""
    license = _require_change(app, ApplicationKind.amend)
    data = BusinessIn(
        org_form=app.org_form,
        family_members=[FamilyMember(**m) for m in app.family_members or []],
        town_id=town_id,
        community_id=community_id,
        address=address[:120],
        scope_codes=scope_codes[:30],
    )
    if unchanged(
        db,
        license=license,
        town_id=town_id,
        community_id=community_id,
        address=address,
        scope_codes=scope_codes,
    ):
        raise InvalidInput({"__all__": NOTHING_CHANGED})
    business.set_business(db, app=app, data=data)


def submit(db: Session, *, app: Application, token: str, promise: bool = False) -> Application:
    """Submits the change like a registration (instant or review) and texts the status link.
    简易注销 needs the operator's promise that no debts remain."""
    license = _require_change(app, app.kind)
    if app.kind == ApplicationKind.deregister and not promise:
        raise InvalidInput({"promise": "简易注销须承诺无债权债务，请阅读后勾选"})
    if app.kind == ApplicationKind.amend and unchanged(
        db,
        license=license,
        town_id=app.town_id,
        community_id=app.community_id,
        address=app.address,
        scope_codes=list(app.scope_codes or []),
    ):
        raise InvalidInput({"__all__": NOTHING_CHANGED})
    require_changeable(db, license=license, exclude_id=app.id)
    return flow.submit(db, app=app, token=token)
