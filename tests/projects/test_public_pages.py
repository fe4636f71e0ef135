"""The public site through HTTP: the project list with its filters and pages, a project's page
with its plan and slots, the batch overview with computed figures, and following a project by
SMS (signed in with a one-time code, or with one click) and stopping by the SMS's link."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from minsheng.core.db import clock_at
from minsheng.projects import follow
from minsheng.projects.models import Follower, WarningColour
from tests.conftest import csrf
from tests.projects.catalogue import (
    EDUCATION,
    RESIDENT,
    RESPONSIBLE_PHONE,
    count,
    kunshan,
    leak_request,
    make_batch,
    make_project,
    resident_sign_in,
    sms_to,
    unit_id,
)

JULY = dt.datetime(2026, 7, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def city(db) -> None:
    kunshan(db)
    make_batch(db)


@pytest.fixture
def july():
    with clock_at(JULY):
        yield


def text_of(page: str) -> str:
    """The page's words without tags, as a reader (or a screen reader) meets them."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_list_shows_progress_against_plan_and_warnings_in_words(client, db, city, july):
    red = make_project(db, title="个体经营知晓卡")
    red.progress, red.warning, red.started_on = 10.0, WarningColour.red, dt.date(2026, 3, 2)
    make_project(db, title="小艾之家", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[])
    db.commit()
    page = client.get("/projects")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "共 2 个项目，第 1 / 1 页" in words
    assert "进度 10%，计划 50.3%" in words and "红色预警" in words and "正常" in words
    assert '<a href="/projects/2026-1-001">个体经营知晓卡</a>' in page.text
    assert RESPONSIBLE_PHONE not in page.text


def test_the_list_filters_and_pages(client, db, city):
    for i in range(22):
        make_project(db, title=f"安全哨兵宣讲{i:02d}")
    make_project(db, title="小艾之家", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[])
    first = client.get("/projects")
    assert "共 23 个项目，第 1 / 2 页" in text_of(first.text)
    assert 'href="/projects?page=2" rel="next"' in first.text
    second = client.get("/projects", params={"page": 2})
    assert "安全哨兵宣讲20" in second.text and "安全哨兵宣讲00" not in second.text
    assert 'rel="prev"' in second.text
    by_unit = client.get("/projects", params={"unit": unit_id(db, EDUCATION)})
    assert "共 1 个项目" in text_of(by_unit.text) and "小艾之家" in by_unit.text
    searched = client.get("/projects", params={"q": "宣讲21"})
    assert "共 1 个项目" in text_of(searched.text)
    batch = client.get("/projects", params={"batch": "2026-1"})
    assert "23个项目中0个已开工" in text_of(batch.text)
    odd = client.get("/projects", params={"stage": "bogus", "page": "x", "unit": "99999999999"})
    assert odd.status_code == 200 and "有的筛选条件不存在，已忽略" in odd.text


def test_a_projects_page_shows_plan_targets_milestones_timeline_and_slots(client, db, city, july):
    project = make_project(db)
    project.progress, project.progress_month = 40.0, "2026-06"
    project.targets[1].achieved = 150
    db.commit()
    page = client.get(f"/projects/{project.code}")
    assert page.status_code == 200, page.text
    words = text_of(page.text)
    assert "农村自建房消防隐患排查" in words and "昆山市住房和城乡建设局" in words
    assert "累计进度 40%（2026-06 月报）" in words and "应达到 50.3%" in words
    assert "整改消防隐患 200 处 150 处 75%" in words
    assert "完成入户排查 · 计划进度 50%" in words
    assert "配合单位 昆山市应急管理局" in words and "责任领导 王建国" in words
    assert "列入2026年第一批民生实事项目" in words  # the public timeline
    assert 'id="satisfaction"' in page.text  # the evaluation step's partial is in its slot
    assert RESPONSIBLE_PHONE not in page.text


def test_hidden_or_unknown_projects_are_not_found(client, db, city):
    hidden = make_project(db, public=False)
    assert client.get(f"/projects/{hidden.code}").status_code == 404
    assert client.get("/projects/2099-1-001").status_code == 404
    assert "没有这个实事项目" in client.get("/projects/2099-1-001").text


