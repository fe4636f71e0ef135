"""The automatic rules run at submitting: each result is shown to the applicant and the registrar
with its reason, and all of them passing (with identity verified and the office allowing it)
means instant approval (秒批).

Two kinds of failure:
- Refused at step 2 (business.set_business raises, nothing is saved): a name with a letter,
  digit or punctuation in the 字号, a banned word or an enterprise form, an identical name in the
  same town (valid license or pending application); a place outside Kunshan or a community not
  in the town; unknown, withdrawn or conflicting scope items, none or more than 15; family
  members that are not valid; a second pending application of the same person for the same
  place (decision.submit refuses this one again, since it may have appeared since).
- Sent to a registrar's review (the application waits as reviewing): identity not verified by
  the backend (the "officer" backend: 须到窗口由登记人员核验身份); the operator already holding
  MAX_LICENSES_PER_TOWN valid licenses in the town; a refusal of the same person within
  REFUSAL_MEMORY_DAYS (the place where a credit blacklist, 严重违法失信名单, would plug in); and
  any step-2 rule that no longer holds at submitting (a same name registered in between).
- Never blocking: permit items (许可项目) pass with a note; the license says they need approval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.licensing import business, identity, identity_numbers, names, scope
from minsheng.licensing.models import (
    ORG_FORMS,
    Application,
    ApplicationKind,
    ApplicationStatus,
    License,
)
from minsheng.licensing.schemas import FamilyMember
from minsheng.licensing.service import local_today

MAX_LICENSES_PER_TOWN = 3
REFUSAL_MEMORY_DAYS = 180


@dataclass(frozen=True)
class RuleResult:
    code: str  # stable, e.g. "name.banned_words"
    label: str  # 名称禁用字词
    passed: bool
    message: str  # the reason, in Chinese, shown to the applicant and the registrar

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "passed": self.passed,
            "message": self.message,
        }


def _identity(app: Application) -> list[RuleResult]:
    backend = identity.backend(app.identity_backend)
    if app.identity_checked_at is not None:
        verified = RuleResult(
            "identity.verified", "身份核验", True, f"身份已核验（{backend.label}）"
        )
    elif backend.code == "officer":
        verified = RuleResult("identity.verified", "身份核验", False, "须到窗口由登记人员核验身份")
    else:
        verified = RuleResult("identity.verified", "身份核验", False, "身份尚未核验")
    try:
        identity_numbers.adult(app.id_number, today=local_today())
        adult = RuleResult("identity.adult", "年满 18 周岁", True, "经营者已年满 18 周岁")
    except identity_numbers.BadIdNumber as exc:
        adult = RuleResult("identity.adult", "年满 18 周岁", False, str(exc))
    phone = (
        RuleResult("phone.confirmed", "手机号码", True, "手机号码已验证")
        if app.phone_verified_at is not None
        else RuleResult("phone.confirmed", "手机号码", False, "手机号码尚未验证")
    )
    return [verified, adult, phone]


def _name(db: Session, app: Application) -> list[RuleResult]:
    if app.kind == ApplicationKind.amend and not app.trade_name:
        return [RuleResult("name", "名称", True, "名称不变")]
    if not app.trade_name:
        return [RuleResult("name", "名称", True, "未使用字号（个体工商户可以不起名称）")]
    return names.check(
        db,
        town_id=app.town_id,
        trade_name=app.trade_name,
        industry_word=app.industry_word,
        form_word=app.form_word,
        exclude_application_id=app.id,
        exclude_license_id=app.license_id if app.kind == ApplicationKind.amend else None,
    )


def _place_and_scope(db: Session, app: Application) -> list[RuleResult]:
    place_errors, _town, _address = business.check_place(
        db, town_id=app.town_id, community_id=app.community_id, address=app.address
    )
    place = RuleResult(
        "place.kunshan",
        "经营场所",
        not place_errors,
        "；".join(place_errors.values()) if place_errors else "经营场所在昆山市范围内",
    )
    scope_errors = scope.validate(db, app.scope_codes)
    valid = RuleResult(
        "scope.valid",
        "经营范围",
        not scope_errors,
        "；".join(scope_errors) if scope_errors else "经营范围均为规范表述，没有相互冲突的条目",
    )
    _text, permits = scope.describe(db, app.scope_codes)
    permit = RuleResult(
        "scope.permit",
        "许可项目",
        True,
        "含许可项目（" + "、".join(p.permit_name or p.wording for p in permits) + "），"
        "执照上注明须经批准后方可经营"
        if permits
        else "不含许可项目",
    )
    return [place, valid, permit]


def _operator(db: Session, app: Application) -> list[RuleResult]:
    other = business.pending_duplicate(db, app=app, town_id=app.town_id, address=app.address)
    pending = RuleResult(
        "duplicate.pending",
        "重复申请",
        other is None,
        business.duplicate_message(other) if other else "没有正在办理的重复申请",
    )
    results = [pending]
    if app.kind == ApplicationKind.register:
        held = db.scalar(
            select(func.count(License.id)).where(
                License.operator_id_number == app.id_number,
                License.town_id == app.town_id,
                License.valid,
            )
        )
        town = app.town.name if app.town else "该区镇"
        results.append(
            RuleResult(
                "operator.licenses",
                "经营者已有执照",
                (held or 0) < MAX_LICENSES_PER_TOWN,
                f"您在{town}已有 {held} 张有效的个体工商户营业执照，由登记人员审核"
                if (held or 0) >= MAX_LICENSES_PER_TOWN
                else f"您在{town}有效的个体工商户营业执照不超过 {MAX_LICENSES_PER_TOWN} 张",
            )
        )
    since = utcnow() - dt.timedelta(days=REFUSAL_MEMORY_DAYS)
    refused = db.scalar(
        select(func.count(Application.id)).where(
            Application.id_number == app.id_number,
            Application.id != app.id,
            Application.status == ApplicationStatus.refused,
            Application.decided_at >= since,
        )
    )
    results.append(
        RuleResult(
            "operator.refused",
            "近期不予登记记录",
            not refused,
            f"近 {REFUSAL_MEMORY_DAYS} 天内有不予登记的申请，由登记人员审核"
            if refused
            else "近期没有不予登记的申请",
        )
    )
    return results


def _family(app: Application) -> RuleResult:
    if app.org_form != "family":
        return RuleResult("family.members", "组成形式", app.org_form in ORG_FORMS, "个人经营")
    members = [FamilyMember(**m) for m in app.family_members or []]
    checked = business.check_family(members, operator_id=app.id_number)
    if isinstance(checked, str):
        return RuleResult("family.members", "家庭成员", False, checked)
    return RuleResult("family.members", "家庭成员", True, f"家庭经营，成员 {len(checked)} 位")


def _license(app: Application) -> RuleResult:
    held = app.license
    ok = held is not None and held.valid and held.operator_id_number == app.id_number
    return RuleResult(
        "license.holder",
        "执照与经营者",
        ok,
        "执照有效，经营者与执照一致" if ok else "执照已注销，或经营者与执照上的不一致",
    )


def evaluate(db: Session, *, app: Application) -> list[RuleResult]:
    """Every automatic check on the application, in the order shown."""
    results = _identity(app)
    if app.kind == ApplicationKind.deregister:
        return [*results, _license(app), *_operator(db, app)[:1]]
    results += _name(db, app)
    results += _place_and_scope(db, app)
    results += _operator(db, app)
    results.append(_family(app))
    if app.kind == ApplicationKind.amend:
        results.append(_license(app))
    return results
