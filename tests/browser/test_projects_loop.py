"""A practical project's whole six-step life, as a newcomer walks it in a real browser.

A resident proposes; the office accepts the proposal and shortlists it into a candidate; three
deputies vote for it and the office publishes the result and the notice; the lead unit files
three monthly reports and the third puts it on a yellow warning; a supervisor drafts a circular
naming it, the administrator approves and publishes it, and the unit answers; a resident and a
deputy rate it, the supervisor marks its quality, and it is scored; the administrator completes it
and turns it into a lasting mechanism. Each step is read back on the public site as it happens.

Nothing is arranged in the tables but the demo units and accounts and three deputies, and the
one thing a browser cannot do: let the voting window pass (the live server runs in another
thread, so core.db.clock_at cannot reach it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import update
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.schemas import RoleGrantIn, StaffUserCreate
from minsheng.core.db import utcnow
from minsheng.org import service as org
from minsheng.projects.models import Batch
from tests import pdftools
from tests.browser.projects_steps import (
    ACTION,
    ANSWER,
    CAUSE,
    CONGRESS,
    DEPUTIES,
    MECHANISM,
    PROJECT,
    PROPOSAL,
    UNIT,
    Calendar,
    admin_approves_and_publishes,
    admin_completes_and_makes_a_mechanism,
    admin_opens_a_batch,
    deputy_rates,
    deputy_votes,
    handler_reports,
    month_words,
    office_accepts_and_shortlists,
    office_publishes_the_result_and_the_notice,
    open_item,
    public_project,
    report_entry,
    resident_proposes,
    resident_rates,
    stage_line,
    supervisor_drafts_a_circular,
    supervisor_marks_quality,
)
from tests.browser.test_request_loop import ARTIFACTS, sign_in, value_of
from tests.requests import load_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def kunshan(db: Session) -> None:
    """The demo units and accounts, and three deputies of the people's congress, committed."""
    load_demo(db)
    congress = org.get_unit_by_name(db, name=CONGRESS)
    assert congress is not None
    for n, username in enumerate(DEPUTIES, start=1):
        data = StaffUserCreate(
            username=username,
            display_name=f"人大代表 {'甲乙丙'[n - 1]}",
            password=DEMO_PASSWORD,
            roles=[RoleGrantIn(role="deputy", unit_id=congress.id)],
        )
        accounts.create_user(db, data=data)
    db.commit()


@pytest.fixture
def person(
    request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext]
) -> Iterator[Callable[[str], Page]]:
    """A tab per person, each in a browser context of its own; screenshotted if the test fails."""
    pages: dict[str, Page] = {}

    def open_as(who: str) -> Page:
        pages[who] = new_context().new_page()
        return pages[who]

    yield open_as
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for who, page in pages.items():
            page.screenshot(path=str(ARTIFACTS / f"failed-projects-{who}.png"), full_page=True)


