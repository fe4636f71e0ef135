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
    for path in ("/community", "/analytics"):
        assert f'href="{path}' not in page.text
    # Built: requests, projects, guides and licensing; each link opens a page.
    for path in ("/report", "/track", "/projects", "/projects/proposals", "/guides", "/licensing"):
        assert f'href="{path}"' in page.text
        assert client.get(path).status_code == 200, path


def test_home_without_any_service_links_points_to_12345(client, monkeypatch):
    bare = tuple(m for m in load_modules() if not m.home_links)
    monkeypatch.setattr(modules, "load_modules", lambda: bare)
    page = client.get("/")
    assert 'class="tile"' not in page.text
    assert "12345" in page.text  # tells residents where to go meanwhile


def test_a_new_module_needs_no_core_edits(client, db, monkeypatch):
    pages = APIRouter()

    @pages.get("/community")
    def community() -> dict[str, str]:
        return {"ok": "yes"}

    extra = Module(
        name="community",
        label="社区治理",
        pages_router=pages,
        home_links=(HomeLink("社区隐患", "/community", "身边的隐患随手报"),),
        nav=(NavItem("隐患清单", "/staff/community", MANAGE_ORG),),
    )
    monkeypatch.setattr(modules, "load_modules", lambda: (*load_modules(), extra))
    from fastapi.testclient import TestClient

    from minsheng.app import create_app
    from minsheng.core.settings import get_settings

    with TestClient(create_app(get_settings(), database=client.app.state.database)) as c:
        assert 'href="/community"' in c.get("/").text
        assert c.get("/community").json() == {"ok": "yes"}
        admin = factories.staff(db, "administrator")
        login(c, admin.username, factories.PASSWORD)
        assert "隐患清单" in c.get("/staff").text
