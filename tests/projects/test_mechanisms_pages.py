"""建章立制 on the pages and the API: staff turn a completed project into a mechanism with a file,
add versions, and the public list, page, download and API show no one's personal data."""

from __future__ import annotations

import html

from sqlalchemy import select

from minsheng.projects.models import Stage
from minsheng.projects.models_review import Mechanism, MechanismLink
from tests import projects as make
from tests.conftest import csrf
from tests.projects import evaluation_kit as kit
from tests.requests import PHONE, assert_error, load_demo, submit, unit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORTER = "王小明"


def arrange(client, db):
    load_demo(db)
    lead = unit(db, make.HOUSING_BUREAU)
    batch = make.batch(db)
    done = make.project(
        db, batch, lead, "2026-1-001", title="农村自建房消防隐患排查", stage=Stage.completed
    )
    running = make.project(db, batch, lead, "2026-1-002", title="公证档案信息互联互通")
    user = kit.supervisor(db)
    db.commit()
    request = submit(client, title=f"自建房楼道堆满杂物，请联系{REPORTER}")
    return lead, done, running, user, request["tracking_number"]


def form(lead_id: int, projects: str, requests: str = "", **changes: str) -> dict[str, str]:
    return {
        "title": "农村自建房消防安全常态化排查制度",
        "kind": "rule",
        "issuing_unit_id": str(lead_id),
        "effective_on": "2026-12-01",
        "projects": projects,
        "requests": requests,
        "text": "第一条 各区镇每季度开展一次排查。",
        "note": "",
    } | changes


def test_staff_turn_a_completed_project_into_a_mechanism_and_revise_it(client, db) -> None:
    lead, done, running, user, number = arrange(client, db)
    kit.sign_in_staff(client, user)
    new = client.get(f"/staff/projects/mechanisms/new?project={done.code}")
    assert new.status_code == 200 and f'value="{done.code}"' in new.text

    refused = client.post(
        "/staff/projects/mechanisms/new",
        data=form(lead.id, running.code) | {"csrf_token": csrf(client)},
    )
    assert refused.status_code == 422
    assert kit.field_error(refused.text, "projects") == (
        "项目“公证档案信息互联互通”目前为“实施中”，只有已完成的项目才能形成长效机制"
    )
    missing = client.post(
        "/staff/projects/mechanisms/new",
        data=form(lead.id, "", kind="", effective_on="明年") | {"csrf_token": csrf(client)},
    )
    assert kit.field_error(missing.text, "kind") == "请选择类型"
    assert kit.field_error(missing.text, "effective_on") == "请按 2026-10-31 的格式填写日期"
    assert kit.field_error(missing.text, "projects") == "请填写至少一个已完成的来源项目编号"
    assert db.scalars(select(Mechanism)).all() == []
    db.commit()

    created = client.post(
        "/staff/projects/mechanisms/new",
        data=form(lead.id, done.code, number) | {"csrf_token": csrf(client)},
        files={"file": ("排查制度.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    path = created.headers["location"].split("?")[0]
    code = path.rsplit("/", 1)[1]
    staff_page = client.get(path)
    assert number in staff_page.text  # staff see which requests led to it

    bad_version = client.post(
        f"{path}/versions",
        data={"effective_on": "2027-03-01", "note": "", "text": "", "csrf_token": csrf(client)},
        files={"file": ("修订.txt", b"plain text", "text/plain")},
    )
    assert bad_version.status_code == 422
    assert kit.field_error(bad_version.text, "note") == "请写明这一版改了什么"
    revised = client.post(
        f"{path}/versions",
        data={
            "effective_on": "2027-03-01",
            "note": "增加汛期排查",
            "text": "第一条 各区镇每月开展一次排查。",
            "csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert revised.status_code == 303

    client.post("/logout", data={"csrf_token": csrf(client)})
    public = html.unescape(client.get(f"/projects/mechanisms/{code}").text)
    assert "现行版本：第 2 版" in public and "自 2027-03-01 起施行" in public
    assert "每月开展一次" in public and "第 1 版正文" in public and "每季度开展一次" in public
    assert "1 件群众诉求" in public and done.title in public
    for private in (number, REPORTER, PHONE):
        assert private not in public
    download = client.get(f"/projects/mechanisms/{code}/versions/1/file")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    assert client.get(f"/projects/mechanisms/{code}/versions/2/file").status_code == 404
    project_page = client.get(f"/projects/{done.code}").text
    assert f'href="/projects/mechanisms/{code}"' in project_page and "建章立制" in project_page
    links = db.scalars(select(MechanismLink)).all()
    db.commit()
    assert len(links) == 2  # the project and the request


def test_the_public_list_filters_by_kind_and_unit_and_the_api_agrees(client, db) -> None:
    lead, done, _, user, number = arrange(client, db)
    other = unit(db, "昆山市人大常委会")
    kit.sign_in_staff(client, user)
    for title, kind, issuer in (
        ("农村自建房消防安全常态化排查制度", "rule", lead.id),
        ("主任接待日工作流程", "procedure", other.id),
    ):
        response = client.post(
            "/staff/projects/mechanisms/new",
            data=form(issuer, done.code, number, title=title, kind=kind)
            | {"csrf_token": csrf(client)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    client.post("/logout", data={"csrf_token": csrf(client)})

    everything = client.get("/projects/mechanisms").text
    assert "农村自建房消防安全常态化排查制度" in everything and "主任接待日工作流程" in everything
    rules = client.get("/projects/mechanisms", params={"kind": "rule"}).text
    assert "排查制度" in rules and "主任接待日工作流程" not in rules
    by_unit = client.get("/projects/mechanisms", params={"unit": str(other.id)}).text
    assert "主任接待日工作流程" in by_unit and "排查制度" not in by_unit
    assert client.get("/projects/mechanisms", params={"unit": "x"}).status_code == 200

    listed = client.get("/api/v1/mechanisms", params={"kind": "procedure"}).json()
    assert [(m["title"], m["issuing_unit"], m["requests"]) for m in listed] == [
        ("主任接待日工作流程", "昆山市人大常委会", 1)
    ]
    assert number not in str(listed)
    detail = client.get(f"/api/v1/mechanisms/{listed[0]['code']}").json()
    assert detail["projects"] == [done.code] and detail["versions"][0]["number"] == 1
    assert detail["versions"][0]["file_url"] is None
    assert_error(client.get("/api/v1/mechanisms/JZ1999-001"), 404, "not_found")
    assert_error(client.get("/api/v1/mechanisms", params={"kind": "law"}), 422, "validation_error")


def test_a_handler_cannot_create_a_mechanism(client, db) -> None:
    lead, done, _, _, _ = arrange(client, db)
    from tests import factories

    kit.sign_in_staff(client, factories.staff(db, "handler", lead))
    assert client.get("/staff/projects/mechanisms").status_code == 200
    assert client.get("/staff/projects/mechanisms/new").status_code == 403
    refused = client.post(
        "/staff/projects/mechanisms/new",
        data=form(lead.id, done.code) | {"csrf_token": csrf(client)},
    )
    assert refused.status_code == 403
    assert db.scalars(select(Mechanism)).all() == []
