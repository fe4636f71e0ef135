"""The module registry: what the core mounts comes from each module's manifest."""

from fastapi import APIRouter

from minsheng.core import modules
from minsheng.core.modules import HomeLink, Module, NavItem, load_modules
from minsheng.org.permissions import MANAGE_ORG
from tests import factories
from tests.conftest import login


def test_installed_modules_are_found_through_entry_points():
    names = {m.name for m in load_modules()}
    assert {"web", "org", "accounts", "audit", "notify"} <= names


def test_home_shows_no_links_to_modules_not_built(client):
    page = client.get("/")
    assert page.status_code == 200
    for path in ("/guides", "/licenses"):
        assert f'href="{path}' not in page.text
    # Built: the requests module's links and the projects module's.
    for path in ("/report", "/track", "/projects", "/projects/proposals"):
        assert f'href="{path}"' in page.text


def test_home_without_any_service_links_points_to_12345(client, monkeypatch):
    bare = tuple(m for m in load_modules() if not m.home_links)
    monkeypatch.setattr(modules, "load_modules", lambda: bare)
    page = client.get("/")
    assert 'class="tile"' not in page.text
    assert "12345" in page.text  # tells residents where to go meanwhile


def test_a_new_module_needs_no_core_edits(client, db, monkeypatch):
    pages = APIRouter()

    @pages.get("/guides")
    def guides() -> dict[str, str]:
        return {"ok": "yes"}

    extra = Module(
        name="guides",
        label="办事指南",
        pages_router=pages,
        home_links=(HomeLink("找办事指南", "/guides", "开餐馆、办执照要带什么"),),
        nav=(NavItem("指南管理", "/staff/guides", MANAGE_ORG),),
    )
    monkeypatch.setattr(modules, "load_modules", lambda: (*load_modules(), extra))
    from fastapi.testclient import TestClient

    from minsheng.app import create_app
    from minsheng.core.settings import get_settings

    with TestClient(create_app(get_settings(), database=client.app.state.database)) as c:
        assert 'href="/guides"' in c.get("/").text
        assert c.get("/guides").json() == {"ok": "yes"}
        admin = factories.staff(db, "administrator")
        login(c, admin.username, factories.PASSWORD)
        assert "指南管理" in c.get("/staff").text
