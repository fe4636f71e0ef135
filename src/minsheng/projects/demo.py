"""The first batch of Kunshan's practical projects, run through the six steps by the real services.

Like the requests demo, every step is replayed with the clock set back to when it happened
(core.db.clock_at): collection and answers, the deputies' vote, the public notice, eight months of
reports (some late, some lagging), a circular with rectification answers, ratings by residents
and deputies, quality marks and the mechanisms the finished projects left behind. The batch
starts eight months before today, so the demo always looks current.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.accounts.demo import DEMO_PASSWORD
from minsheng.accounts.models import Resident
from minsheng.accounts.schemas import RoleGrantIn, StaffUserCreate
from minsheng.core.db import clock_at
from minsheng.core.permissions import ResidentPrincipal, StaffPrincipal
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Satisfaction
from minsheng.org import service as org
from minsheng.org.models import Unit
from minsheng.projects import (
    catalogue,
    circular_draft,
    circulars,
    collection,
    evaluation,
    jobs,
    mechanisms,
    notices,
    ratings,
    rectification,
    reports,
    stages,
    voting,
)
from minsheng.projects.demo_data import (
    BATCH_NAME,
    DEPUTIES,
    EXTRA_CANDIDATES,
    MECHANISMS,
    PROPOSALS,
    demo_projects,
)
from minsheng.projects.models import Batch, Project, Stage
from minsheng.projects.models_collection import ProposalSource, ProposalStatus, VoteChoice
from minsheng.projects.models_review import MechanismKind
from minsheng.projects.schemas_batches import BatchCreate
from minsheng.projects.schemas_catalogue import ProjectCreate, TargetIn
from minsheng.projects.schemas_circulars import (
    CircularDraft,
    CircularItemUpdate,
    RectificationAnswer,
)
from minsheng.projects.schemas_collection import (
    NoticeCreate,
    ObjectionCreate,
    ProposalAnswer,
    ProposalCreate,
    ProposalEntry,
)
from minsheng.projects.schemas_evaluation import DeputyRatingIn, MechanismCreate, RatingIn
from minsheng.projects.schemas_reports import ReportCreate, ResultIn

SHANGHAI = ZoneInfo("Asia/Shanghai")


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Loads the batch once: nothing happens when it is there, or when MINSHENG_DEMO_PROJECTS=0."""
    count = get_settings().demo_projects
    if count == 0 or db.scalar(select(Batch.id).limit(1)) is not None:
        return
    progress("实事项目（六步工作法）")
    _Replay(db, count).run()


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return _month_start(first, -1) - dt.timedelta(days=1)


