"""A manager's role covers their unit and below: a town administrator is not a city one."""

from sqlalchemy import func, select

from minsheng.accounts.models import StaffUser
from minsheng.org.models import Unit, UnitKind
from tests import factories
from tests.conftest import csrf, login


def _town(db):
    city = factories.UnitFactory(name="昆山市", kind=UnitKind.city)
    town = factories.UnitFactory(name="千灯镇人民政府", kind=UnitKind.government, parent=city)
    bureau = factories.UnitFactory(name="昆山市住房和城乡建设局", parent=city)
    db.commit()
    town_admin = factories.staff(db, "administrator", unit=town)
    return city, town, bureau, town_admin


def _new_user(client, unit_id: int, username: str):
    return client.post(
        "/staff/users/new",
        data={
            "csrf_token": csrf(client),
            "username": username,
            "display_name": "新同事",
            "password": "sturdy-passphrase-1",
            "role_0": "administrator",
            "unit_0": str(unit_id),
        },
        follow_redirects=False,
    )


def test_town_administrator_cannot_grant_city_roles(client, db):
    city, town, _, town_admin = _town(db)
    city_id, town_id = city.id, town.id  # read now: after a rollback they would be reloaded
    login(client, town_admin.username, factories.PASSWORD)
    refused = _new_user(client, city_id, "escalate")
    assert refused.status_code == 422 and "不在您管理的范围内" in refused.text
    assert (
        db.scalar(
            select(func.count()).select_from(StaffUser).where(StaffUser.username == "escalate")
        )
        == 0
    )
    db.rollback()  # end the read, so the app's next write is not kept waiting on SQLite
    allowed = _new_user(client, town_id, "town-clerk")
    assert allowed.status_code == 303


def test_town_administrator_cannot_edit_city_units_or_regions(client, db):
    _, town, bureau, town_admin = _town(db)
    town_id = town.id  # read now: after a rollback it would be reloaded
    login(client, town_admin.username, factories.PASSWORD)
    response = client.post(
        f"/staff/units/{bureau.id}",
        data={
            "csrf_token": csrf(client),
            "name": "改名",
            "kind": "department",
            "active_flag": "on",
            "parent_id": str(bureau.parent_id),
        },
    )
    assert response.status_code == 422 and "不在您管理的范围内" in response.text
    db.expire_all()
    assert db.get(Unit, bureau.id).name == "昆山市住房和城乡建设局"
    db.rollback()  # end the read, so the app's next write is not kept waiting on SQLite
    assert client.get("/staff/regions/new").status_code == 403
    child = client.post(
        "/staff/units/new",
        data={
            "csrf_token": csrf(client),
            "name": "千灯镇城管中队",
            "kind": "town_office",
            "parent_id": str(town_id),
        },
        follow_redirects=False,
    )
    assert child.status_code == 303


def test_city_administrator_sees_and_manages_everyone(client, db):
    city, town, _, town_admin = _town(db)
    city_admin = factories.staff(db, "administrator", unit=city)
    login(client, city_admin.username, factories.PASSWORD)
    page = client.get("/staff/users")
    assert town_admin.username in page.text
    assert client.get(f"/staff/users/{town_admin.id}").status_code == 200


def test_town_administrator_cannot_open_a_city_account(client, db):
    city, _, _, town_admin = _town(db)
    city_admin = factories.staff(db, "administrator", unit=city)
    login(client, town_admin.username, factories.PASSWORD)
    assert city_admin.username not in client.get("/staff/users").text
    assert client.get(f"/staff/users/{city_admin.id}").status_code == 403
