"""Charts drawn on the server as SVG: bars and lines, laid out here, drawn by a template.

No script and no inline style (the Content-Security-Policy allows neither): the geometry is
computed in Python, ``templates/operations/_chart.html`` writes the SVG elements, and the
colours come from classes in ``static/css/app.css``. Every chart has a title and a text
description for screen readers, and every page that shows one also shows its figures as a
table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 48
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
SERIES_CLASSES = ("chart-series-1", "chart-series-2", "chart-series-3")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: str  # "x,y x,y ..." for <polyline>, the gaps (None values) leave the line
    dots: list[tuple[float, float, str]]
    legend_y: float


@dataclass
class Chart:
    kind: str  # "bars", "hbars" or "lines"
    chart_id: str
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_labels: list[Tick] = field(default_factory=list)
    plot_left: float = MARGIN_LEFT
    plot_right: float = WIDTH - MARGIN_RIGHT
    plot_top: float = MARGIN_TOP
    plot_bottom: float = HEIGHT - MARGIN_BOTTOM

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def tick_x(self) -> float:
        return self.plot_left - 6

    @property
    def label_y(self) -> float:
        return self.plot_bottom + 16

    @property
    def legend_x(self) -> int:
        return int(self.plot_right) - 130


def nice_ceiling(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def count_ceiling(value: float) -> int:
    """An axis maximum for counts: four whole-number steps (0, 1, 2, 3, 4; 0, 3, 6, 9, 12...)."""
    return 4 * max(1, math.ceil(nice_ceiling(value / 4) if value > 0 else 1))


def _ticks(top: float, bottom: float, maximum: float, unit: str) -> list[Tick]:
    ticks = []
    for i in range(5):
        value = maximum * i / 4
        text = f"{value:g}{unit}"
        ticks.append(Tick(bottom - (bottom - top) * i / 4, text))
    return ticks


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: list[tuple[str, float, str]],
    unit: str = "",
    maximum: float | None = None,
    counts: bool = True,
) -> Chart:
    """Vertical bars: ``items`` are (label under the bar, value, text above the bar); the axis
    steps are whole numbers when the values are ``counts``."""
    chart = Chart("bars", chart_id, title, _describe(title, items))
    top = max([value for _, value, _ in items] + [0])
    scale_max = maximum or (count_ceiling(top) if counts else nice_ceiling(top))
    plot_width = chart.plot_right - chart.plot_left
    plot_height = chart.plot_bottom - chart.plot_top
    slot = plot_width / max(len(items), 1)
    width = slot * 0.7
    every = max(1, math.ceil(len(items) / 12))  # at most 12 labels under the axis
    for i, (label, value, text) in enumerate(items):
        height = plot_height * (value / scale_max) if scale_max else 0
        x = chart.plot_left + slot * i + (slot - width) / 2
        y = chart.plot_bottom - height
        chart.bars.append(
            Bar(
                x=round(x, 1),
                y=round(y, 1),
                width=round(width, 1),
                height=round(height, 1),
                label=label if i % every == 0 else "",
                value_text=text,
                label_x=round(x + width / 2, 1),
                label_y=chart.plot_bottom + 16,
                value_x=round(x + width / 2, 1),
                value_y=round(y - 4, 1),
            )
        )
    chart.y_ticks = _ticks(chart.plot_top, chart.plot_bottom, scale_max, unit)
    return chart


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    items: list[tuple[str, float, str]],
    maximum: float | None = None,
    label_width: int = 180,
) -> Chart:
    """Horizontal bars, one row per item: (label left of the bar, value, text after it)."""
    row = 26
    height = MARGIN_TOP + row * max(len(items), 1) + 8
    chart = Chart("hbars", chart_id, title, _describe(title, items), height=height)
    chart.plot_left = label_width
    chart.plot_right = WIDTH - 72
    chart.plot_bottom = height - 8
    top = max([value for _, value, _ in items] + [0])
    scale_max = maximum or nice_ceiling(top)
    plot_width = chart.plot_right - chart.plot_left
    for i, (label, value, text) in enumerate(items):
        width = plot_width * (value / scale_max) if scale_max else 0
        y = MARGIN_TOP + row * i
        chart.bars.append(
            Bar(
                x=chart.plot_left,
                y=y,
                width=round(width, 1),
                height=row - 8,
                label=label,
                value_text=text,
                label_x=chart.plot_left - 8,
                label_y=y + row / 2,
                value_x=round(chart.plot_left + width + 6, 1),
                value_y=y + row / 2,
            )
        )
    return chart


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    unit: str = "",
) -> Chart:
    """Lines over the same labels; a None value is a gap (no point, the line skips it)."""
    values = [v for _, vs in series for v in vs if v is not None]
    chart = Chart(
        "lines",
        chart_id,
        title,
        f"{title}. "
        + " ".join(
            f"{name}: "
            + ", ".join(
                f"{label} {'no data' if v is None else f'{v:g}{unit}'}"
                for label, v in zip(labels, vs, strict=True)
            )
            + "."
            for name, vs in series
        ),
    )
    scale_max = nice_ceiling(max([*values, 0]))
    plot_width = chart.plot_right - chart.plot_left
    plot_height = chart.plot_bottom - chart.plot_top
    step = plot_width / max(len(labels) - 1, 1)
    every = max(1, math.ceil(len(labels) / 12))
    chart.x_labels = [
        Tick(round(chart.plot_left + step * i, 1), label if i % every == 0 else "")
        for i, label in enumerate(labels)
    ]
    for n, (name, vs) in enumerate(series):
        points = []
        dots = []
        for i, value in enumerate(vs):
            if value is None:
                continue
            x = round(chart.plot_left + step * i, 1)
            y = round(chart.plot_bottom - plot_height * value / scale_max, 1)
            points.append(f"{x},{y}")
            dots.append((x, y, f"{labels[i]}: {value:g}{unit}"))
        chart.series.append(
            Series(
                name=name,
                css=SERIES_CLASSES[n % len(SERIES_CLASSES)],
                points=" ".join(points),
                dots=dots,
                legend_y=int(MARGIN_TOP + 14 * n),
            )
        )
    chart.y_ticks = _ticks(chart.plot_top, chart.plot_bottom, scale_max, unit)
    return chart


def _describe(title: str, items: list[tuple[str, float, str]]) -> str:
    return f"{title}. " + "; ".join(f"{label}: {text}" for label, _, text in items) + "."
