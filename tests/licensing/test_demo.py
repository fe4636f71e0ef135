"""The licensing demo: offices with the demo backend, the scope catalogue, a year of businesses
registered through the real path, applications at the desk, and a second run adding nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.core.settings import get_settings
from minsheng.guides.models import Matter
from minsheng.licensing import demo, flow, uscc
from minsheng.licensing.demo_data import OFFICES, REVIEWING, SCOPE, SHOPS
from minsheng.licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    License,
    Office,
    ScopeItem,
)
from tests.conftest import login
from tests.requests import load_demo

TOWNS = ("千灯镇", "周市镇", "巴城镇")


@pytest.fixture
def with_businesses(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The year of businesses, which the tests' settings leave out (MINSHENG_DEMO_LICENSES)."""
    monkeypatch.setenv("MINSHENG_DEMO_LICENSES", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def without_businesses(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MINSHENG_DEMO_LICENSES", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def offices_and_catalogue(db: Session) -> None:
    """Every module's demo, then the licensing demo itself with MINSHENG_DEMO_LICENSES=0."""
    load_demo(db)
    steps: list[str] = []
    demo.load_demo(db, steps.append)
    assert steps == ["证照自助登记：登记服务点和经营范围"]
    db.commit()


def test_offices_serve_each_approval_town_and_the_city(
    db: Session, without_businesses: None
) -> None:
    offices_and_catalogue(db)
    offices = {o.code: o for o in db.scalars(select(Office))}
    assert {"qiandeng", "zhoushi", "bacheng", "city"} <= set(offices)
    for code in ("qiandeng", "zhoushi", "bacheng"):
        office = offices[code]
        assert office.town is not None and office.town.name in TOWNS
        assert office.unit.name == f"{office.town.name}行政审批局"
        assert office.authority == f"昆山市{office.town.name}行政审批局"
    assert offices["city"].town is None and offices["city"].unit.name == "昆山市行政审批局"
    kiosks = [code for code, *_rest, backend in OFFICES if backend == "demo"]
    assert {"qiandeng", "zhoushi", "bacheng", "city"} == set(kiosks)
    assert all(offices[code].instant_approval for code, *_ in OFFICES)
    assert offices["city-window"].identity_backend == "officer"
    # With MINSHENG_DEMO_LICENSES=0 only the offices and the catalogue are there.
    assert db.scalar(select(func.count()).select_from(Application)) == 0


def test_catalogue_has_general_and_permit_wordings_with_mutual_conflicts(
    db: Session, without_businesses: None
) -> None:
    offices_and_catalogue(db)
    items = {i.code: i for i in db.scalars(select(ScopeItem))}
    assert len(items) >= 60 and len(items) == len(SCOPE)
    permits = [i for i in items.values() if i.permit]
    assert permits and len(permits) < len(items) / 2
    assert not items["JY-009"].active and "JY-009" in items["JY-001"].conflicts
    assert all(i.permit_name for i in permits)
    assert not any(i.permit_name for i in items.values() if not i.permit)
    assert items["CY-001"].wording == "小餐饮" and items["CY-001"].guide_code == "KS-SP-001"
    assert items["LS-003"].permit and items["LS-003"].guide_code == "KS-YC-001"
    assert {"餐饮", "零售", "美容美发", "维修", "网络销售", "教育咨询"} <= {
        i.industry for i in items.values()
    }
    assert len({i.wording for i in items.values()}) == len(items)
    for item in items.values():
        for other in item.conflicts:
            assert other in items and item.code in items[other].conflicts, (item.code, other)
    assert "SP-002" in items["SP-001"].conflicts  # packaged food only vs food with a permit
    positions = [i.position for i in sorted(items.values(), key=lambda i: i.code)]
    assert len(set(positions)) == len(positions)


def test_every_guide_code_names_a_matter_of_the_guides_demo(
    db: Session, monkeypatch: pytest.MonkeyPatch, without_businesses: None
) -> None:
    monkeypatch.setenv("MINSHENG_DEMO_GUIDES", "1")
    get_settings.cache_clear()
    offices_and_catalogue(db)
    matters = set(db.scalars(select(Matter.code)))
    guided = {i.guide_code for i in db.scalars(select(ScopeItem)) if i.guide_code}
    assert {"KS-SP-001", "KS-SP-004", "KS-WS-001", "KS-YC-001"} <= guided
    assert guided <= matters, guided - matters


def test_businesses_are_registered_in_every_town_with_valid_codes(
    db: Session, with_businesses: None
) -> None:
    load_demo(db)
    licenses = list(db.scalars(select(License)))
    assert len(licenses) == len(SHOPS)
    for license in licenses:
        assert stdnum_uscc.is_valid(license.uscc) and uscc.is_valid(license.uscc), license.uscc
        assert license.uscc.startswith("92320583") and license.demo
    assert len({license.uscc for license in licenses}) == len(licenses)
    towns = Counter(license.town.name for license in licenses if license.town)
    assert all(towns[town] >= 8 for town in TOWNS), towns
    assert len({license.registered_on for license in licenses}) > 20  # a year, not one day
    assert sum(not license.valid for license in licenses) == 2
    assert max(license.edition for license in licenses) == 2  # one amended
    assert any(license.org_form == "family" for license in licenses)
    assert any(not license.name for license in licenses)  # a business may have no name
    kiosk = db.scalars(select(Application).where(Application.channel == "kiosk")).all()
    abandoned = [a for a in kiosk if a.status == ApplicationStatus.abandoned]
    finished = [a for a in kiosk if a.status != ApplicationStatus.abandoned]
    assert finished and all(sum(a.step_times.values()) > 120 for a in finished)
    assert set(finished[0].step_times) == set(flow.KIOSK_STEPS) - {"result"}
    assert abandoned and not any(a.id_number or a.operator_name for a in abandoned)


def test_some_applications_wait_at_the_desk_with_failed_rules(
    db: Session, with_businesses: None
) -> None:
    load_demo(db)
    reviewing = db.scalars(
        select(Application).where(Application.status == ApplicationStatus.reviewing)
    ).all()
    assert len(reviewing) == len(REVIEWING)
    assert all(a.kind == ApplicationKind.register and a.rules for a in reviewing)
    failed = Counter(r["code"] for a in reviewing for r in a.rules if not r["passed"])
    assert failed == {"identity.verified": 3, "operator.licenses": 1}, failed
    assert all(a.submitted_at and not a.license_id for a in reviewing)


def test_loading_twice_adds_nothing(db: Session, with_businesses: None) -> None:
    load_demo(db)
    counts = [
        db.scalar(select(func.count()).select_from(table))
        for table in (Office, ScopeItem, Application, License)
    ]
    demo.load_demo(db, lambda _step: None)
    db.flush()
    again = [
        db.scalar(select(func.count()).select_from(table))
        for table in (Office, ScopeItem, Application, License)
    ]
    assert again == counts


def test_the_registrar_sees_the_demo_work_of_her_office(
    db: Session, with_businesses: None, client: TestClient
) -> None:
    load_demo(db)
    qiandeng = db.scalar(select(Office).where(Office.code == "qiandeng"))
    assert qiandeng is not None
    waiting = db.scalars(
        select(Application).where(Application.status == ApplicationStatus.reviewing)
    ).all()
    mine = [a for a in waiting if a.office_id == qiandeng.id]
    others = [a for a in waiting if a.office_id != qiandeng.id]
    assert mine and others
    db.commit()  # the app writes (session, audit) while this test reads
    login(client, "registrar", DEMO_PASSWORD)
    queue = client.get("/staff/licensing")
    assert queue.status_code == 200
    assert all(a.number in queue.text for a in mine)
    assert not any(a.number in queue.text for a in others)  # the city's window is not hers
    register = client.get("/staff/licensing/licenses")
    assert register.status_code == 200
    assert "昆山市千灯镇顾记面馆店" in register.text
    assert qiandeng.name in register.text  # the kiosk's timing table has figures for her office