def test_a_proposal_becomes_a_project_is_circulated_rated_completed_and_leaves_a_mechanism(
    person: Callable[[str], Page], kunshan: None, db: Session, tmp_path: Path
) -> None:
    cal = Calendar()
    batch = f"{cal.today.year}-1"
    name = f"{cal.today.year}年第一批民生实事项目"
    public = person("public")

    # 征集: the administrator opens a batch with a voting window; a resident proposes.
    admin = person("admin")
    admin_opens_a_batch(admin, cal, batch, name)
    public.goto("/projects/batches")
    expect(public.get_by_role("link", name=name)).to_be_visible()
    resident = person("resident")
    number = resident_proposes(resident, name)

    # The office accepts it and shortlists it; the public sees the answer and the candidate.
    supervisor = person("supervisor")
    code = office_accepts_and_shortlists(supervisor, cal, batch, number)
    resident.reload()
    expect(value_of(resident, "答复状态")).to_have_text("已采纳")
    public_project(public, code)
    assert "候选项目" in stage_line(public)
    expect(public.get_by_role("link", name=f"{number} {PROPOSAL}")).to_be_visible()

    # 票决: three deputies vote for it inside the window.
    deputies = [person(username) for username in DEPUTIES]
    for page, username in zip(deputies, DEPUTIES, strict=True):
        deputy_votes(page, username, code)
    # Stands for time passing: the voting window closes.
    db.execute(
        update(Batch)
        .where(Batch.code == batch)
        .values(vote_closes_at=utcnow() - dt.timedelta(minutes=1))
    )
    db.commit()

    # 公示: the office records the result and publishes the notice.
    title = office_publishes_the_result_and_the_notice(supervisor, cal, name, code)
    expect(supervisor.get_by_role("heading", name=title, level=1)).to_be_visible()
    public.goto(f"/projects/votes/{batch}")
    row = public.get_by_role("row").filter(has_text=code)
    expect(row.locator("td").nth(3)).to_have_text("3")  # 赞成
    expect(row.locator("td").last).to_have_text("入选")
    public.goto("/projects/notices")
    public.get_by_role("link", name=title).click()
    notice_row = public.get_by_role("row").filter(has_text=code)
    expect(notice_row).to_contain_text(PROJECT)
    expect(notice_row).to_contain_text(UNIT)
    public_project(public, code)
    assert "实施中" in stage_line(public)
    expect(public.locator("#reports")).to_contain_text("还没有月报。")

    # 月报: the lead unit reports three months; the first two keep to the plan. Filed on one
    # day, all three are judged against the plan at the end of last month (about 40% on this
    # ten-month plan), so the third can fall behind only by falling back, with a reason.
    handler = person("handler")
    sign_in(handler, "handler")
    first, second, third = cal.months
    handler_reports(handler, code, first, "36", "完成前两个小区十二栋楼的摸排和招标。", "4")
    handler_reports(handler, code, second, "40", "第一批六栋楼完成灯具更换和扶手安装。", "6")
    public_project(public, code)
    expect(public.locator("h1 + p")).to_contain_text("正常")
    assert "累计进度 36%" in report_entry(public, first)
    assert "改造楼栋：累计 6栋（目标 16栋）" in report_entry(public, second)

    # The third month: two buildings failed inspection, the progress falls back, a yellow warning.
    handler_reports(
        handler,
        code,
        third,
        "26",
        "两栋楼扶手验收不合格，拆除返工。",
        "6",
        regress_reason="两栋楼扶手焊接验收不合格，已拆除重做，相应进度扣回。",
    )
    public_project(public, code)
    expect(public.locator("h1 + p")).to_contain_text("黄色预警")
    expect(public.get_by_text("黄色预警：进度落后于计划，或迟迟没有开工。")).to_be_visible()
    history = public.locator("#reports ol.timeline > li")
    expect(history).to_have_count(3)
    expect(history.first).to_contain_text(f"{month_words(third)} 月报 · 累计进度 26%")
    expect(history.first).to_contain_text("进度回退原因：两栋楼扶手焊接验收不合格")
    expect(history.last).to_contain_text(f"{month_words(first)} 月报 · 累计进度 36%")
    events = public.locator("ol.timeline").last
    expect(events).to_contain_text(re.compile(r"黄色预警：计划应达 [\d.]+%，实际 26%"))

    # 通报: a circular for last month names it; the administrator approves and publishes it.
    supervisor_drafts_a_circular(supervisor, name, third, code)
    circular_title = supervisor.locator("h1").inner_text().strip()
    circular = admin_approves_and_publishes(admin, circular_title)
    public.goto("/projects/circulars")
    public.get_by_role("link", name=circular_title).click()
    item = public.get_by_role("row").filter(has_text=code)
    expect(item).to_contain_text(CAUSE)
    expect(item).to_contain_text(ACTION)
    expect(item).to_contain_text(UNIT)
    pdf_link = public.get_by_role("link", name="下载 PDF（可打印）")
    response = public.context.request.get(pdf_link.get_attribute("href") or "")
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    printed = pdftools.text_of(pdftools.save(response.body(), tmp_path, "circular.pdf"))
    squeezed = re.sub(r"\s+", "", printed)
    assert circular in squeezed and PROJECT in squeezed, printed
    public_project(public, code)
    named = public.locator("#circulars")
    expect(named.get_by_role("link", name=circular)).to_be_visible()
    expect(named).to_contain_text(f"整改要求：{ACTION}")
    expect(named).to_contain_text("尚未报送整改情况")

    # The lead unit answers the circular.
    open_item(handler, "通报整改")
    row = handler.get_by_role("row").filter(has_text=PROJECT)
    expect(row).to_contain_text(circular)
    row.get_by_role("link", name="报送整改情况").click()
    handler.get_by_label("整改情况").fill(ANSWER)
    handler.get_by_role("button", name="报送").click()
    expect(handler.get_by_role("status")).to_have_text("整改情况已报送。")
    public_project(public, code)
    expect(public.locator("#circulars")).to_contain_text(f"整改情况：{ANSWER}")
    public.get_by_role("link", name=circular).click()
    expect(public.get_by_role("row").filter(has_text=code)).to_contain_text(ANSWER)

    # 评估: a resident and a deputy rate it, the supervisor marks its quality, it is scored.
    resident_rates(person("rater"), db, code)
    deputy_rates(deputies[0], code)
    public_project(public, code)
    satisfaction = public.locator("#satisfaction")
    expect(satisfaction).to_contain_text("1 人评价：满意 1，基本满意 0，不满意 0。")
    expect(satisfaction).to_contain_text("满意率 100%")
    expect(satisfaction).to_contain_text("人大代表满意度测评：1 位代表参评，1 位满意，结果为“满意”")
    supervisor_marks_quality(supervisor, db, batch, code)

    # 建章立制: completed, and its practice fixed as a mechanism, listed publicly.
    admin_completes_and_makes_a_mechanism(admin, cal, code)
    public.goto("/projects/mechanisms")
    listed = public.get_by_role("row").filter(has=public.get_by_role("link", name=MECHANISM))
    expect(listed).to_contain_text("长效工作机制")
    expect(listed).to_contain_text(UNIT)
    public_project(public, code)
    assert "已完成" in stage_line(public)
    expect(public.get_by_text(f"已于 {cal.today.isoformat()} 完成。")).to_be_visible()
    expect(public.locator("#mechanisms").get_by_role("link", name=MECHANISM)).to_be_visible()
