"""The applicant's steps, shared by the web pages and the kiosk: which steps each kind has, what
each step reads from a form and which service call it makes, progress, step times, and what the
review and status pages show. The pages only route; the checks live in the service modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput
from minsheng.core.text import mask_phone
from minsheng.licensing import (
    business,
    decision,
    identity,
    identity_numbers,
    notices,
    rules,
    scope,
    service,
)
from minsheng.licensing.models import (
    KIND_LABELS,
    ORG_FORMS,
    STATUS_LABELS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Office,
    ScopeItem,
)
from minsheng.licensing.schemas import BusinessIn
from minsheng.web.forms import optional_int, parse

# Several questions per page on the web; the review page shows the checks before submitting.
WEB_STEPS: dict[ApplicationKind, tuple[str, ...]] = {
    ApplicationKind.register: ("identity", "business", "review"),
    ApplicationKind.amend: ("identity", "business", "review"),
    ApplicationKind.deregister: ("identity", "review"),
}
WEB_LABELS = {"identity": "身份信息", "business": "经营信息", "review": "核对提交"}
# One question per screen at the kiosk.
KIOSK_STEPS = (
    "operator",
    "id_number",
    "phone",
    "code",
    "org_form",
    "trade_name",
    "place",
    "scope",
    "confirm",
    "result",
)
KIOSK_LABELS = {
    "operator": "您的姓名",
    "id_number": "身份证号码",
    "phone": "手机号码",
    "code": "短信验证码",
    "org_form": "组成形式",
    "trade_name": "名称（字号）",
    "place": "经营场所",
    "scope": "经营范围",
    "confirm": "核对并提交",
    "result": "办理结果",
}
# The business fields each kiosk screen asks; messages about later screens wait for them.
KIOSK_BUSINESS_FIELDS = {
    "org_form": ("org_form", "family_members"),
    "trade_name": ("trade_name", "industry_word", "form_word"),
    "place": ("town_id", "community_id", "address"),
    "scope": ("scope_codes",),
}
FAMILY_ROWS = 4
MAX_STEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Progress:
    number: int  # 第 n 步
    total: int  # 共 m 步
    label: str


def progress(steps: tuple[str, ...], step: str, labels: dict[str, str]) -> Progress:
    return Progress(steps.index(step) + 1, len(steps), labels[step])


def is_demo(office: Office) -> bool:
    """Whether every screen must say 演示: the office's identity backend accepts everyone."""
    return identity.backend(office.identity_backend).demo


def stamp() -> str:
    """The server time a step was shown, carried by the form as `shown_at`."""
    return f"{utcnow().timestamp():.1f}"


def record(app: Application, *, step: str, shown_at: Any) -> None:
    """Adds the seconds since the step was shown; a missing or odd stamp counts nothing."""
    try:
        seconds = utcnow().timestamp() - float(str(shown_at)[:20])
    except ValueError:
        return
    if -1 <= seconds <= MAX_STEP_SECONDS:  # a second's slack for the stamp's rounding
        service.record_step(app, step=step, seconds=seconds)


def text(form: dict[str, Any], name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return (value if isinstance(value, str) else "").strip()[:limit]


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v)[:20] for v in (value if isinstance(value, list) else [value])][:60]


# Step 1: identity


def hold_name(db: Session, *, app: Application, name: str) -> None:
    """The kiosk's name screen: checked as step 1 checks it, kept until the ID number comes."""
    try:
        service.set_identity(db, app=app, name=name, id_number=app.id_number)
    except InvalidInput as exc:
        if "operator_name" in exc.fields:
            raise InvalidInput({"operator_name": exc.fields["operator_name"]}) from None
        app.operator_name = "".join(name.split())
        db.flush()


def set_identity(db: Session, *, app: Application, form: dict[str, Any]) -> None:
    service.set_identity(
        db, app=app, name=text(form, "operator_name", 40), id_number=text(form, "id_number", 40)
    )


def send_code(db: Session, *, app: Application, form: dict[str, Any], client_addr: str) -> str:
    return service.send_code(db, app=app, phone=text(form, "phone", 30), client_addr=client_addr)


def confirm_code(db: Session, *, app: Application, form: dict[str, Any]) -> None:
    service.confirm_code(db, app=app, code=text(form, "code", 20))


# Step 2: business


def business_values(app: Application, office: Office) -> dict[str, Any]:
    """What step 2 holds now, as the form shows it; the office's town when none is chosen."""
    return {
        "org_form": app.org_form or "individual",
        "family_members": [dict(m) for m in app.family_members or []],
        "trade_name": app.trade_name,
        "industry_word": app.industry_word,
        "form_word": app.form_word,
        "town_id": app.town_id or office.town_id,
        "community_id": app.community_id,
        "address": app.address,
        "scope_codes": list(app.scope_codes or []),
    }


