"""The demo batch: 188 projects taken through the six steps by the real services, loaded once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.projects import demo, rollup
from minsheng.projects.catalogue import local_today
from minsheng.projects.models import Batch, Project, Stage, WarningColour
from minsheng.projects.models_collection import Notice, NoticeStatus, Proposal, Vote
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.models_review import (
    Circular,
    CircularStatus,
    DeputyRating,
    MechanismLink,
    ProjectRating,
)
from tests.requests import load_demo


@pytest.fixture
def batch(db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Batch:
    """The demo, loaded once the app (and so its jobs) is up, as `minsheng demo` does."""
    monkeypatch.setenv("MINSHENG_DEMO_PROJECTS", "188")
    get_settings.cache_clear()
    load_demo(db)
    found = db.scalar(select(Batch))
    assert found is not None
    return found


def test_the_demo_batch_runs_188_projects_through_the_six_steps(
    db: Session, batch: Batch, client: TestClient
) -> None:
    stages: dict[Stage, int] = dict(
        db.execute(select(Project.stage, func.count()).group_by(Project.stage)).all()
    )
    # 191 candidates, three turned down by the deputies' vote: the seed's 188 remain.
    assert stages.get(Stage.not_chosen) == 3
    assert stages.get(Stage.running, 0) + stages.get(Stage.completed, 0) == 188
    assert stages.get(Stage.completed, 0) >= 10
    assert db.scalar(select(func.count()).select_from(Vote)) == 191 * 7
    assert db.scalar(select(func.count()).select_from(Proposal)) >= 5
    notice = db.scalar(select(Notice))
    assert notice is not None and notice.status == NoticeStatus.published

    # "首批188个项目已全面开展": every project has started, as the figures compute it.
    figures = rollup.batch_figures(db, batch, local_today())
    assert figures["total"] == 188 and figures["started"] == 188
    assert rollup.headline_parts(figures)[0][0] == "全部%(total)s个项目已全面开展"
    assert db.scalar(select(func.count()).select_from(MonthlyReport)) > 188 * 5
    late = db.scalar(select(func.count()).where(MonthlyReport.late.is_(True)))
    assert late and late > 0

    warnings: dict[WarningColour, int] = dict(
        db.execute(
            select(Project.warning, func.count())
            .where(Project.stage == Stage.running)
            .group_by(Project.warning)
        ).all()
    )
    assert warnings.get(WarningColour.yellow, 0) > 0 and warnings.get(WarningColour.red, 0) > 0
    assert warnings.get(WarningColour.none, 0) > warnings[WarningColour.yellow]

    circular = db.scalar(select(Circular))
    assert circular is not None and circular.status == CircularStatus.published
    assert circular.items and all(item.project.batch_id == batch.id for item in circular.items)
    assert any(item.answered_at for item in circular.items)

    assert db.scalar(select(func.count()).select_from(ProjectRating)) > 100
    assert db.scalar(select(func.count()).select_from(DeputyRating)) > 0
    assert db.scalar(select(func.count()).select_from(MechanismLink)) >= 1

    db.commit()
    page = client.get(f"/projects/batches/{batch.code}")
    assert page.status_code == 200
    assert "全部188个项目已全面开展" in page.text


def test_loading_the_demo_again_changes_nothing(db: Session, batch: Batch) -> None:
    before = db.scalar(select(func.count()).select_from(MonthlyReport))
    demo.load_demo(db, lambda _step: None)
    assert db.scalar(select(func.count()).select_from(MonthlyReport)) == before