def test_the_batch_overview_computes_its_sentence_and_unit_table(client, db, city, july):
    projects = [make_project(db, title=f"项目{i}") for i in range(3)]
    projects.append(
        make_project(db, title="小艾之家", lead_unit_id=unit_id(db, EDUCATION), co_unit_ids=[])
    )
    for project in projects:
        project.progress, project.started_on = 55.0, dt.date(2026, 3, 5)
    db.commit()
    page = client.get("/projects/batches/2026-1")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "全部4个项目已全面开展" in words
    assert "项目总数 4" in words and "已开工 4" in words
    assert "昆山市教育局 1 1 0 55%" in words
    assert "<svg" in page.text and '<title id="unit-chart-title">' in page.text
    projects[0].progress, projects[0].started_on = 0.0, None
    db.commit()
    assert "4个项目中3个已开工" in text_of(client.get("/projects/batches/2026-1").text)
    assert client.get("/projects/batches/2099-1").status_code == 404
    listed = text_of(client.get("/projects/batches").text)
    assert "2026年第一批民生实事项目 4个项目中3个已开工" in listed


def test_following_asks_for_the_phone_by_one_time_code_then_one_click(client, db, city):
    project = make_project(db)
    page = client.get(f"/projects/{project.code}")
    assert f'href="/projects/{project.code}/follow"' in page.text
    asked = client.get(f"/projects/{project.code}/follow")
    assert "/resident/login?next=/projects/2026-1-001/follow" in asked.text
    resident_sign_in(client, db, RESIDENT, f"/projects/{project.code}/follow")
    confirm = client.get(f"/projects/{project.code}/follow")
    assert "138****0000" in confirm.text and RESIDENT not in confirm.text
    done = client.post(
        f"/projects/{project.code}/follow",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=followed")
    again = client.post(f"/projects/{project.code}/follow", data={"csrf_token": csrf(client)})
    assert "已关注。项目有进展时" in again.text and "您已关注这个项目" in again.text
    assert count(db, Follower) == 1
    assert "已有 1 人关注" in text_of(client.get(f"/projects/{project.code}").text)
    left = client.post(f"/projects/{project.code}/unfollow", data={"csrf_token": csrf(client)})
    assert "已取消关注" in left.text and count(db, Follower) == 0


def test_following_without_signing_in_or_without_the_csrf_token_is_refused(client, db, city):
    project = make_project(db)
    anonymous = client.post(
        f"/projects/{project.code}/follow",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/resident/login?next=")
    forged = client.post(f"/projects/{project.code}/follow", data={})
    assert forged.status_code == 403 and count(db, Follower) == 0


def test_the_sms_stop_link_asks_then_stops_and_a_forged_one_is_refused(client, db, city):
    number = leak_request(db)
    project = make_project(db, request_numbers=[number])
    link = re.search(r"不再关注：\S*?(/projects/\S+)$", sms_to(db, RESIDENT)[-1])
    assert link, sms_to(db, RESIDENT)
    path = link.group(1)
    page = client.get(path)
    assert page.status_code == 200 and "确认取消关注" in page.text and count(db, Follower) == 1
    stopped = client.post(path, data={"csrf_token": csrf(client)})
    assert "已取消关注" in stopped.text and count(db, Follower) == 0
    assert client.get(path).status_code == 404
    follower = follow.add_follower(db, project, "13900000001")
    db.commit()
    forged = f"/projects/{project.code}/unfollow/{follower.id}/{'0' * 20}"
    assert client.post(forged, data={"csrf_token": csrf(client)}).status_code == 404
    assert db.scalar(select(Follower.id).where(Follower.id == follower.id)) is not None


def test_large_text_mode_and_working_without_script(client, db, city):
    project = make_project(db)
    client.cookies.set("minsheng_text", "large")
    page = client.get(f"/projects/{project.code}")
    assert 'class="large-text"' in page.text
    # Every action is a link or a form that posts to a real address, with its CSRF token.
    forms = re.findall(r"<form[^>]*>.*?</form>", page.text, re.S)
    assert "onclick" not in page.text and f'href="/projects/{project.code}/follow"' in page.text
    for form in forms:
        assert re.search(r'action="/[^"]+"', form), form
        if 'method="post"' in form:
            assert 'name="csrf_token"' in form


def test_a_stopped_project_says_why(client, db, city):
    from minsheng.projects import stages
    from tests.projects.catalogue import principal

    project = make_project(db)
    stages.stop(
        db,
        staff=principal(db, "admin"),
        project=project,
        reason="并入城市更新项目统一实施",
        version=1,
    )
    db.commit()
    words = text_of(client.get(f"/projects/{project.code}").text)
    assert "已终止" in words and "项目终止：并入城市更新项目统一实施" in words


def _template_texts() -> set[str]:
    from minsheng.web.templating import TEMPLATES

    texts: set[str] = set()
    for folder in ("projects/public", "projects/staff"):
        for path in (TEMPLATES / folder).glob("*.html"):
            source = path.read_text(encoding="utf-8")
            texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", source))
            texts |= set(re.findall(r"""(?:label|empty|hint)=["']([^"']+)["']""", source))
    return {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}


def test_every_text_of_the_project_pages_has_an_english_translation():
    from minsheng.projects import rollup
    from minsheng.projects.models import AREAS, STAGE_LABELS, WARNING_LABELS
    from minsheng.projects.pages_public import NOTICES
    from minsheng.web.i18n import translations

    english = translations("en")
    texts = _template_texts() | set(STAGE_LABELS.values()) | set(WARNING_LABELS.values())
    texts |= set(AREAS.values()) | set(NOTICES.values())
    for figures in (
        {"total": 0, "started": 0, "completed": 0},
        {"total": 3, "started": 2, "completed": 1},
    ):
        texts |= {text for text, _ in rollup.headline_parts(figures)}
    texts |= {"全部%(total)s个项目已全面开展", "全部%(total)s个项目已完成"}
    assert {"进度 %(done)s，计划 %(plan)s", "关注，有进展时短信告诉我", "计量单位"} <= texts
    assert sorted(t for t in texts if english.gettext(t) == t) == []
    for text in texts:  # placeholders survive translation
        assert sorted(re.findall(r"%\(\w+\)s", english.gettext(text))) == sorted(
            re.findall(r"%\(\w+\)s", text)
        )


def test_the_batch_overview_in_english(client, db, city):
    for i in range(2):
        make_project(db, title=f"项目{i}").progress = 5.0
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    words = text_of(client.get("/projects/batches/2026-1").text)
    assert "All 2 projects are under way" in words and "Progress by lead unit" in words


def test_a_monthly_report_moves_the_page_shows_its_photo_and_tells_the_followers(
    client, db, city, july
):
    import io

    from PIL import Image

    from minsheng.core.images import clean_photo
    from minsheng.projects import reports
    from minsheng.projects.schemas_reports import ReportCreate
    from tests.projects.catalogue import principal

    project = make_project(db)
    follow.add_follower(db, project, RESIDENT)
    db.commit()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 60)).save(buffer, format="JPEG")
    data = ReportCreate(month="2026-06", progress=45, done="完成巴城镇、周市镇入户排查。")
    reports.file_report(
        db,
        project,
        data,
        staff=principal(db, "handler"),
        photos=[clean_photo(buffer.getvalue(), filename="site.jpg")],
        today=dt.date(2026, 7, 1),
    )
    db.commit()
    page = client.get(f"/projects/{project.code}")
    words = text_of(page.text)
    assert "累计进度 45%（2026-06 月报）" in words and "完成巴城镇、周市镇入户排查" in words
    photo = re.search(r'<img src="(/projects/report-files/[^"]+)"', page.text)
    assert photo and client.get(photo.group(1)).headers["content-type"].startswith("image/")
    told = sms_to(db, RESIDENT)
    assert len(told) == 1 and "45%" in told[0] and "不再关注：" in told[0]
