"""Progress drawn on the server as inline SVG (no script): a bar per project or per unit, with a
mark where the plan says it should stand. The same figures are always written beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Like feedback.charts: about a phone's width, so the text is drawn near its own size there.
WIDTH = 320
BAR_AREA = 250
ROW_HEIGHT = 44
BAR_HEIGHT = 16
LABEL_BASELINE = 15
TOP = 6


@dataclass(frozen=True)
class Bar:
    name: str
    figure: str  # "62.5%"
    label_y: int
    bar_y: int
    length: float
    text_x: float
    plan_x: float  # where the plan mark stands
    lagging: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    bar_height: int
    bar_area: int


def percent(value: float) -> str:
    return f"{value:.1f}%".replace(".0%", "%")


def _scaled(value: float) -> float:
    return round(BAR_AREA * min(max(value, 0.0), 100.0) / 100, 1)


def unit_chart(rows: list[dict[str, Any]]) -> Chart:
    """One bar per unit (rollup.unit_figures) for its weighted progress, marked at its plan."""
    bars = []
    for i, row in enumerate(rows):
        top = TOP + i * ROW_HEIGHT
        length = _scaled(row["weighted_progress"])
        bars.append(
            Bar(
                name=row["unit"],
                figure=percent(row["weighted_progress"]),
                label_y=top + LABEL_BASELINE,
                bar_y=top + LABEL_BASELINE + 6,
                length=length,
                text_x=max(length, _scaled(row["planned_progress"])) + 6,
                plan_x=_scaled(row["planned_progress"]),
                lagging=row["lagging"],
            )
        )
    return Chart(
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + ROW_HEIGHT * max(len(rows), 1),
        bar_height=BAR_HEIGHT,
        bar_area=BAR_AREA,
    )


@dataclass(frozen=True)
class Meter:
    """One project's progress bar: how far it is, and the plan's mark."""

    progress: float
    planned: float
    length: float
    plan_x: float
    width: int = BAR_AREA


def meter(progress: float, planned: float) -> Meter:
    return Meter(
        progress=progress, planned=planned, length=_scaled(progress), plan_x=_scaled(planned)
    )