class _Replay:
    def __init__(self, db: Session, count: int) -> None:
        self.db = db
        self.rng = random.Random(188)
        self.today = catalogue.local_today()
        self.start = _month_start(self.today, 8)  # eight reported months before this one
        self.year = self.start.year
        self.items = demo_projects()[:count]
        self.admin = self._principal("admin")
        self.supervisor = self._principal("supervisor")

    def _principal(self, username: str) -> StaffPrincipal:
        user = accounts.get_user_by_username(self.db, username=username)
        if user is None:
            raise RuntimeError(f"演示账号 {username} 不存在：请先载入账号演示数据")
        return accounts.principal(self.db, user=user)

    def _unit(self, name: str) -> Unit:
        unit = org.get_unit_by_name(self.db, name=name)
        if unit is None:
            raise RuntimeError(f"演示单位 {name} 不存在")
        return unit

    def run(self) -> None:
        self.deputies = self._deputies()
        batch = self._batch()
        proposals = self._collect(batch)
        projects = self._candidates(batch, proposals)
        self._vote(batch)
        self._notice(batch)
        self._report(projects)
        self._circular(batch)
        self._judge(projects)
        self._mechanisms(projects)
        with clock_at(_at(self.today, 8)):
            jobs.sweep(self.db, today=self.today)
        self.db.flush()

    def _deputies(self) -> list[StaffPrincipal]:
        congress = self._unit("昆山市人大常委会")
        for username, name in DEPUTIES:
            if accounts.get_user_by_username(self.db, username=username) is None:
                data = StaffUserCreate(
                    username=username,
                    display_name=name,
                    password=DEMO_PASSWORD,
                    roles=[RoleGrantIn(role="deputy", unit_id=congress.id)],
                )
                accounts.create_user(self.db, data=data)
        return [self._principal(username) for username, _ in DEPUTIES]

    def _batch(self) -> Batch:
        collect_from = _month_start(self.start, 2) + dt.timedelta(days=4)
        vote_opens = _month_start(self.start, 1) + dt.timedelta(days=19)
        with clock_at(_at(collect_from - dt.timedelta(days=3))):
            return catalogue.create_batch(
                self.db,
                staff=self.admin,
                data=BatchCreate(
                    code=f"{self.year}-1",
                    name=BATCH_NAME.replace("2026", str(self.year)),
                    scope="面向全市征集群众最关心、最直接、最现实的民生实事，一事一议。",
                    collect_from=collect_from,
                    collect_until=collect_from + dt.timedelta(days=35),
                    report_day=5,
                    vote_opens_at=_at(vote_opens, 9).replace(tzinfo=None),
                    vote_closes_at=_at(vote_opens + dt.timedelta(days=7), 17).replace(tzinfo=None),
                ),
            )

    def _collect(self, batch: Batch) -> list[str]:
        """Proposals from residents, a unit and a deputy, answered by the office."""
        numbers = []
        for index, (area, title, what) in enumerate(PROPOSALS):
            day = batch.collect_from + dt.timedelta(days=2 + index * 3)
            with clock_at(_at(day)):
                data: dict[str, Any] = {
                    "batch": batch.code,
                    "area": area,
                    "title": title,
                    "what": what,
                }
                if index == 2:
                    entry = ProposalEntry(
                        **data, source=ProposalSource.unit, unit_id=self._unit("周市镇人民政府").id
                    )
                    proposal = collection.enter(self.db, staff=self.admin, data=entry)
                elif index == 3:
                    entry = ProposalEntry(
                        **data,
                        source=ProposalSource.deputy,
                        deputy_id=self.deputies[0].user_id,
                    )
                    proposal = collection.enter(self.db, staff=self.admin, data=entry)
                else:
                    proposal = collection.submit(
                        self.db,
                        data=ProposalCreate(**data, phone=f"1390000{index:04d}"),
                        client_addr=f"demo-{index}",
                    )
            with clock_at(_at(day + dt.timedelta(days=5), 15)):
                if title.startswith("城区所有道路"):
                    answer = ProposalAnswer(
                        status=ProposalStatus.not_adopted,
                        answer="全市道路亮化投入大、群众受益面小，暂不列入；主干道照明缺损已转城管部门修复。",
                    )
                else:
                    answer = ProposalAnswer(
                        status=ProposalStatus.accepted, answer="建议已采纳，列入候选项目。"
                    )
                    numbers.append(proposal.number)
                collection.answer(self.db, staff=self.supervisor, proposal=proposal, data=answer)
        return numbers

    def _candidates(self, batch: Batch, proposals: list[str]) -> list[Project]:
        # The seed's projects that residents, a unit and a deputy proposed (see PROPOSALS).
        sources = {4: proposals[1], 3: proposals[2], 0: proposals[3], 10: proposals[7]}
        made = []
        with clock_at(_at(batch.collect_until + dt.timedelta(days=5))):
            for index, item in enumerate(self.items + EXTRA_CANDIDATES):
                early = index % 7 == 3 or item.title.startswith("“安全哨兵”")
                end_on = _month_end(_month_start(self.start, -5 if early else -9))
                lead = self._unit(item.lead)
                project = catalogue.create_project(
                    self.db,
                    staff=self.admin,
                    data=ProjectCreate(
                        batch=batch.code,
                        stage=Stage.candidate,
                        title=item.title,
                        description=item.description,
                        area=item.area,
                        lead_unit_id=lead.id,
                        co_unit_ids=[self._unit(name).id for name in item.co_units],
                        responsible_person=item.leader,
                        budget_wan=item.budget_wan,
                        start_on=self.start,
                        end_on=end_on,
                        targets=[
                            TargetIn(name=name, measure=measure, planned=planned)
                            for name, measure, planned in item.targets
                        ],
                        proposal_numbers=[sources[index]] if index in sources else [],
                    ),
                )
                made.append(project)
        return made

    def _vote(self, batch: Batch) -> None:
        assert batch.vote_opens_at is not None and batch.vote_closes_at is not None
        extra = {p.title for p in EXTRA_CANDIDATES}
        with clock_at(batch.vote_opens_at + dt.timedelta(hours=2)):
            for project in voting.ballot(self.db, batch=batch):
                for number, deputy in enumerate(self.deputies):
                    choice = VoteChoice.approve
                    if project.title in extra and number < 5:
                        choice = VoteChoice.oppose
                    elif self.rng.random() < 0.03:
                        choice = VoteChoice.abstain
                    voting.cast(self.db, staff=deputy, project=project, choice=choice)
        with clock_at(batch.vote_closes_at + dt.timedelta(hours=20)):
            voting.record_result(self.db, staff=self.admin, batch=batch)

    def _notice(self, batch: Batch) -> None:
        published = self.start - dt.timedelta(days=9)
        with clock_at(_at(published, 9)):
            notice = notices.draft(
                self.db,
                staff=self.admin,
                batch=batch,
                data=NoticeCreate(
                    title=f"关于{batch.name}的公示",
                    body="经群众建议、部门申报、代表提议和人大代表票决，确定以下项目，现予公示。",
                    objection_from=published,
                    objection_until=published + dt.timedelta(days=6),
                    contact="昆山市民生实事项目办公室 0512-57512345",
                ),
            )
            notices.publish(self.db, staff=self.admin, notice=notice)
        with clock_at(_at(published + dt.timedelta(days=2), 11)):
            objection = notices.file_objection(
                self.db,
                notice=notice,
                data=ObjectionCreate(text="建议把锦溪镇的老旧小区也列入加装电梯项目。"),
                client_addr="demo-objection",
            )
        with clock_at(_at(published + dt.timedelta(days=5), 16)):
            notices.answer_objection(
                self.db,
                staff=self.admin,
                objection=objection,
                text="感谢建议。锦溪镇老旧小区加装电梯已纳入下一批项目征集统筹考虑。",
            )
        with clock_at(_at(self.start, 9)):
            chosen = select(Project).where(Project.batch_id == batch.id)
            for project in self.db.scalars(chosen.where(Project.stage == Stage.chosen)):
                stages.start(self.db, project=project, actor_label="民生实事项目办公室")

    def _profile(self, project: Project) -> str:
        """How the project goes: done early, on plan, lagging (yellow) or far behind (red)."""
        if project.end_on < self.today - dt.timedelta(days=60):
            return "done"
        roll = self.rng.random()
        return "red" if roll < 0.04 else "yellow" if roll < 0.14 else "plan"

    def _report(self, projects: list[Project]) -> None:
        running = [p for p in projects if p.stage == Stage.running]
        profiles = {p.id: self._profile(p) for p in running}
        filer = self.admin
        for back in range(8, 0, -1):
            month_first = _month_start(self.today, back)
            month_end = _month_end(month_first)
            for project in running:
                if project.stage != Stage.running:
                    continue
                percent = self._percent(project, profiles[project.id], month_end, back)
                day = _month_start(self.today, back - 1) + dt.timedelta(
                    days=self.rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 6, 8]) - 1
                )
                with clock_at(_at(day, 10)):
                    self._file(project, percent, month_first, day, filer)
                    if percent >= 100 and profiles[project.id] == "done":
                        stages.complete(self.db, staff=self.admin, project=project)

    def _percent(self, project: Project, profile: str, on: dt.date, back: int) -> float:
        from minsheng.projects.service import planned_percent

        planned = planned_percent(project, on)
        if profile == "done":
            return min(100.0, round(planned + 5))
        if profile == "yellow" and back <= 5:
            planned -= 15 + self.rng.uniform(0, 4)
        elif profile == "red" and back <= 4:
            planned -= 35 + self.rng.uniform(0, 5)
        else:
            planned += self.rng.uniform(-4, 5)
        # Never below last month's figure: a lagging project stalls, it does not go back.
        return max(project.progress, min(99.0, round(max(planned, 3.0))))

    def _file(
        self,
        project: Project,
        percent: float,
        month_first: dt.date,
        day: dt.date,
        filer: StaffPrincipal,
    ) -> None:
        month = f"{month_first.year:04d}-{month_first.month:02d}"
        lagging = percent < 40 and month_first.month % 3 == 0
        reports.file_report(
            self.db,
            project,
            ReportCreate(
                month=month,
                progress=percent,
                done=f"按计划推进“{project.title}”，累计完成{percent:.0f}%。",
                problems="施工队伍进场推迟，部分点位协调难度大。" if lagging else "",
                next_steps="加快推进，确保按期完成。",
                results=[
                    ResultIn(target_id=t.id, value=round(t.planned * percent / 100))
                    for t in project.targets
                ],
            ),
            staff=filer,
            today=day,
        )

    def _circular(self, batch: Batch) -> None:
        """The circular on the month before last, with most named units' answers."""
        month_first = _month_start(self.today, 2)
        month = f"{month_first.year:04d}-{month_first.month:02d}"
        drafted = _month_start(self.today, 1) + dt.timedelta(days=9)
        with clock_at(_at(drafted, 9)):
            circular = circular_draft.draft(
                self.db, data=CircularDraft(batch=batch.code, month=month), staff=self.supervisor
            )
            for item in circular.items:
                circulars.update_item(
                    self.db,
                    item=item,
                    staff=self.supervisor,
                    data=CircularItemUpdate(
                        cause="前期手续办理和施工协调用时超出计划，推进力度不够。",
                        required_action="制定赶进度计划，明确节点和责任人，按期报送整改情况。",
                    ),
                )
        with clock_at(_at(drafted + dt.timedelta(days=1), 10)):
            circulars.approve(self.db, circular=circular, staff=self.admin)
            circulars.publish(self.db, circular=circular, staff=self.admin)
        with clock_at(_at(drafted + dt.timedelta(days=6), 15)):
            for item in circular.items[: max(1, len(circular.items) * 2 // 3)]:
                rectification.answer(
                    self.db,
                    item=item,
                    staff=self.admin,
                    data=RectificationAnswer(
                        answer="已召开专题推进会，倒排工期，增加施工力量，下月进度可追上计划。"
                    ),
                )

    def _judge(self, projects: list[Project]) -> None:
        """Residents and deputies rate; supervisors mark the quality of finished projects."""
        rated = [p for p in projects if p.stage in (Stage.running, Stage.completed)]
        with clock_at(_at(self.today - dt.timedelta(days=3), 20)):
            phone = 13700000000
            for project in rated[::4]:
                for _ in range(self.rng.randint(3, 12)):
                    phone += 1
                    resident = Resident(phone=str(phone))
                    self.db.add(resident)
                    self.db.flush()
                    roll = self.rng.random()
                    mood = (
                        Satisfaction.satisfied
                        if roll < 0.78
                        else Satisfaction.basic
                        if roll < 0.94
                        else Satisfaction.dissatisfied
                    )
                    ratings.rate(
                        self.db,
                        project=project,
                        resident=ResidentPrincipal(resident_id=resident.id, phone=resident.phone),
                        data=RatingIn(satisfaction=mood, via="site" if phone % 3 else "page"),
                        client_addr=f"demo-{phone}",
                    )
            for project in (p for p in projects if p.stage == Stage.completed):
                for deputy in self.deputies:
                    mood = (
                        Satisfaction.satisfied if self.rng.random() < 0.85 else Satisfaction.basic
                    )
                    ratings.deputy_rate(
                        self.db,
                        project=project,
                        deputy=deputy,
                        data=DeputyRatingIn(satisfaction=mood),
                    )
                evaluation.set_quality(
                    self.db,
                    project=project,
                    score=float(self.rng.randint(80, 98)),
                    note="现场检查：完成质量好，群众反映良好，资料齐全。",
                    staff=self.supervisor,
                )

    def _mechanisms(self, projects: list[Project]) -> None:
        done = {p.title: p for p in projects if p.stage == Stage.completed}
        with clock_at(_at(self.today - dt.timedelta(days=10), 10)):
            for title, kind, unit, source in MECHANISMS:
                project = next((p for t, p in done.items() if source in t), None)
                if project is None:
                    continue
                mechanisms.create(
                    self.db,
                    staff=self.supervisor,
                    upload=None,
                    data=MechanismCreate(
                        title=title,
                        kind=MechanismKind(kind),
                        issuing_unit_id=self._unit(unit).id,
                        effective_on=self.today - dt.timedelta(days=10),
                        text=f"第一条　为巩固“{project.title}”成果，形成长效机制，制定本办法。\n"
                        "第二条　牵头单位每季度检查一次落实情况，结果向社会公开。\n"
                        "第三条　本办法自印发之日起施行。",
                        projects=[project.code],
                    ),
                )
