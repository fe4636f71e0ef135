"""Submitting an application: the automatic rules decide instant approval (秒批) or review."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.core.errors import InvalidInput
from minsheng.licensing import business, issuing, rules
from minsheng.licensing.models import Application, ApplicationKind, ApplicationStatus
from minsheng.licensing.service import require_editable


def missing_steps(app: Application) -> dict[str, str]:
    """What still has to be filled before submitting, by field."""
    missing: dict[str, str] = {}
    if not app.id_number or not app.operator_name:
        missing["id_number"] = "请先填写姓名和身份证号码"
    if app.phone_verified_at is None:
        missing["phone"] = "请先验证手机号码"
    if app.kind != ApplicationKind.deregister:
        if not app.address or app.town_id is None:
            missing["address"] = "请填写经营场所"
        if not app.scope_codes:
            missing["scope"] = "请选择经营范围"
    return missing


def submit(db: Session, *, app: Application) -> Application:
    """Runs every rule; all passed (and identity verified by the backend) issues at once, any
    failure sends the application to a registrar with the failed rules highlighted. A second
    pending application of the same person for the same place is refused, nothing written.
    No text message here: the caller sends notices.submitted with the status token."""
    require_editable(app)
    missing = missing_steps(app)
    if missing:
        raise InvalidInput(missing, "还有几步没有完成。")
    # A second application for the same place (or license) may have appeared since step 2.
    other = business.pending_duplicate(db, app=app, town_id=app.town_id, address=app.address)
    if other is not None:
        message = business.duplicate_message(other)
        raise InvalidInput({"__all__": message}, message)
    results = rules.evaluate(db, app=app)
    app.rules = [r.as_dict() for r in results]
    app.submitted_at = utcnow()
    app.reason = ""
    passed = all(r.passed for r in results)
    instant = passed and app.office.instant_approval and app.identity_checked_at is not None
    app.decision = "instant" if instant else "review"
    if instant:
        issuing.issue(db, app=app)
    else:
        app.status = ApplicationStatus.reviewing
    db.flush()
    return app
