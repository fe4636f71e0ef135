"""The circulars in the browser's terms (plain forms, no JavaScript): a supervisor drafts from the
data and fixes what the page points at, a second one approves and publishes, the named unit
answers, and the public reads the circular, its PDF and Excel and the monthly batch report."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from minsheng.projects import circulars
from minsheng.projects.models_review import Circular, CircularStatus
from minsheng.web.templating import environment
from tests.conftest import csrf, login
from tests.factories import PASSWORD
from tests.projects import circulars_kit as fx

BASE = "/staff/projects/circulars"


@pytest.fixture
def city(db):
    return fx.build(db)


def sign_in(client, username: str) -> None:
    client.cookies.clear()
    login(client, username, PASSWORD)


def post(client, url: str, data: dict[str, str] | None = None):
    return client.post(
        url, data={**(data or {}), "csrf_token": csrf(client)}, follow_redirects=False
    )


def field_error(page: str, form: str, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="e-{form}-{field}"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else None


def test_a_supervisor_drafts_from_the_form_and_sees_field_errors(client, db, city) -> None:
    sign_in(client, "sup1")
    page = client.get(BASE)
    assert page.status_code == 200 and "按数据起草通报" in page.text
    assert f'value="{fx.month()}"' in page.text  # last month offered by default
    bad = post(client, f"{BASE}/new", {"batch": "", "month": "2026-13"})
    assert bad.status_code == 422
    assert field_error(bad.text, "draft", "batch") == "请填写这一项"
    assert field_error(bad.text, "draft", "month") == "请按 2026-10 的格式选择月份"
    made = post(client, f"{BASE}/new", {"batch": "2026-1", "month": fx.month()})
    assert made.status_code == 303
    page = client.get(made.headers["location"]).text
    assert fx.RED_TITLE in page and fx.YELLOW_TITLE in page and fx.ON_TIME_TITLE not in page
    assert "计划进度50%，实际进度10%，滞后40个百分点。" in page
    circular = db.query(Circular).one()
    db.commit()  # end the read, so that the app can write
    # Another batch's project: the message beside the field, nothing added.
    refused = post(client, f"{BASE}/{circular.id}/items", {"project": "2025-2-001"})
    assert refused.status_code == 422
    message = field_error(refused.text, "add", "project")
    assert message and "不在本通报的批次" in message
    db.expire_all()
    assert len(db.get(Circular, circular.id).items) == 2
    db.commit()
    # The drafter cannot approve; the page says why.
    own = post(client, f"{BASE}/{circular.id}/approve")
    assert own.status_code == 409 and "起草人不能审核自己起草的通报" in own.text


def test_approval_points_at_the_missing_causes_then_publishes(client, db, city) -> None:
    circular = fx.draft(db, city)
    cid, red_id = circular.id, circular.items[0].id
    items = [(i.id, i.situation, i.deadline) for i in circular.items]
    db.commit()  # end the read, so that the app can write
    sign_in(client, "sup2")
    refused = post(client, f"{BASE}/{cid}/approve")
    assert refused.status_code == 422
    assert (
        field_error(refused.text, f"item-{red_id}", "cause")
        == f"请填写“{fx.RED_TITLE}”的滞后原因。"
    )
    assert f'href="#f-item-{red_id}-cause"' in refused.text
    for item_id, situation, deadline in items:
        saved = post(
            client,
            f"{BASE}/{cid}/items/{item_id}",
            {
                "situation": situation,
                "cause": "施工队伍进场晚。",
                "leader": "张副局长",
                "required_action": "倒排工期，每周报送进度。",
                "deadline": deadline.isoformat(),
            },
        )
        assert saved.status_code == 303, saved.text
    sign_in(client, "admin1")
    assert post(client, f"{BASE}/{cid}/approve").status_code == 303
    published = post(client, f"{BASE}/{cid}/publish")
    assert published.status_code == 303
    page = client.get(published.headers["location"]).text
    number = f"昆实事通〔{circulars.today().year}〕1号"
    assert "已发布，已通知被通报项目的牵头单位。" in page and number in page
    # Published: the edit forms are gone and a post to them is refused.
    assert f"{BASE}/{cid}/edit" not in page
    edit = post(client, f"{BASE}/{cid}/edit", {"title": "关于某事的通报", "body": "改"})
    assert edit.status_code == 409 and "已发布的通报不能修改" in edit.text
    db.expire_all()
    assert db.get(Circular, cid).status == CircularStatus.published


def test_the_named_unit_answers_and_another_unit_cannot(client, db, city) -> None:
    circular = fx.published(db, city)
    url = f"{BASE}/items/{circular.items[0].id}/answer"
    db.commit()
    sign_in(client, "justice")
    listed = client.get(BASE).text
    assert fx.YELLOW_TITLE in listed and fx.RED_TITLE not in listed
    assert client.get(url).status_code == 403
    refused = post(client, url, {"answer": "我们替住建局答复一下这个项目的整改情况。"})
    assert refused.status_code == 403
    sign_in(client, "housing")
    assert "报送整改情况" in client.get(url).text
    short = post(client, url, {"answer": "已改"})
    assert (
        short.status_code == 422 and field_error(short.text, "answer", "answer") == "至少 10 个字"
    )
    done = post(client, url, {"answer": "已增派两支施工队伍，倒排工期，月底前完成排查。"})
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}?done=answered"
    assert "已增派两支施工队伍" in client.get(url).text
    # The supervisor's list counts who has answered and who has not.
    sign_in(client, "sup1")
    assert "已答复 1，待答复 1，逾期未答复 0" in client.get(BASE).text


def test_the_public_reads_the_circular_and_downloads_it(client, db, city) -> None:
    draft = fx.draft(db, city)
    db.commit()
    assert client.get(f"/projects/circulars/{draft.id}").status_code == 404
    assert client.get(f"/projects/circulars/{draft.id}.pdf").status_code == 404
    db.delete(draft)
    db.commit()
    circular = fx.published(db, city)
    db.refresh(circular)
    db.commit()
    listed = client.get("/projects/circulars").text
    assert circular.number in listed and circular.title in listed
    page = client.get(f"/projects/circulars/{circular.id}").text
    assert "昆山市民生实事项目工作领导小组办公室" in page and circular.number in page
    assert fx.RED_TITLE in page and "施工队伍进场晚" in page and "待答复" in page
    assert "13900000001" not in page  # handlers' phones are nobody's business
    pdf = client.get(f"/projects/circulars/{circular.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    name = unquote(pdf.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name == f"{circular.number}{circular.title}.pdf"
    xlsx = client.get(f"/projects/circulars/{circular.id}.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["通报", "滞后项目", "跟踪"]
    report = client.get(f"/projects/batches/2026-1/report/{fx.month()}.pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF-")
    book = client.get(f"/projects/batches/2026-1/report/{fx.month()}.xlsx")
    assert load_workbook(io.BytesIO(book.content)).sheetnames == ["汇总", "项目明细", "单位"]
    for bad in ("2026-13", "9999-01", "x"):
        assert client.get(f"/projects/batches/2026-1/report/{bad}.pdf").status_code == 404
    assert client.get(f"/projects/batches/nope/report/{fx.month()}.pdf").status_code == 404


def test_the_project_page_partial_lists_the_circulars_that_named_it(db, city) -> None:
    circular = fx.published(db, city)
    template = environment("zh_Hans").get_template("projects/_project_circulars.html")
    named = template.render(project=city.red, circular_items=circulars.naming(db, city.red))
    assert circular.number in named and "计划进度50%，实际进度10%" in named
    assert f"/projects/circulars/{circular.id}#item-{circular.items[0].id}" in named
    assert "尚未报送整改情况" in named
    quiet = template.render(project=city.on_time, circular_items=circulars.naming(db, city.on_time))
    assert "本项目没有被通报过。" in quiet
    english = environment("en").get_template("projects/_project_circulars.html")
    assert "Circulars" in english.render(project=city.on_time, circular_items=[])


def test_a_correction_through_the_pages_replaces_the_circular(client, db, city) -> None:
    first = fx.published(db, city)
    first_id, first_number = first.id, first.number
    db.commit()
    sign_in(client, "sup1")
    started = post(client, f"{BASE}/{first_id}/supersede")
    assert started.status_code == 303
    copy_page = client.get(started.headers["location"]).text
    assert f"本通报是 {first_number} 的更正稿" in copy_page and "删除草稿" in copy_page
    copy_id = int(re.search(r"/circulars/(\d+)", started.headers["location"])[1])
    preview = client.get(f"{BASE}/{copy_id}.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
    assert client.get(f"/projects/circulars/{copy_id}.pdf").status_code == 404  # not public
    again = post(client, f"{BASE}/{first_id}/supersede")
    assert again.status_code == 409 and "已有一份更正稿" in again.text
    sign_in(client, "sup2")
    assert post(client, f"{BASE}/{copy_id}/approve").status_code == 303
    approved = client.get(f"{BASE}/{copy_id}").text
    assert "退回修改" in approved and f"{BASE}/{copy_id}/edit" not in approved
    assert post(client, f"{BASE}/{copy_id}/publish").status_code == 303
    old_public = client.get(f"/projects/circulars/{first_id}").text
    assert "本通报已被更正" in old_public and f"/projects/circulars/{copy_id}" in old_public
    old_staff = client.get(f"{BASE}/{first_id}").text
    assert "本通报已被更正。" in old_staff and f"{BASE}/{first_id}/supersede" not in old_staff
    listed = client.get("/projects/circulars").text
    assert "已更正" in listed and first_number in listed
