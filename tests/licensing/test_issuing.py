"""Issuing over a real database: the credit code (GB 32100 both ways), the license's fields, one
license per application even when two people press the button at once, amendments and
deregistration. The helpers here (`scope_items`, `complete`, `issued`) serve the other issuing
tests too."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from minsheng.audit import service as audit
from minsheng.core.db import Database
from minsheng.core.errors import Conflict
from minsheng.core.modules import load_modules
from minsheng.core.settings import get_settings
from minsheng.licensing import issuing, service, uscc
from minsheng.licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    CodeSerial,
    License,
    Office,
    ScopeItem,
)
from minsheng.org.models import Region
from tests.licensing import identified, office, region, valid_id

NOODLES = ("T-CY-01", "餐饮服务（不产生油烟、异味、废气）")  # needs a permit
SNACKS = ("T-SP-01", "食品销售（仅销售预包装食品）")
REPAIR = ("T-XL-01", "家用电器修理")


def scope_items(db: Session) -> list[str]:
    """Three catalogue items of our own (the demo catalogue may change), flushed."""
    rows = [(*NOODLES, "餐饮", True), (*SNACKS, "餐饮", False), (*REPAIR, "维修", False)]
    for code, wording, industry, permit in rows:
        if db.scalar(select(ScopeItem).where(ScopeItem.code == code)) is None:
            db.add(ScopeItem(code=code, wording=wording, industry=industry, permit=permit))
    db.flush()
    return [NOODLES[0], SNACKS[0]]


def community_of(db: Session, town: str) -> Region:
    found = db.scalar(select(Region).where(Region.parent_id == region(db, town).id).limit(1))
    assert found is not None, town
    return found


def complete(
    db: Session,
    where: Office,
    *,
    name: str = "唐芳",
    id_number: str | None = None,
    trade_name: str = "阿唐",
    address: str = "石浦路18号",
) -> tuple[Application, str]:
    """An application past every step, its answers set directly (step 2's checks are the rules
    helper's): 昆山市千灯镇阿唐面馆店, a noodle shop."""
    app, token = identified(db, where, name=name, id_number=id_number)
    town = where.town or region(db, "千灯镇")
    app.org_form = "individual"
    app.name_division = f"昆山市{town.name}"
    app.trade_name = trade_name
    app.industry_word = "面馆" if trade_name else ""
    app.form_word = "店" if trade_name else ""
    app.town_id = town.id
    app.community_id = community_of(db, town.name).id
    app.address = address
    app.scope_codes = scope_items(db)
    db.flush()
    return app, token


def issued(db: Session, where: Office | None = None, **answers: str) -> tuple[License, str]:
    """A license issued for a complete application, committed, and the status token."""
    app, token = complete(db, where or office(db), **answers)
    license = issuing.issue(db, app=app)
    db.commit()
    return license, token


def quick_application(db: Session, where: Office, n: int) -> Application:
    """An application with its answers set straight on the row (no SMS): for issuing many."""
    app, _ = service.start(db, office=where)
    app.operator_name = "唐芳"
    app.id_number = valid_id(order=f"{n % 1000:03d}")
    app.town_id = where.town_id
    app.address = f"石浦路{n}号"
    app.scope_codes = [SNACKS[0]]
    return app


def ours(db: Session, where: Office) -> int:
    """How many licenses the test's office issued (the demo issues its own elsewhere)."""
    return db.scalar(select(func.count()).where(License.office_id == where.id)) or 0


def load_demo(db: Session) -> None:
    """Every module's demo but licensing's own (its replay of shops would issue through the code
    under test): Kunshan's regions, units and accounts, committed."""
    modules = [m for m in load_modules() if m.demo and m.name != "licensing"]
    for module in sorted(modules, key=lambda m: m.demo_order):
        assert module.demo is not None
        module.demo(db, lambda _step: None)
    db.commit()


def prepare(db: Session) -> Office:
    """Kunshan's regions, units and accounts, and a demo-backend office in 千灯镇, committed."""
    load_demo(db)
    made = office(db)
    scope_items(db)
    db.commit()
    return made


@pytest.fixture
def demo(db: Session, app: object) -> Office:
    """What `prepare` makes; `app` registers the jobs the one-time codes' SMS defer."""
    return prepare(db)


def test_a_registration_gets_a_valid_code_and_every_field(db, demo):
    app, _ = complete(db, demo)
    license = issuing.issue(db, app=app)
    db.commit()
    assert stdnum_uscc.is_valid(license.uscc) and uscc.is_valid(license.uscc)
    assert license.uscc.startswith("92320583MA")
    assert license.name == "昆山市千灯镇阿唐面馆店"
    assert license.operator_name == "唐芳" and license.operator_id_number == app.id_number
    assert license.org_form == "individual" and issuing.org_form_label(license) == "个人经营"
    community = community_of(db, "千灯镇").name
    assert license.place == f"江苏省昆山市千灯镇{community}石浦路18号"
    assert SNACKS[1] in license.scope_text and "许可项目：" + NOODLES[1] in license.scope_text
    assert license.industry == "餐饮"
    assert license.registered_on == service.local_today()
    assert license.authority == demo.authority and license.office_id == demo.id
    assert license.demo is True and license.valid and license.edition == 1
    assert len(license.verify_key) == 16
    assert issuing.verify_url(license) == (
        f"{get_settings().base_url.rstrip('/')}/licenses/verify/{license.verify_key}"
    )
    assert app.status == ApplicationStatus.issued and app.license_id == license.id
    assert app.decided_at is not None


def test_an_officer_office_issues_real_licenses_and_a_nameless_business_has_no_name(db, demo):
    officer = office(db, "test-qd-officer", backend="officer")
    app, _ = complete(db, officer, trade_name="")
    license = issuing.issue(db, app=app)
    assert license.demo is False
    assert license.name == ""


def test_issuing_twice_returns_the_first_license_and_takes_one_serial(db, demo):
    app, _ = complete(db, demo)
    first = issuing.issue(db, app=app)
    serial = db.get(CodeSerial, uscc.KUNSHAN)
    assert serial is not None
    taken = serial.next_serial
    assert issuing.issue(db, app=app) is first
    db.refresh(serial)
    assert serial.next_serial == taken
    assert ours(db, demo) == 1


def test_a_division_without_a_serial_row_starts_at_one(db, demo):
    # 320582 (张家港市): no row yet, as Kunshan's before its first license.
    assert db.get(CodeSerial, "320582") is None
    assert issuing.new_code(db, division="320582") == uscc.make(1, division="320582")
    assert issuing.new_code(db, division="320582") == uscc.make(2, division="320582")
    serial = db.get(CodeSerial, "320582")
    assert serial is not None and serial.next_serial == 3


def test_a_code_issued_outside_the_serial_is_skipped_not_repeated(db, demo):
    first, _ = issued(db, demo)
    serial = db.get(CodeSerial, uscc.KUNSHAN)
    assert serial is not None
    # The serial set back (a restored backup, a hand edit): the unique code is the last guard.
    serial.next_serial -= 1
    app, _ = complete(db, demo, id_number=valid_id(order="222"), trade_name="小唐")
    second = issuing.issue(db, app=app)
    db.commit()
    assert second.uscc != first.uscc and uscc.is_valid(second.uscc)
    assert ours(db, demo) == 2


def test_two_clashes_fail_clearly_with_nothing_written(db, demo):
    first, _ = issued(db, demo)
    serial = db.get(CodeSerial, uscc.KUNSHAN)
    assert serial is not None
    db.add(License(**{**_copy(first), "uscc": uscc.make(serial.next_serial), "verify_key": "x1"}))
    serial.next_serial -= 1  # the next two codes are both taken
    app, _ = complete(db, demo, id_number=valid_id(order="222"), trade_name="小唐")
    with pytest.raises(Conflict) as raised:
        issuing.issue(db, app=app)
    assert "统一社会信用代码" in raised.value.message
    assert app.status == ApplicationStatus.filling and app.license is None
    assert ours(db, demo) == 2


def _copy(license: License) -> dict[str, object]:
    skip = {"id", "created_at", "updated_at"}
    return {c.key: getattr(license, c.key) for c in License.__table__.columns if c.key not in skip}


def test_a_thousand_codes_from_the_serial_validate_and_never_repeat(db, demo):
    # The path issue() takes for its code; 50 whole issues below (1,000 take ~80 s of audit).
    codes = [issuing.new_code(db) for _ in range(1000)]
    codes += [issuing.issue(db, app=quick_application(db, demo, n)).uscc for n in range(50)]
    db.commit()
    assert len(set(codes)) == 1050
    bad = [c for c in codes if not (stdnum_uscc.is_valid(c) and uscc.is_valid(c))]
    assert bad == []


def _in_threads(database: Database, numbers: list[str]) -> list[object]:
    """Issues the application numbered `numbers[i]` in thread i, all starting at once."""
    barrier = threading.Barrier(len(numbers))
    results: list[object] = [None] * len(numbers)

    def run(i: int) -> None:
        with database.new_session() as db:
            try:
                barrier.wait()
                app = service.get_application(db, number=numbers[i])
                results[i] = issuing.issue(db, app=app).uscc
                db.commit()
            except Exception as exc:  # what the other thread meets is the test's answer
                db.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(numbers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_issues_at_once_never_share_a_code(db, database, demo):
    first = quick_application(db, demo, 1)
    second = quick_application(db, demo, 2)
    db.commit()
    results = _in_threads(database, [first.number, second.number])
    assert all(isinstance(r, str) for r in results), results
    assert results[0] != results[1]
    db.expire_all()
    serial = db.get(CodeSerial, uscc.KUNSHAN)
    assert serial is not None
    assert sorted(results) == sorted(uscc.make(serial.next_serial - k) for k in (1, 2))


def test_one_application_approved_twice_at_once_gets_one_license(db, database, demo):
    app = quick_application(db, demo, 1)
    db.commit()
    results = _in_threads(database, [app.number, app.number])
    codes = [r for r in results if isinstance(r, str)]
    assert codes, results
    assert len(set(codes)) == 1  # the second saw it issued, or lost the race and wrote nothing
    db.expire_all()
    assert ours(db, demo) == 1
    assert service.get_application(db, number=app.number).license is not None


def test_an_amendment_keeps_the_code_and_raises_the_edition(db, demo):
    license, _ = issued(db, demo)
    old_place = license.place
    change, _ = service.start(db, office=demo, kind=ApplicationKind.amend, license=license)
    change.operator_name, change.id_number = license.operator_name, license.operator_id_number
    change.community_id = community_of(db, "千灯镇").id
    change.address = "少卿路8号"
    change.scope_codes = [SNACKS[0], REPAIR[0]]
    same = issuing.issue(db, app=change)
    db.commit()
    assert same.id == license.id and same.uscc == license.uscc
    assert same.edition == 2 and same.place.endswith("少卿路8号")
    assert REPAIR[1] in same.scope_text and NOODLES[1] not in same.scope_text
    assert change.status == ApplicationStatus.issued
    trail = audit.for_object(db, object_type="licensing_license", object_id=license.id)
    assert any(old_place in event.summary for event in trail)  # the old place is kept there
    assert issuing.issue(db, app=change).edition == 2  # issuing again changes nothing


def test_deregistration_ends_the_license_and_nothing_follows_it(db, demo):
    license, _ = issued(db, demo)
    end, _ = service.start(db, office=demo, kind=ApplicationKind.deregister, license=license)
    issuing.issue(db, app=end)
    db.commit()
    assert license.valid is False and license.deregistered_on == service.local_today()
    assert issuing.status_of(license) == "deregistered"
    late, _ = service.start(db, office=demo, kind=ApplicationKind.amend, license=license)
    with pytest.raises(Conflict):
        issuing.issue(db, app=late)


def test_an_abandoned_application_is_never_issued(db, demo):
    app, _ = complete(db, demo)
    service.abandon(db, app=app)
    with pytest.raises(Conflict):
        issuing.issue(db, app=app)
    assert ours(db, demo) == 0
