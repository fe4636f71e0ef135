"""The site poster, read back as printed: its Chinese text, one A4 page, and its QR code scanned
to the rating form with via=site."""

from __future__ import annotations

import re
from pathlib import Path

from minsheng.core.settings import get_settings
from minsheng.projects.rating_poster import render_rating_poster
from tests import factories
from tests import projects as make
from tests.pdftools import fonts_of, info_of, pages_as_png, qr_codes_in, save, text_of
from tests.projects import evaluation_kit as kit


def flat(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text)


def test_the_poster_names_the_project_and_its_code_opens_the_rating_form(
    client, db, tmp_path: Path
) -> None:
    lead = make.unit(db, make.HOUSING_BUREAU)
    project = make.project(db, make.batch(db), lead, title="农村自建房消防隐患排查")
    handler = factories.staff(db, "handler", lead)
    kit.sign_in_staff(client, handler)
    response = client.get(f"/staff/projects/evaluation/project/{project.code}/poster.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    path = save(response.content, tmp_path, "poster.pdf")

    text = flat(text_of(path))
    for phrase in (
        "实事项目满意度评价",
        "农村自建房消防隐患排查",
        f"牵头单位：{make.HOUSING_BUREAU}",
        f"项目编号：{project.code}",
        "用手机扫描下面的二维码",
        "每个手机号码对每个项目只能评价一次",
    ):
        assert phrase in text, phrase
    url = f"{get_settings().base_url}/projects/{project.code}/rate?via=site"
    assert url in text
    info = info_of(path)
    assert info["Pages"] == "1" and info["Page size"].endswith("(A4)")
    assert all(font["emb"] == "yes" for font in fonts_of(path))
    (image,) = pages_as_png(path)
    assert qr_codes_in(image) == [url]


def test_a_long_title_still_leaves_a_scannable_code(tmp_path: Path) -> None:
    title = "“文明十二条3.0”每月专项行动：背街小巷环境整治、非机动车规范停放和楼道堆物清理" * 2
    url = "http://127.0.0.1:8000/projects/2026-1-188/rate?via=site"
    path = save(
        render_rating_poster(
            project_title=title, project_code="2026-1-188", lead_unit="昆山市文明办", url=url
        ),
        tmp_path,
    )
    assert info_of(path)["Pages"] == "1"
    assert title in flat(text_of(path))
    (image,) = pages_as_png(path)
    assert qr_codes_in(image) == [url]


def test_the_poster_is_for_staff(client, db) -> None:
    project = make.project(db, make.batch(db), make.unit(db, make.HOUSING_BUREAU))
    db.commit()
    response = client.get(
        f"/staff/projects/evaluation/project/{project.code}/poster.pdf", follow_redirects=False
    )
    assert response.status_code in (303, 401)
