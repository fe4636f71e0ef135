"""Every text of the 征集公示 pages has an English translation; the pages render in English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from minsheng.projects import collection, voting
from minsheng.projects.models import AREAS
from minsheng.projects.models_collection import PROPOSAL_STATUS_LABELS, SOURCE_LABELS, VOTE_LABELS
from minsheng.projects.notices import STATUS_LABELS
from minsheng.web.i18n import translations
from tests.projects.collection_kit import open_batch, propose

PACKAGE = Path(collection.__file__).parent
TEMPLATES = PACKAGE.parents[0] / "web" / "templates" / "projects" / "collection"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
MODULES = (
    "collection",
    "participation",
    "shortlist",
    "voting",
    "notices",
    "schemas_collection",
    "pages_proposals",
    "pages_notices_public",
    "pages_collection_staff",
    "pages_shortlist_staff",
    "pages_votes_staff",
    "pages_notices_staff",
)
# Texts stored as data (standard answers, timeline entries), shown as written, not translated.
DATA = {
    *collection.DEFAULT_ANSWERS.values(),
    "人大代表票决",
}
# Keyword arguments read only by the OpenAPI document.
API_ONLY = {"title", "description", "summary", "examples"}


def template_texts() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", path.read_text(encoding="utf-8")):
            if CHINESE.search(quoted):
                found.add(quoted)
    return found


def code_texts(path: Path) -> set[str]:
    """Chinese string constants a person may read: not docstrings, f-strings or API titles."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in ast.walk(node))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in API_ONLY:
                    skip.update(id(part) for part in ast.walk(keyword.value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CHINESE.search(node.value)
    } - DATA


def test_templates_hold_no_chinese_outside_the_translator():
    for path in TEMPLATES.glob("*.html"):
        outside = JINJA.sub("", path.read_text(encoding="utf-8"))
        assert not CHINESE.search(outside), (path.name, CHINESE.search(outside))


def test_every_collection_text_has_an_english_translation():
    english = translations("en")
    texts = template_texts()
    for name in MODULES:
        texts |= code_texts(PACKAGE / f"{name}.py")
    labels = (PROPOSAL_STATUS_LABELS, SOURCE_LABELS, VOTE_LABELS, STATUS_LABELS, AREAS)
    for table in labels:
        texts |= set(table.values())
    texts.add(voting.RULE)
    assert {"一事一议：", "不予采纳时必须说明理由", "截止时间必须晚于开始时间", "已采纳"} <= texts
    missing = sorted(t for t in texts if english.gettext(t) == t)
    assert not missing, missing


def test_the_proposal_pages_render_in_english(client, db):
    open_batch(db)
    client.cookies.set("minsheng_lang", "en")
    form = client.get("/projects/proposals/new")
    assert "One idea per proposal" in form.text and "Propose a practical project" in form.text
    number = propose(client)
    page = client.get(f"/projects/proposals/{number}")
    assert "Official answer" in page.text and "I support this" in page.text
    listing = client.get("/projects/proposals")
    assert "Elderly and disability care" in listing.text
    assert not CHINESE.search(
        JINJA.sub("", listing.text.split("<main", 1)[1].split("</main>")[0])
        .replace("老旧小区加装电梯", "")
        .replace("2026年第一批民生实事项目", "")
    )
