"""The steps of a practical project's life as people take them in the browser, for
test_projects_loop.py: each function is one person doing one thing through the pages."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.notify.models import OutboundMessage
from minsheng.projects import evaluation
from minsheng.projects.service import get_batch, month_key
from tests.browser.test_request_loop import choose, go_to, sign_in, value_of

UNIT = "昆山市住房和城乡建设局"  # the demo account `handler` works here
CONGRESS = "昆山市人大常委会"
DEPUTIES = ("deputy1", "deputy2", "deputy3")
PHONE = "13812345678"
RATER = "13912345678"
CODE_IN_SMS = re.compile(r"验证码是 (\d{6})")

PROPOSAL = "老旧小区楼道照明和扶手改造"
PROJECT = "老旧小区楼道照明和扶手改造工程"
CAUSE = "施工单位进场晚，部分楼栋验收不合格返工。"
ACTION = "倒排工期，增加施工班组，下月底前追上计划进度。"
ANSWER = "已增加两个施工班组，返工楼栋本月完成复验，进度已追至计划的九成。"
MECHANISM = "老旧小区公共设施常态化维护制度"


class Calendar:
    """The dates of the story, around today in the installation's time zone."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(ZoneInfo(get_settings().timezone))
        self.today = self.now.date()
        # Four months back, so that three whole past months can be reported; ten months long.
        self.start = self.first_of(-4)
        self.end = self.first_of(6) - dt.timedelta(days=1)
        self.months = [month_key(self.first_of(k)) for k in (-3, -2, -1)]

    def first_of(self, shift: int) -> dt.date:
        index = self.today.year * 12 + self.today.month - 1 + shift
        return dt.date(index // 12, index % 12 + 1, 1)

    def moment(self, delta: dt.timedelta) -> str:
        return (self.now + delta).strftime("%Y-%m-%dT%H:%M")


NAV = {
    "实事项目": "/staff/projects",
    "项目征集": "/staff/projects/proposals",
    "月报填报": "/staff/projects/reports",
    "问题通报": "/staff/projects/circulars",
    "通报整改": "/staff/projects/circulars?mine=1",
    "绩效评估": "/staff/projects/evaluation",
    "代表票决": "/staff/projects/votes",
    "满意度测评": "/staff/projects/survey",
    "建章立制": "/staff/projects/mechanisms",
}


def open_item(page: Page, item: str) -> None:
    """Follows a staff navigation item and waits for its page, not the one it leaves."""
    if "/staff" not in page.url:  # back from the public site to the workbench first
        page.goto("/staff")
    go_to(page, item)
    expect(page).to_have_url(re.compile(re.escape(NAV[item]) + "$"))


def month_words(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def public_project(page: Page, code: str) -> Page:
    page.goto(f"/projects/{code}")
    expect(page.get_by_role("heading", name=PROJECT, level=1)).to_be_visible()
    return page


def stage_line(page: Page) -> str:
    return page.locator("h1 + p").inner_text()


# 征集公示: batch, proposal, answer, shortlist, vote, notice


def admin_opens_a_batch(admin: Page, cal: Calendar, code: str, name: str) -> None:
    sign_in(admin, "admin")
    open_item(admin, "实事项目")
    admin.get_by_role("link", name="批次", exact=True).click()
    admin.get_by_role("link", name="新增批次").click()
    admin.get_by_label("批次编号").fill(code)
    admin.get_by_label("批次名称").fill(name)
    admin.get_by_label("征集范围").fill("全市范围内群众普遍关心、当年能办成的民生实事。")
    admin.get_by_label("征集开始日期").fill((cal.today - dt.timedelta(days=20)).isoformat())
    admin.get_by_label("征集截止日期").fill((cal.today + dt.timedelta(days=20)).isoformat())
    admin.get_by_label("每月报送日").fill("5")
    admin.get_by_label("票决开始时间").fill(cal.moment(-dt.timedelta(days=1)))
    admin.get_by_label("票决截止时间").fill(cal.moment(dt.timedelta(days=3)))
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_role("status")).to_have_text("已保存。")
    expect(admin.get_by_role("link", name=name)).to_be_visible()


def resident_proposes(resident: Page, name: str) -> str:
    resident.goto("/projects/proposals/new")
    expect(resident.get_by_role("heading", name="提出实事项目建议", level=1)).to_be_visible()
    expect(resident.get_by_text(f"征集批次：{name}")).to_be_visible()
    resident.get_by_label("领域").select_option(label="住房物业")
    resident.get_by_label("建议标题").fill(PROPOSAL)
    resident.get_by_label("建议办什么").fill(
        "为玉山镇建成二十年以上的老旧小区更换楼道声控灯，在楼梯加装扶手，先做老人多的楼栋。"
    )
    resident.get_by_label("为什么要办").fill("楼道晚上黑，楼梯没有扶手，老人上下楼摔过好几次。")
    resident.get_by_label("建议怎么办").fill("由住建局统一招标施工，社区摸排需要改造的楼栋。")
    resident.get_by_label("怎么称呼您").fill("王女士")
    resident.get_by_label("手机号码").fill(PHONE)
    resident.get_by_role("button", name="提交建议").click()
    expect(resident).to_have_url(re.compile(r"/projects/proposals/JY\d{4}-\d{4}\?sent=1$"))
    number = value_of(resident, "编号").inner_text().strip()
    expect(resident.get_by_role("heading", name=PROPOSAL, level=1)).to_be_visible()
    expect(value_of(resident, "答复状态")).to_have_text("待答复")
    return number


def office_accepts_and_shortlists(supervisor: Page, cal: Calendar, batch: str, number: str) -> str:
    sign_in(supervisor, "supervisor")
    open_item(supervisor, "项目征集")
    supervisor.get_by_role("link", name=number).click()
    expect(supervisor.get_by_role("heading", name=f"{number} {PROPOSAL}")).to_be_visible()
    expect(value_of(supervisor, "提出人")).to_contain_text("王女士")
    supervisor.get_by_label("答复结果").select_option(label="采纳")
    supervisor.get_by_label("答复意见").fill("建议很好，已列入今年的候选实事项目，由住建局牵头。")
    supervisor.get_by_role("button", name="答复", exact=True).click()
    expect(value_of(supervisor, "答复状态")).to_have_text("已采纳")

    supervisor.goto(f"/staff/projects/proposals?batch={batch}")
    supervisor.get_by_role("link", name="遴选候选项目").click()
    supervisor.get_by_label(re.compile(f"^{number} {PROPOSAL}")).check()
    supervisor.get_by_label("项目名称").fill(PROJECT)
    supervisor.get_by_label("项目内容").fill("改造老旧小区楼道照明，加装楼梯扶手。")
    supervisor.get_by_label("领域").select_option(label="住房物业")
    choose(supervisor.get_by_label("牵头单位"), UNIT)
    supervisor.get_by_label("责任领导").fill("住建局副局长 周平")
    supervisor.get_by_label("预算（万元）").fill("320")
    supervisor.get_by_label("计划开始日期").fill(cal.start.isoformat())
    supervisor.get_by_label("计划完成日期").fill(cal.end.isoformat())
    supervisor.locator("#f-target_name_0").fill("改造楼栋")
    supervisor.locator("#f-target_planned_0").fill("16")
    supervisor.locator("#f-target_measure_0").fill("栋")
    supervisor.get_by_role("button", name="形成候选项目").click()
    status = supervisor.get_by_role("status")
    expect(status).to_contain_text("已形成候选项目")
    found = re.search(rf"已形成候选项目 ({re.escape(batch)}-\d{{3}})。", status.inner_text())
    assert found, status.inner_text()
    return found.group(1)


def deputy_votes(deputy: Page, username: str, code: str) -> None:
    sign_in(deputy, username)
    open_item(deputy, "代表票决")
    expect(deputy.get_by_text("正在票决。")).to_be_visible()
    ballot = deputy.locator(f"#vote-{code}")
    expect(ballot).to_contain_text(PROJECT)
    ballot.get_by_label("赞成", exact=True).check()
    ballot.get_by_role("button", name="投票").click()
    expect(deputy.get_by_role("status")).to_have_text("已投票。")
    expect(deputy.locator(f"#vote-{code}")).to_contain_text("您已投票：赞成")


def office_publishes_the_result_and_the_notice(
    supervisor: Page, cal: Calendar, name: str, code: str
) -> str:
    open_item(supervisor, "项目征集")
    supervisor.get_by_role("link", name="票决", exact=True).click()
    expect(supervisor.get_by_text("票决已截止。")).to_be_visible()
    expect(supervisor.get_by_text("已收到 3 张选票。")).to_be_visible()
    supervisor.get_by_role("button", name="记录并公布票决结果").click()
    expect(supervisor.get_by_role("status")).to_have_text("票决结果已记录并公布。")

    supervisor.get_by_role("link", name="下一步：发布公示").click()
    supervisor.get_by_role("link", name="起草公示").click()
    choose(supervisor.get_by_label("批次"), name)
    title = f"关于{name}的公示"
    supervisor.get_by_label("公示标题").fill(title)
    supervisor.get_by_label("公示正文").fill("经人大代表票决，下列项目确定为今年的民生实事项目。")
    supervisor.get_by_label("异议期开始日期").fill(cal.today.isoformat())
    supervisor.get_by_label("异议期截止日期").fill((cal.today + dt.timedelta(days=7)).isoformat())
    supervisor.get_by_label("受理异议的部门和电话").fill("市政府办公室 0512-57311004")
    supervisor.get_by_role("button", name="保存草稿").click()
    expect(supervisor.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(supervisor.get_by_role("listitem").filter(has_text=code)).to_contain_text(UNIT)
    supervisor.get_by_role("button", name="发布公示").click()
    expect(supervisor.get_by_role("status")).to_have_text("公示已发布，所列项目已转为实施中。")
    supervisor.get_by_role("link", name="查看公开页面").click()
    return title


# 月报进展: three months reported by the lead unit


def handler_reports(
    handler: Page,
    code: str,
    month: str,
    progress: str,
    done: str,
    built: str,
    regress_reason: str = "",
) -> None:
    open_item(handler, "月报填报")
    handler.get_by_label("月份").select_option(month)
    handler.get_by_role("button", name="查看").click()
    expect(handler.get_by_role("heading", name=f"{month_words(month)} 月报")).to_be_visible()
    row = handler.get_by_role("row").filter(has_text=code)
    row.get_by_role("link", name="填报").click()
    expect(handler.get_by_role("heading", name="填报月报", level=1)).to_be_visible()
    expect(handler.get_by_label("月份")).to_have_value(month)
    handler.get_by_label("累计进度（%）").fill(progress)
    handler.get_by_label("本月完成情况").fill(done)
    handler.get_by_label("改造楼栋（栋）").fill(built)
    handler.get_by_label("下步计划").fill("按计划推进剩余楼栋施工。")
    if regress_reason:
        # Going backwards without a reason is refused beside the field, and nothing is saved.
        handler.get_by_role("button", name="提交月报").click()
        expect(handler.locator("#e-regress_reason")).to_contain_text("请填写进度回退原因")
        handler.get_by_label("进度回退原因").fill(regress_reason)
    handler.get_by_role("button", name="提交月报").click()
    expect(handler.get_by_role("status")).to_have_text(f"已填报项目 {code} 的月报。")


def report_entry(page: Page, month: str) -> str:
    return page.locator(f"#report-{month}").inner_text()


# 问题通报: drafted, approved by another, published, answered


def supervisor_drafts_a_circular(supervisor: Page, name: str, month: str, code: str) -> None:
    open_item(supervisor, "问题通报")
    choose(supervisor.get_by_label("批次"), name)
    expect(supervisor.get_by_label("通报月份")).to_have_value(month)
    supervisor.get_by_role("button", name="起草").click()
    expect(supervisor.get_by_role("status")).to_have_text("已保存。")
    item = supervisor.locator("form.card").filter(
        has=supervisor.get_by_role("heading", name=f"1. {PROJECT}（{code}）")
    )
    expect(item).to_contain_text("黄色预警")
    expect(item.get_by_label("进展情况")).to_have_value(re.compile(r"实际进度26%"))
    item.get_by_label("滞后原因").fill(CAUSE)
    item.get_by_label("整改要求").fill(ACTION)
    item.get_by_role("button", name="保存", exact=True).click()
    expect(supervisor.get_by_role("status")).to_have_text("已保存。")


def admin_approves_and_publishes(admin: Page, title: str) -> str:
    open_item(admin, "问题通报")
    admin.get_by_role("link", name=title).click()
    admin.get_by_role("button", name="审核通过").click()
    expect(admin.get_by_role("status")).to_have_text("已审核，可以发布。")
    admin.get_by_role("button", name="发布", exact=True).click()
    expect(admin.get_by_text("已发布，已通知被通报项目的牵头单位。")).to_be_visible()
    expect(admin.get_by_text("待答复 1，逾期未答复 0。")).to_be_visible()
    number = value_of(admin, "文号").inner_text().strip()
    assert re.fullmatch(r"昆实事通〔\d{4}〕1号", number), number
    admin.get_by_role("link", name="公开页面").click()
    return number


# 绩效评估: ratings, quality, score


def resident_rates(resident: Page, db: Session, code: str) -> None:
    public_project(resident, code)
    resident.get_by_role("link", name="我来评价").click()
    expect(resident).to_have_url(re.compile(rf"/projects/{code}/rate$"))
    resident.get_by_label("手机号码").fill(RATER)
    resident.get_by_role("button", name="获取验证码").click()
    expect(resident.get_by_label("验证码")).to_be_visible()  # the code has been sent by now
    resident.get_by_label("验证码").fill(code_sent_to(db, RATER))
    resident.get_by_role("button", name="登录", exact=True).click()
    expect(resident).to_have_url(re.compile(rf"/projects/{code}/rate$"))
    resident.get_by_label("满意", exact=True).check()
    resident.get_by_label("意见建议（选填）").fill("楼道亮了，扶手也装好了，老人上下楼放心多了。")
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_role("status").first).to_contain_text("感谢您的评价！")


def code_sent_to(db: Session, phone: str) -> str:
    """The one-time code of the last SMS to `phone`, from the notify outbox."""
    bodies = db.scalars(
        select(OutboundMessage.body)
        .where(OutboundMessage.recipient == phone)
        .order_by(OutboundMessage.id.desc())
    ).all()
    db.commit()  # ends the read, so the live server's writes are never held up
    found = CODE_IN_SMS.search(bodies[0]) if bodies else None
    assert found, bodies
    return found.group(1)


def deputy_rates(deputy: Page, code: str) -> None:
    open_item(deputy, "满意度测评")
    card = deputy.locator(f"#p-{code}")
    expect(card).to_contain_text(PROJECT)
    card.get_by_label("满意", exact=True).check()
    card.get_by_role("button", name="提交测评").click()
    expect(deputy.get_by_role("status")).to_have_text(f"项目 {code} 的测评已提交。")
    expect(deputy.locator(f"#p-{code}")).to_contain_text("您的测评：满意。")


def supervisor_marks_quality(supervisor: Page, db: Session, batch: str, code: str) -> None:
    open_item(supervisor, "绩效评估")
    supervisor.get_by_role("link", name=f"{code} {PROJECT}").click()
    supervisor.get_by_role("textbox", name="质量评分").fill("90")
    supervisor.get_by_label("评分理由").fill("现场抽查十栋，灯具和扶手安装牢固，资料齐全。")
    supervisor.get_by_role("button", name="保存评分").click()
    expect(supervisor.get_by_text(re.compile(r"现在的评分：90，"))).to_be_visible()

    open_item(supervisor, "绩效评估")
    row = supervisor.locator(f"#p-{code}")
    result = evaluation.evaluate(db, batch=get_batch(db, code=batch), on=Calendar().today)
    [scored] = [r for r in result.projects if r.project.code == code]
    db.commit()
    assert scored.total is not None
    expect(row.locator("td").last).to_have_text(f"{scored.total:.1f}")
    expect(row.locator("td").first).to_have_text("1")  # the batch's only project ranks first


# 建章立制: completed and turned into a mechanism


def admin_completes_and_makes_a_mechanism(admin: Page, cal: Calendar, code: str) -> None:
    open_item(admin, "实事项目")
    admin.get_by_role("link", name=PROJECT).click()
    expect(admin.get_by_label("完成日期")).to_have_value(cal.today.isoformat())
    admin.get_by_role("button", name="标记为完成").click()
    expect(admin.get_by_role("status")).to_have_text("项目已标记为完成，关注的群众会收到短信。")

    open_item(admin, "建章立制")
    admin.get_by_role("link", name=f"形成长效机制 {PROJECT}").click()
    expect(admin.get_by_label("来源项目编号")).to_have_value(code)
    admin.get_by_label("名称").fill(MECHANISM)
    admin.get_by_label("类型").select_option(label="长效工作机制")
    choose(admin.get_by_label("发文单位"), UNIT)
    admin.get_by_label("施行日期").fill(cal.today.isoformat())
    admin.get_by_label("正文").fill(
        "一、各区镇每年对老旧小区楼道照明和扶手开展一次全面排查。\n二、发现损坏的，物业七日内修复。"
    )
    admin.get_by_role("button", name="发布").click()
    expect(admin.get_by_role("status")).to_have_text("已保存。")