def read_business(form: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The named step-2 fields from a submitted form."""
    found: dict[str, Any] = {}
    for name in fields:
        if name == "family_members":
            rows = []
            for i in range(FAMILY_ROWS):
                member = {
                    "name": text(form, f"family_name_{i}", 40),
                    "id_number": text(form, f"family_id_{i}", 40),
                }
                if any(member.values()):
                    rows.append(member)
            found[name] = rows
        elif name in ("town_id", "community_id"):
            found[name] = optional_int(form.get(name))
        elif name == "scope_codes":
            found[name] = as_list(form.get(name))
        else:
            found[name] = text(form, name)
    if found.get("org_form") == "individual":
        found["family_members"] = []
    return found


def set_business(db: Session, *, app: Application, values: dict[str, Any]) -> None:
    """Step 2 at once, as the rules helper's service checks it."""
    data = parse(BusinessIn, values)
    business.set_business(db, app=app, data=data)


def set_business_part(
    db: Session, *, app: Application, office: Office, step: str, form: dict[str, Any]
) -> None:
    """One kiosk screen of step 2: this screen's answers checked with everything given so far;
    what a later screen asks may still be missing, and its messages wait for that screen."""
    fields = KIOSK_BUSINESS_FIELDS[step]
    part = read_business(form, fields)
    values = {**business_values(app, office), **part}
    try:
        set_business(db, app=app, values=values)
        return
    except InvalidInput as exc:
        mine = {k: v for k, v in exc.fields.items() if k in fields or k.startswith(fields)}
        if step == "scope":  # the last screen: every remaining message belongs here
            mine = exc.fields
        if mine:
            raise InvalidInput(mine) from None
    # Valid on its own: kept, and checked again with the rest on the last screen.
    checked = BusinessIn.model_validate(values)
    for name in fields:
        value = getattr(checked, name)
        if name == "family_members":
            value = [m.model_dump() for m in value]
        setattr(app, name, value)
    db.flush()


def towns(db: Session) -> list[tuple[str, str]]:
    """Kunshan's towns and zones, as select options by id."""
    return [(str(t.id), t.name) for t in business.towns(db)]


def communities(db: Session, town_id: int | None) -> list[tuple[str, str]]:
    """The communities and villages of one town of Kunshan."""
    town = business.kunshan_town(db, town_id)
    if town is None:
        return []
    return [(str(c.id), c.name) for c in business.communities(db, town_id=town.id)]


@dataclass(frozen=True)
class ScopeGroup:
    industry: str
    items: list[ScopeItem]


def scope_groups(db: Session) -> tuple[list[ScopeGroup], list[ScopeGroup]]:
    """The catalogue: general items by industry, then items needing a permit by industry."""
    catalogue = scope.catalogue(db)
    return (
        [ScopeGroup(g.industry, g.general) for g in catalogue if g.general],
        [ScopeGroup(g.industry, g.permit) for g in catalogue if g.permit],
    )


# Step 3: checks, submit, status


def place_text(app: Application) -> str:
    parts = [app.town.name if app.town else "", app.community.name if app.community else ""]
    return "".join(parts) + app.address


def summary(db: Session, app: Application) -> dict[str, Any]:
    """Everything entered, as the review and confirm screens show it (numbers masked)."""
    return {
        "operator_name": app.operator_name,
        "id_number": identity_numbers.mask(app.id_number) if app.id_number else "",
        "phone": mask_phone(app.phone),
        "phone_verified": app.phone_verified_at is not None,
        "org_form": ORG_FORMS.get(app.org_form, app.org_form),
        "family": [m.get("name", "") for m in app.family_members or []],
        "business_name": app.business_name,
        "place": place_text(app),
        "scope": scope.items(db, list(app.scope_codes or [])),
        "missing": decision.missing_steps(app),
    }


def checks(db: Session, app: Application) -> list[rules.RuleResult]:
    """Every rule with its reason, shown before submitting (nothing is decided yet)."""
    if decision.missing_steps(app):
        return []
    return rules.evaluate(db, app=app)


def submit(db: Session, *, app: Application, token: str) -> Application:
    """Submits (instant issue or review) and texts the status link once."""
    decision.submit(db, app=app)
    notices.submitted(db, app=app, token=token)
    return app


def status_view(app: Application) -> dict[str, Any]:
    """What the applicant's status page shows."""
    license = app.license if app.status == ApplicationStatus.issued else None
    return {
        "number": app.number,
        "kind": KIND_LABELS[app.kind],
        "status": app.status.value,
        "status_label": STATUS_LABELS[app.status],
        "rules": app.rules or [],
        "reason": app.reason,
        "returned": app.status == ApplicationStatus.returned,
        "editable": app.status in service.EDITABLE,
        "license": license,
        "officer": app.identity_checked_at is None and app.status == ApplicationStatus.reviewing,
        "demo": is_demo(app.office),
        "submitted_at": app.submitted_at,
    }


def idle_for(app: Application, now: dt.datetime | None = None) -> float:
    """Seconds since the applicant last did something."""
    if app.last_active_at is None:
        return 0.0
    return ((now or utcnow()) - app.last_active_at).total_seconds()
