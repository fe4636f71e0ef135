"""Bar charts drawn on the server as inline SVG: no script, the same figures as the table beside.

Each bar has its name on a line above it, so the chart stays readable when a phone shrinks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from minsheng.feedback.schemas import RatesRow

# About a phone's width in CSS pixels, so that the text is drawn near its own size there.
WIDTH = 320
BAR_AREA = 250  # the bar's full length at 100%; the figure is written after it
ROW_HEIGHT = 44
BAR_HEIGHT = 16
LABEL_BASELINE = 15
TOP = 6

RATE_NAMES = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}


@dataclass(frozen=True)
class Bar:
    name: str
    figure: str  # "92.3%", or "—" when nothing could be counted
    label_y: int
    bar_y: int
    length: float
    text_x: float


@dataclass(frozen=True)
class Chart:
    rate: str
    rate_name: str
    bars: list[Bar]
    width: int
    height: int
    bar_height: int
    bar_area: int


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def bar_chart(rows: list[RatesRow], rate: str) -> Chart:
    """One bar per row for `rate` (response, resolution or satisfaction), in the rows' order."""
    bars = []
    for i, row in enumerate(rows):
        value = getattr(row, rate).value
        top = TOP + i * ROW_HEIGHT
        length = round(BAR_AREA * (value or 0), 1)
        bars.append(
            Bar(
                name=row.name,
                figure=percent(value),
                label_y=top + LABEL_BASELINE,
                bar_y=top + LABEL_BASELINE + 6,
                length=length,
                text_x=length + 6,
            )
        )
    return Chart(
        rate=rate,
        rate_name=RATE_NAMES[rate],
        bars=bars,
        width=WIDTH,
        height=TOP * 2 + ROW_HEIGHT * max(len(rows), 1),
        bar_height=BAR_HEIGHT,
        bar_area=BAR_AREA,
    )
