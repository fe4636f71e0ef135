"""The staff catalogue editor through HTTP: creating, drafts, publishing the next version,
a stale form's 409, withdrawing, unit scope, the list and the audit trail of a publish."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.audit.models import AuditEvent
from minsheng.guides import service
from minsheng.guides.models import Matter, MatterStatus
from minsheng.org.models import UnitKind
from tests import factories
from tests.conftest import csrf, login
from tests.guides import MARKET_BUREAU, content, matter

HOUSING = "昆山市住房和城乡建设局"


class City:
    """A root unit with two bureaus, an administrator and one handler in each bureau."""

    def __init__(self, db: Any) -> None:
        self.root = factories.UnitFactory(name="昆山市", kind=UnitKind.city)
        self.market = factories.UnitFactory(name=MARKET_BUREAU, parent=self.root)
        self.housing = factories.UnitFactory(name=HOUSING, parent=self.root)
        self.admin = factories.staff(db, "administrator", self.root, display_name="周敏")
        self.handler = factories.staff(db, "handler", self.market, display_name="陈静")
        self.other = factories.staff(db, "handler", self.housing, display_name="王强")
        # Plain ids: reading an expired attribute would open a read that locks SQLite for the app.
        self.market_id, self.housing_id = self.market.id, self.housing.id


@pytest.fixture
def city(db) -> City:
    return City(db)


def sign_in(client, user) -> None:
    client.cookies.clear()
    login(client, user.username, factories.PASSWORD)


def post(client, path: str, data: dict[str, Any]):
    return client.post(path, data={**data, "csrf_token": csrf(client)}, follow_redirects=False)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{re.escape(field)}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def form(unit: int | None, **changes: Any) -> dict[str, Any]:
    """The new-matter form as a person fills it, with a spare blank row in each list."""
    values: dict[str, Any] = {
        "code": "KS-SC-0101",
        "title": "食品经营许可（小餐馆）",
        "kind": "行政许可",
        "unit_id": str(unit) if unit else "",
        "summary": "开小餐馆要先办食品经营许可证。",
        "keywords": "小餐馆 饭店 食品许可",
        "basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "有与经营相适应的场所和设备。",
        "materials.0.name": "食品经营许可申请书",
        "materials.0.originals": "1",
        "materials.0.copies": "0",
        "materials.0.required": "1",
        "materials.0.note": "窗口领取或网上下载",
        "materials.1.name": "营业执照",
        "materials.1.originals": "",
        "materials.1.copies": "1",
        "materials.1.required": "1",
        "materials.1.note": "",
        "materials.2.name": "",
        "materials.2.originals": "",
        "materials.2.copies": "",
        "materials.2.required": "1",
        "materials.2.note": "",
        "steps.0.title": "网上申请",
        "steps.0.text": "在江苏政务服务网提交",
        "steps.1.title": "现场核查",
        "steps.1.text": "",
        "steps.2.title": "",
        "steps.2.text": "",
        "legal_days": "20",
        "promised_days": "5",
        "fee": "不收费",
        "visits": "0",
        "window": "市场监管窗口",
        "place": "昆山市前进西路1801号",
        "hours": "工作日 9:00-17:00",
        "latitude": "31.385",
        "longitude": "120.953",
        "online_url": "https://www.jszwfw.gov.cn/",
        "online_note": "全程网办",
        "phones.0.kind": "consult",
        "phones.0.label": "食品许可咨询",
        "phones.0.number": "0512 5751 2345",
        "phones.1.kind": "complaint",
        "phones.1.label": "",
        "phones.1.number": "12315",
        "phones.2.kind": "consult",
        "phones.2.label": "",
        "phones.2.number": "",
        "forms.0.name": "食品经营许可申请书",
        "forms.0.url": "https://example.gov.cn/form.docx",
        "questions.0.question": "没有营业执照能先办吗？",
        "questions.0.answer": "不能，先办营业执照。",
        "related": "",
        "change_note": "首次发布",
        "action": "publish",
    }
    values.update(changes)
    return values


def stored(db, code: str) -> Matter:
    db.expire_all()
    found = service.find_matter(db, code=code)
    assert found is not None
    return found


def test_a_matter_is_created_and_published_from_the_form(client, db, city):
    sign_in(client, city.handler)
    page = client.get("/staff/guides/new")
    assert page.status_code == 200 and 'name="materials.0.name"' in page.text
    done = post(client, "/staff/guides/new", form(city.market_id))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/staff/guides/KS-SC-0101?saved=published"
    created = stored(db, "KS-SC-0101")
    assert created.status == MatterStatus.published and created.current_number == 1
    version = service.current_version(created)
    assert version is not None and version.published_by_id == city.handler.id
    assert [m["name"] for m in version.materials] == ["食品经营许可申请书", "营业执照"]
    assert version.materials[1]["originals"] == 1 and version.materials[1]["copies"] == 1
    assert version.phones[0]["number"] == "0512-57512345"
    assert [s["title"] for s in version.steps] == ["网上申请", "现场核查"]
    assert version.latitude == pytest.approx(31.385) and version.visits == 0
    db.commit()
    view = client.get("/staff/guides/KS-SC-0101")
    assert view.status_code == 200
    assert "食品经营许可（小餐馆）" in view.text and "已发布" in view.text
    assert "/guides/KS-SC-0101/v/1" in view.text and "陈静" in view.text


def test_a_draft_stays_a_draft_until_published(client, db, city):
    sign_in(client, city.handler)
    done = post(client, "/staff/guides/new", form(city.market_id, action="draft"))
    assert done.status_code == 303
    assert done.headers["location"].endswith("?saved=draft")
    draft = stored(db, "KS-SC-0101")
    assert draft.status == MatterStatus.draft and draft.current_number is None
    db.commit()
    view = client.get(done.headers["location"])
    assert "已存为草稿" in view.text and "/guides/KS-SC-0101/v/1" not in view.text
    edit = client.get("/staff/guides/KS-SC-0101/edit")
    assert 'name="based_on" value="1"' in edit.text
    published = post(client, "/staff/guides/KS-SC-0101/edit", form(city.market_id, based_on="1"))
    assert published.status_code == 303, published.text
    matter_now = stored(db, "KS-SC-0101")
    assert matter_now.status == MatterStatus.published and matter_now.current_number == 2


def test_editing_publishes_version_two_and_closes_version_one(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    edit = client.get("/staff/guides/KS-0001/edit")
    assert edit.status_code == 200 and 'name="based_on" value="1"' in edit.text
    changed = form(city.market_id, fee="每件 10 元", change_note="按新规定收费", based_on="1")
    done = post(client, "/staff/guides/KS-0001/edit", changed)
    assert done.status_code == 303, done.text
    again = stored(db, "KS-0001")
    first, second = again.versions
    assert again.current_number == 2 and second.fee == "每件 10 元"
    assert first.valid_to is not None and first.valid_to == second.valid_from
    assert second.valid_to is None and second.change_note == "按新规定收费"
    db.commit()
    view = client.get("/staff/guides/KS-0001")
    assert "按新规定收费" in view.text and "/guides/KS-0001/v/1" in view.text


def test_a_stale_form_is_refused_with_409_and_keeps_what_was_typed(client, db, city):
    existing = matter(db, "KS-0001", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    client.get("/staff/guides/KS-0001/edit")
    # The administrator publishes version 2 while the handler is still typing.
    admin = accounts.principal(db, user=city.admin)
    service.publish_version(db, matter=existing, content=content(fee="5 元"), staff=admin)
    db.commit()
    typed = form(city.market_id, fee="我的新收费说明", based_on="1")
    stale = post(client, "/staff/guides/KS-0001/edit", typed)
    assert stale.status_code == 409
    assert "周敏已发布了第 2 版" in html.unescape(stale.text)
    assert "我的新收费说明" in stale.text  # nothing typed is lost
    assert len(stored(db, "KS-0001").versions) == 2
    db.commit()
    # Having looked, the handler may publish the typed text over version 2.
    assert 'name="based_on" value="2"' in stale.text
    again = post(client, "/staff/guides/KS-0001/edit", {**typed, "based_on": "2"})
    assert again.status_code == 303, again.text
    assert service.current_version(stored(db, "KS-0001")).fee == "我的新收费说明"  # type: ignore[union-attr]


def test_a_published_matter_is_withdrawn_with_a_reason_and_republished(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    sign_in(client, city.handler)
    empty = post(client, "/staff/guides/KS-0001/withdraw", {"reason": "  "})
    assert empty.status_code == 422
    assert field_error(empty.text, "reason") == "请写明停止办理的原因，读者会看到它"
    assert stored(db, "KS-0001").status == MatterStatus.published
    db.commit()
    done = post(client, "/staff/guides/KS-0001/withdraw", {"reason": "已并入个体工商户登记"})
    assert done.status_code == 303
    withdrawn = stored(db, "KS-0001")
    assert withdrawn.status == MatterStatus.withdrawn
    assert withdrawn.withdrawn_reason == "已并入个体工商户登记"
    assert withdrawn.versions[0].valid_to is not None
    db.commit()
    view = client.get("/staff/guides/KS-0001")
    assert "已并入个体工商户登记" in view.text and "重新发布" in view.text
    edit = client.get("/staff/guides/KS-0001/edit")
    assert 'name="based_status" value="withdrawn"' in edit.text
    again = post(
        client,
        "/staff/guides/KS-0001/edit",
        form(city.market_id, based_on="1", based_status="withdrawn"),
    )
    assert again.status_code == 303, again.text
    republished = stored(db, "KS-0001")
    assert republished.status == MatterStatus.published and republished.current_number == 2


def test_another_units_handler_gets_403_and_anonymous_goes_to_login(client, db, city):
    matter(db, "KS-0001", unit=city.market)
    db.commit()
    for path in ("/staff/guides/KS-0001", "/staff/guides/KS-0001/edit"):
        anonymous = client.get(path, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, city.other)
    for path in ("/staff/guides/KS-0001", "/staff/guides/KS-0001/edit"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "不归您的单位管理" in refused.text
    refused = post(client, "/staff/guides/KS-0001/edit", form(city.housing_id, based_on="1"))
    assert refused.status_code == 403
    refused = post(client, "/staff/guides/KS-0001/withdraw", {"reason": "不办了"})
    assert refused.status_code == 403
    assert stored(db, "KS-0001").status == MatterStatus.published
    assert len(stored(db, "KS-0001").versions) == 1


def test_a_handler_cannot_create_a_matter_for_another_unit(client, db, city):
    sign_in(client, city.other)
    page = client.get("/staff/guides/new")
    assert HOUSING in page.text and MARKET_BUREAU not in page.text  # only his own unit offered
    refused = post(client, "/staff/guides/new", form(city.market_id))
    assert refused.status_code == 403
    assert "您只能为本单位添加办事事项" in html.unescape(refused.text)
    assert service.find_matter(db, code="KS-SC-0101") is None


def test_the_list_shows_only_the_persons_units_with_filters_and_counts(client, db, city):
    matter(db, "KS-0001", unit=city.market, title="个体工商户设立登记")
    matter(db, "KS-0002", unit=city.market, title="食品经营许可", publish=False)
    matter(db, "KS-0003", unit=city.housing, title="户外广告设置审批")
    db.commit()
    sign_in(client, city.handler)
    mine = client.get("/staff/guides")
    assert mine.status_code == 200
    assert "个体工商户设立登记" in mine.text and "食品经营许可" in mine.text
    assert "户外广告设置审批" not in mine.text
    assert "共 2 个事项" in mine.text
    drafts = client.get("/staff/guides", params={"status": "draft"})
    assert "食品经营许可" in drafts.text and "个体工商户设立登记" not in drafts.text
    found = client.get("/staff/guides", params={"q": "设立登记"})
    assert "个体工商户设立登记" in found.text and "食品经营许可" not in found.text
    odd = client.get("/staff/guides", params={"q": "%_'<", "unit": "abc", "status": "x"})
    assert odd.status_code == 200 and "没有符合条件的事项" in odd.text
    sign_in(client, city.admin)
    everything = client.get("/staff/guides")
    assert "户外广告设置审批" in everything.text and "共 3 个事项" in everything.text
    housing = client.get("/staff/guides", params={"unit": str(city.housing_id)})
    assert "户外广告设置审批" in housing.text and "个体工商户设立登记" not in housing.text


def test_the_list_needs_the_edit_permission(client, db, city):
    assert client.get("/staff/guides", follow_redirects=False).status_code == 303
    operator = factories.staff(db, "operator", city.market)
    sign_in(client, operator)
    assert client.get("/staff/guides").status_code == 403


def test_a_publish_leaves_an_audit_event_naming_the_person(client, db, city):
    sign_in(client, city.handler)
    assert post(client, "/staff/guides/new", form(city.market_id)).status_code == 303
    created = stored(db, "KS-SC-0101")
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "guide_matter_version", AuditEvent.action == "create"
        )
    ).all()
    assert len(events) == 1
    assert events[0].actor_kind == "staff" and events[0].actor_id == city.handler.id
    assert "食品经营许可（小餐馆）" in events[0].summary
    updates = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "guide_matter", AuditEvent.object_id == str(created.id)
        )
    ).all()
    assert updates and all(e.actor_id == city.handler.id for e in updates)
