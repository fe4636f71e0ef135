"""The supervisors' evaluation pages and API: ranking with the figures behind every score, the
quality mark with its required reason, and who may see them."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from sqlalchemy import select

from minsheng.feedback.models import Satisfaction
from minsheng.projects import evaluation, ratings
from minsheng.projects.models_review import MECHANISM_LABELS, QualityScore
from minsheng.web.i18n import translations
from tests import factories
from tests import projects as make
from tests.conftest import api_token, csrf
from tests.projects import evaluation_kit as kit
from tests.requests import assert_error

TEMPLATES = Path(evaluation.__file__).parents[1] / "web" / "templates" / "projects"
# Fixed messages from the code that the pages show beside a field or as a notice.
MESSAGES = {
    ratings.ALREADY_RATED,
    "请选择您对这个项目是否满意",
    "请选择测评意见",
    "请先用手机号码和短信验证码确认身份，再提交评价。",
    "您已经测评过这个项目，每位代表只能测评一次。",
    "每个指标只能出现一次",
    "权重须大于 0；不用的指标请不要列入",
    "请至少给一个指标设置权重",
    "质量评分须在 0 到 100 之间",
    "请写明评分理由",
    "请填写 0 到 100 之间的数字",
    "请按 2026-10-31 的格式填写日期",
    "只能上传 PDF 或 Word 文件（.pdf、.docx、.doc）",
    "文件内容与扩展名不符，或文件已损坏",
    "请填写正文或上传文件（二者至少一项）",
    "请填写至少一个已完成的来源项目编号",
    "只有督查人员或实事项目办公室可以建立长效机制。",
    "请选择类型",
    "请选择发文单位",
    "请填写施行日期",
    "请写明这一版改了什么",
}
S, D = Satisfaction.satisfied, Satisfaction.dissatisfied


def arrange(db):
    batch = make.batch(db)
    housing = make.unit(db, make.HOUSING_BUREAU)
    first = make.project(
        db, batch, housing, "2026-1-001", title="农村自建房消防隐患排查", end_on=dt.date(2026, 6, 1)
    )
    second = make.project(db, batch, make.unit(db, "昆山市司法局"), "2026-1-002")
    first.progress, second.progress = 100.0, 10.0
    first.targets[0].achieved = 40000
    kit.resident_ratings(db, first, S, S, D)
    user = kit.supervisor(db)
    db.commit()
    return batch, first, second, user


def test_the_ranking_page_shows_every_score_with_its_figures(client, db) -> None:
    batch, first, second, user = arrange(db)
    kit.sign_in_staff(client, user)
    page = client.get(
        "/staff/projects/evaluation", params={"batch": batch.code, "on": "2026-07-10"}
    )
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "默认方案，尚未保存" in text
    assert text.index("2026-1-001 农村自建房消防隐患排查") < text.index("2026-1-002 “安全哨兵”")
    assert "实际进度 100%" in text and "计划进度 100%" in text
    assert "群众评价 3 人（满意 2、基本满意 0、不满意 1），满意率 66.7" in text
    assert "惠及企业 40000/40000 家 = 100%" in text
    assert "督查人员尚未评分" in text and "无数据" in text
    assert "其权重按比例分给其他指标" in text
    assert "牵头单位排名" in text and make.HOUSING_BUREAU in text
    bad_day = client.get("/staff/projects/evaluation", params={"on": "七月十日"})
    assert bad_day.status_code == 422
    assert kit.field_error(bad_day.text, "on") == "请按 2026-10-31 的格式填写日期"


def test_a_quality_mark_needs_its_reason_on_the_page(client, db) -> None:
    _, first, _, user = arrange(db)
    kit.sign_in_staff(client, user)
    url = f"/staff/projects/evaluation/project/{first.code}"
    page = client.get(url)
    assert page.status_code == 200
    assert "意见0" in page.text  # residents' comments are for staff, here
    assert "共 3 人评价：满意 2，基本满意 0，不满意 1。" in page.text

    refused = client.post(
        f"{url}/quality", data={"score": "88", "note": "", "csrf_token": csrf(client)}
    )
    assert refused.status_code == 422
    assert kit.field_error(refused.text, "note") == "请写明评分理由"
    assert 'value="88"' in refused.text
    too_high = client.post(
        f"{url}/quality", data={"score": "101", "note": "很好", "csrf_token": csrf(client)}
    )
    assert kit.field_error(too_high.text, "score") == "质量评分须在 0 到 100 之间"
    assert db.scalar(select(QualityScore)) is None
    db.commit()

    saved = client.post(
        f"{url}/quality",
        data={"score": "88", "note": "现场检查：排查台账完整", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = html.unescape(client.get(saved.headers["location"]).text)
    assert "质量评分已保存" in after and "督查评分 88" in after and "排查台账完整" in after


def test_handlers_see_neither_the_page_nor_the_api(client, db) -> None:
    batch, first, _, _ = arrange(db)
    handler = factories.staff(db, "handler", first.lead_unit)
    kit.sign_in_staff(client, handler)
    assert client.get("/staff/projects/evaluation").status_code == 403
    headers = api_token(client, handler.username, factories.PASSWORD)
    response = client.get(f"/api/v1/batches/{batch.code}/evaluation", headers=headers)
    assert_error(response, 403, "forbidden")


def test_the_evaluation_api_gives_scores_ranks_and_evidence(client, db) -> None:
    batch, first, second, user = arrange(db)
    headers = api_token(client, user.username, factories.PASSWORD)
    quality = client.post(
        f"/api/v1/projects/{first.code}/quality", json={"score": 90}, headers=headers
    )
    assert_error(quality, 422, "validation_error")
    quality = client.post(
        f"/api/v1/projects/{first.code}/quality",
        json={"score": 90, "note": "资料齐全"},
        headers=headers,
    )
    assert quality.status_code == 200, quality.text
    answer = client.get(
        f"/api/v1/batches/{batch.code}/evaluation", params={"on": "2026-07-10"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["on"] == "2026-07-10" and body["scheme"]["saved"] is False
    assert [(p["code"], p["rank"]) for p in body["projects"]] == [
        ("2026-1-001", 1),
        ("2026-1-002", 2),
    ]
    scores = {s["code"]: s for s in body["projects"][0]["scores"]}
    assert scores["quality"]["value"] == 90 and "资料齐全" in scores["quality"]["evidence"]
    assert scores["satisfaction"]["value"] == 66.7
    timeliness = body["projects"][0]["scores"][1]
    assert timeliness["code"] == "timeliness" and timeliness["value"] == 0
    assert "缺报 4 个（2026-03、2026-04、2026-05、2026-06）" in timeliness["evidence"]
    assert body["units"][0] == {
        "unit": make.HOUSING_BUREAU,
        "projects": 1,
        "total": body["projects"][0]["total"],
        "rank": 1,
    }
    assert_error(client.get("/api/v1/batches/nope/evaluation", headers=headers), 404, "not_found")


def test_every_evaluation_text_has_an_english_translation(client, db) -> None:
    english = translations("en")
    texts: set[str] = set()
    for template in [*TEMPLATES.glob("evaluation/*.html"), *TEMPLATES.glob("mechanisms/*.html")]:
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", template.read_text("utf-8")))
    for template in TEMPLATES.glob("_project_[sm]*.html"):
        texts |= set(re.findall(r"""_\(\s*["']([^"']+)["']""", template.read_text("utf-8")))
    for template in [*TEMPLATES.glob("evaluation/*.html"), *TEMPLATES.glob("mechanisms/*.html")]:
        source = template.read_text("utf-8")
        texts |= set(re.findall(r"""(?:label|empty|hint)=["']([^"']+)["']""", source))
    texts |= set(evaluation.INDICATORS.values()) | {"无数据", "满意", "不满意", "基本满意"}
    texts |= MESSAGES | set(MECHANISM_LABELS.values())
    chinese = {t for t in texts if re.search(r"[\u4e00-\u9fff]", t)}
    assert len(chinese) > 100
    assert sorted(t for t in chinese if english.gettext(t) == t) == []
    for text in chinese:
        assert re.findall(r"%\(\w+\)s", english.gettext(text)) == re.findall(r"%\(\w+\)s", text)
    _, first, _, user = arrange(db)
    kit.sign_in_staff(client, user)
    client.cookies.set("minsheng_lang", "en")
    page = html.unescape(client.get(f"/staff/projects/evaluation/project/{first.code}").text)
    assert "Quality mark" in page and "Residents' ratings" in page and "Print the QR poster" in page
