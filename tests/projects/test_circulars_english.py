"""Every text the circulars' pages show has an English translation, and the pages render in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minsheng.projects import pages_circulars, rectification
from minsheng.projects.models_review import CIRCULAR_LABELS
from minsheng.web.i18n import translations
from tests.projects import circulars_kit as fx

TEMPLATES = Path(pages_circulars.__file__).parents[1] / "web" / "templates" / "projects"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Fixed messages from the circulars' code that pages show beside a field or as a page.
MESSAGES = {
    "（发布时编号）",
    "这个月还没到，不能通报。",
    "没有这个批次，请从列表中选择。",
    "请按 2026-10 的格式选择月份",
    "整改期限不能早于今天。",
    "通报还没有写完，不能审核。",
    "请填写通报正文。",
    "这份通报已审核，要修改请先退回草稿。",
    "已发布的通报不能修改，只能更正：点“更正”生成一份新草稿，发布后替代原通报。",
    "起草人不能审核自己起草的通报，请另一位督查人员或系统管理员审核。",
    "只有已审核、未发布的通报可以退回修改。",
    "通报还没有审核，审核后才能发布。",
    "这份通报已经发布过了。",
    "只有已发布的通报可以更正。",
    "这份通报已有一份更正稿，请在那份上修改。",
    "这个项目的整改情况已经提交过了，不能重复提交。",
    "这份通报还没有发布。",
    "这份通报已被更正，请对更正后的通报答复。",
    "没有这份通报。",
    "没有这份通报，或它还没有发布。",
    "这个月还没到，没有进展报告。",
    "月份应写成 2026-10 这样的格式。",
    *pages_circulars.DONE.values(),
    *rectification.ANSWER_LABELS.values(),
    *CIRCULAR_LABELS.values(),
}


def template_texts() -> set[str]:
    found: set[str] = set()
    paths = [*TEMPLATES.glob("circulars/*.html"), TEMPLATES / "_project_circulars.html"]
    for path in paths:
        for match in re.finditer(r"""_\(\s*(["'])(.*?)\1""", path.read_text()):
            if CHINESE.search(match.group(2)):
                found.add(match.group(2))
    return found


def test_every_text_has_an_english_translation() -> None:
    english = translations("en")
    texts = template_texts() | MESSAGES
    assert len(texts) > 100
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert missing == []


@pytest.fixture
def city(db):
    return fx.build(db)


def test_the_public_circular_reads_in_english(client, db, city) -> None:
    circular = fx.published(db, city)
    cid = circular.id
    db.commit()
    client.cookies.set("minsheng_lang", "en")
    page = client.get(f"/projects/circulars/{cid}").text
    for text in ("Annex 1", "Lagging", "Cause of the delay", "Awaited", "Download the PDF"):
        assert text in page, text
    assert "滞后原因" not in page and "附件1" not in page
