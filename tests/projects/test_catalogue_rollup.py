"""Progress rolled up into the batch and its units: "全部N个项目已全面开展" only when it is true."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.projects import rollup
from minsheng.projects.models import Stage
from tests.projects.catalogue import EDUCATION, kunshan, make_batch, make_project, unit_id

# June's reports are due by July 5th: from then on figures are judged against the plan at the
# end of June, where make_project's plan stands at 50%.
ON = dt.date(2026, 7, 10)


@pytest.fixture
def batch(db):
    kunshan(db)
    return make_batch(db)


def test_figures_count_started_completed_lagging_and_weigh_progress(db, batch):
    on_plan = make_project(db, title="农村自建房消防隐患排查", weight=2)
    lagging = make_project(db, title="个体经营知晓卡", weight=1)
    red = make_project(db, title="小艾之家", weight=1, lead_unit_id=unit_id(db, EDUCATION))
    done = make_project(db, title="主任接待日", weight=1)
    make_project(db, title="候选：老旧小区加装电梯", stage="candidate")
    stopped = make_project(db, title="已终止的项目")
    on_plan.progress, on_plan.started_on = 52.0, dt.date(2026, 3, 5)
    lagging.progress, lagging.started_on = 38.0, dt.date(2026, 3, 10)  # 12 points behind
    red.progress = 0.0  # not started four months in
    done.stage, done.progress = Stage.completed, 100.0
    stopped.stage = Stage.stopped
    db.commit()

    figures = rollup.batch_figures(db, batch, ON)
    assert figures["total"] == 4 and figures["stopped"] == 1
    assert figures["started"] == 3 and figures["completed"] == 1
    assert (figures["lagging"], figures["yellow"], figures["red"]) == (2, 1, 1)
    assert figures["on_schedule"] == 2  # the one on plan and the completed one
    # (2 × 52 + 38 + 0 + 100) / 5
    assert figures["weighted_progress"] == pytest.approx(48.4)
    assert figures["headline"] == "4个项目中3个已开工，其中1个已完成"

    units = {row["unit"]: row for row in rollup.unit_figures(db, batch, ON)}
    assert units["昆山市教育局"]["projects"] == 1 and units["昆山市教育局"]["red"] == 1
    housing = units["昆山市住房和城乡建设局"]
    assert (housing["projects"], housing["started"], housing["lagging"]) == (3, 3, 1)
    assert housing["weighted_progress"] == pytest.approx((2 * 52 + 38 + 100) / 4, abs=0.05)
    # The unit with red first: where the supervisor looks first.
    assert rollup.unit_figures(db, batch, ON)[0]["unit"] == "昆山市教育局"


def test_all_started_is_said_only_when_every_project_has_started(db, batch):
    projects = [make_project(db, title=f"项目{i}") for i in range(3)]
    for project in projects:
        project.progress = 10.0
    db.commit()
    figures = rollup.batch_figures(db, batch, ON)
    assert figures["headline"] == "全部3个项目已全面开展"
    projects[2].progress = 0.0
    db.commit()
    assert rollup.batch_figures(db, batch, ON)["headline"] == "3个项目中2个已开工"
    for project in projects:
        project.stage = Stage.completed
    db.commit()
    assert rollup.batch_figures(db, batch, ON)["headline"] == "全部3个项目已完成"


def test_an_empty_batch_says_so_and_weighs_nothing(db, batch):
    figures = rollup.batch_figures(db, batch, ON)
    assert figures["total"] == 0 and figures["weighted_progress"] == 0
    assert figures["headline"] == "本批次还没有确定的实事项目"
    assert rollup.unit_figures(db, batch, ON) == []
