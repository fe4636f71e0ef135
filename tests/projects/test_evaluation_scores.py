"""绩效评估: each indicator's score from the data, the figures it shows, the weighted total with
weights of missing indicators shared out, and the ranking of projects and lead units."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.core.settings import get_settings
from minsheng.feedback.models import Satisfaction
from minsheng.projects import evaluation
from minsheng.projects.models import Stage
from minsheng.projects.models_review import QualityScore
from tests import projects as make
from tests.projects import evaluation_kit as kit

S, B, D = Satisfaction.satisfied, Satisfaction.basic, Satisfaction.dissatisfied
ON = dt.date(2026, 7, 10)


def scores_of(db, batch, on=ON):
    result = evaluation.evaluate(db, batch=batch, on=on)
    return result, {s.project.code: {x.code: x for x in s.scores} for s in result.projects}


def test_progress_is_actual_over_planned_capped_at_100(db) -> None:
    batch = make.batch(db)
    lead = make.unit(db, make.HOUSING_BUREAU)
    behind = make.project(
        db, batch, lead, "2026-1-001", milestones=(("排查完成", dt.date(2026, 5, 1), 50.0),)
    )
    ahead = make.project(
        db, batch, lead, "2026-1-002", milestones=(("排查完成", dt.date(2026, 5, 1), 50.0),)
    )
    done = make.project(db, batch, lead, "2026-1-003", stage=Stage.completed)
    not_yet = make.project(db, batch, lead, "2026-1-004", start_on=dt.date(2026, 9, 1))
    behind.progress, behind.progress_month = 45.0, "2026-04"
    ahead.progress = 80.0
    done.completed_on = dt.date(2026, 6, 30)
    db.flush()

    _, scores = scores_of(db, batch, on=dt.date(2026, 5, 1))
    first = scores["2026-1-001"]["progress"]
    assert first.value == pytest.approx(90.0)
    assert "实际进度 45%（2026-04 月报）" in first.evidence
    assert "计划进度 50%" in first.evidence and "45 ÷ 50 × 100 = 90" in first.evidence
    assert scores["2026-1-002"]["progress"].value == 100.0
    assert "超过 100 按 100 计" in scores["2026-1-002"]["progress"].evidence
    assert scores["2026-1-003"]["progress"].value == 100.0
    assert "项目已完成（2026-06-30）" in scores["2026-1-003"]["progress"].evidence
    assert scores["2026-1-004"]["progress"].value is None
    assert scores["2026-1-004"]["progress"].shown == "无数据"
    assert not_yet.code in scores  # scored on the other indicators all the same


def test_timeliness_counts_late_and_missing_months_against_the_unit(db) -> None:
    batch = make.batch(db, report_day=5)
    project = make.project(db, batch, make.unit(db, make.HOUSING_BUREAU))
    kit.report(db, project, batch, "2026-03")
    kit.report(db, project, batch, "2026-04", late=True)
    kit.report(db, project, batch, "2026-06")
    # 2026-05 is missing; 2026-07's report is due on 8 August, after the evaluation day.

    _, scores = scores_of(db, batch, on=ON)
    timeliness = scores[project.code]["timeliness"]
    assert timeliness.value == pytest.approx(50.0)
    assert "应报 4 个月（2026-03 至 2026-06），按时 2 个" in timeliness.evidence
    assert "迟报 1 个（2026-04）" in timeliness.evidence
    assert "缺报 1 个（2026-05）" in timeliness.evidence
    assert timeliness.evidence.endswith("2 ÷ 4 × 100 = 50")

    fresh = make.project(db, batch, project.lead_unit, "2026-1-002")
    _, before = scores_of(db, batch, on=dt.date(2026, 4, 5))
    assert before[fresh.code]["timeliness"].value is None  # March is due on 5 April, not before
    assert before[fresh.code]["timeliness"].evidence == "截至 2026-04-05 还没有到期的月报"
    _, after = scores_of(db, batch, on=dt.date(2026, 4, 6))
    assert after[fresh.code]["timeliness"].value == 0  # March missing


def test_targets_average_each_share_capped_at_one(db) -> None:
    batch = make.batch(db)
    project = make.project(
        db,
        batch,
        make.unit(db, make.HOUSING_BUREAU),
        targets=(("惠及企业", "家", 40000), ("修复设施", "处", 16)),
    )
    project.targets[0].achieved, project.targets[1].achieved = 32000, 20
    db.flush()
    _, scores = scores_of(db, batch)
    targets = scores[project.code]["targets"]
    assert targets.value == pytest.approx(90.0)
    assert "惠及企业 32000/40000 家 = 80%" in targets.evidence
    assert "修复设施 20/16 处 = 100%" in targets.evidence
    assert "2 项平均" in targets.evidence and targets.evidence.endswith("= 90")


def test_quality_needs_a_reason_and_a_mark_within_0_to_100(db) -> None:
    batch = make.batch(db)
    project = make.project(db, batch, make.unit(db, make.HOUSING_BUREAU))
    staff = kit.principal(db, kit.supervisor(db))
    with pytest.raises(InvalidInput) as refused:
        evaluation.set_quality(db, project=project, score=120, note=" ", staff=staff)
    assert refused.value.fields == {
        "score": "质量评分须在 0 到 100 之间",
        "note": "请写明评分理由",
    }
    assert db.scalar(select(QualityScore)) is None

    evaluation.set_quality(db, project=project, score=85, note="现场检查台账齐全", staff=staff)
    evaluation.set_quality(db, project=project, score=82, note="复查发现两处未整改", staff=staff)
    assert len(db.scalars(select(QualityScore)).all()) == 1  # the latest mark stands
    _, scores = scores_of(db, batch)
    quality = scores[project.code]["quality"]
    assert quality.value == 82
    assert "督查评分 82" in quality.evidence and "复查发现两处未整改" in quality.evidence

    candidate = make.project(db, batch, project.lead_unit, "2026-1-009", stage=Stage.candidate)
    with pytest.raises(Conflict):
        evaluation.set_quality(db, project=candidate, score=80, note="不应评分", staff=staff)


def test_satisfaction_takes_residents_and_deputies_half_each(db, monkeypatch) -> None:
    batch = make.batch(db)
    project = make.project(db, batch, make.unit(db, make.HOUSING_BUREAU))
    kit.resident_ratings(db, project, S, S, S, B, D)
    _, scores = scores_of(db, batch)
    alone = scores[project.code]["satisfaction"]
    assert alone.value == pytest.approx(80.0)
    assert "群众评价 5 人（满意 3、基本满意 1、不满意 1），满意率 80" in alone.evidence

    kit.deputy_ratings(db, project, S, S, D)
    _, scores = scores_of(db, batch)
    both = scores[project.code]["satisfaction"]
    assert both.value == pytest.approx(0.5 * 80 + 0.5 * 200 / 3)
    assert "人大代表测评 3 人（满意 2、基本满意 0、不满意 1），满意率 66.7" in both.evidence
    assert "测评结果“满意”" in both.evidence
    assert "80 × 0.5 + 66.7 × 0.5 = 73.3" in both.evidence

    # 基本满意 counts by the same setting as for requests.
    monkeypatch.setenv("MINSHENG_BASIC_WEIGHT", "0.5")
    get_settings.cache_clear()
    deputies_gone = make.project(db, batch, project.lead_unit, "2026-1-002")
    kit.resident_ratings(db, deputies_gone, S, S, S, B, D)
    _, scores = scores_of(db, batch)
    assert scores["2026-1-002"]["satisfaction"].value == pytest.approx(70.0)


def test_weights_of_indicators_without_data_go_to_the_others(db) -> None:
    batch = make.batch(db)
    project = make.project(
        db, batch, make.unit(db, make.HOUSING_BUREAU), end_on=dt.date(2026, 7, 10)
    )
    project.progress = 60.0  # the plan stands at 100 on its last day
    project.targets[0].achieved = 20000
    kit.report(db, project, batch, "2026-03")
    db.flush()
    result, scores = scores_of(db, batch)
    s = scores[project.code]
    assert s["quality"].value is None and s["satisfaction"].value is None
    # 进度 30, 月报及时 15, 目标完成 25 share 100: 42.86, 21.43, 35.71.
    assert s["progress"].effective_weight == pytest.approx(30 * 100 / 70)
    assert s["timeliness"].effective_weight == pytest.approx(15 * 100 / 70)
    assert s["quality"].effective_weight == 0
    expected = (60 * 30 + 25 * 15 + 50 * 25) / 70  # timeliness: 1 of 4 months on time
    (row,) = result.projects
    assert row.total == pytest.approx(expected)
    assert "质量、满意度无数据，其权重按比例分给其他指标" in row.evidence
    assert "进度 60 × 42.9" in row.evidence


def test_projects_and_lead_units_are_ranked_by_total(db) -> None:
    batch = make.batch(db)
    housing = make.unit(db, make.HOUSING_BUREAU)
    other = make.unit(db, "昆山市市场监督管理局")
    staff = kit.principal(db, kit.supervisor(db))
    marks = {"2026-1-001": 70, "2026-1-002": 95, "2026-1-003": 95, "2026-1-004": 40}
    leads = {"2026-1-001": housing, "2026-1-002": other, "2026-1-003": housing}
    for code, mark in marks.items():
        project = make.project(db, batch, leads.get(code, other), code)
        evaluation.set_quality(db, project=project, score=mark, note="按现场检查评分", staff=staff)
    make.project(db, batch, housing, "2026-1-005", stage=Stage.candidate)
    evaluation.set_scheme(
        db, batch=batch, items=[evaluation.IndicatorIn(code="quality", label="质量", weight=100)]
    )
    result = evaluation.evaluate(db, batch=batch, on=ON)
    ranked = [(s.project.code, s.rank, s.total) for s in result.projects]
    assert ranked == [
        ("2026-1-002", 1, 95),
        ("2026-1-003", 1, 95),
        ("2026-1-001", 3, 70),
        ("2026-1-004", 4, 40),
    ]  # the candidate is not evaluated; equal totals share a rank
    units = [(u.unit.name, u.rank, u.total, len(u.projects)) for u in result.units]
    assert units == [
        (make.HOUSING_BUREAU, 1, 82.5, 2),
        ("昆山市市场监督管理局", 2, 67.5, 2),
    ]
