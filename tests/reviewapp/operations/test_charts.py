"""Server-drawn charts: geometry, and markup the Content-Security-Policy allows."""

from __future__ import annotations

from django.template.loader import render_to_string

from reviewapp.operations import charts


def test_bars_scale_to_a_round_maximum():
    chart = charts.bar_chart(
        chart_id="c", title="T", items=[("a", 5, "5"), ("b", 10, "10")], counts=False
    )
    assert [t.text for t in chart.y_ticks] == ["0", "2.5", "5", "7.5", "10"]
    tall, short = chart.bars[1], chart.bars[0]
    assert tall.height == chart.plot_bottom - chart.plot_top
    assert short.height == tall.height / 2
    assert chart.description == "T. a: 5; b: 10."


def test_lines_leave_gaps_for_missing_values():
    chart = charts.line_chart(
        chart_id="l", title="Hours", labels=["w1", "w2", "w3"], series=[("x", [10, None, 20])]
    )
    assert len(chart.series[0].dots) == 2
    assert "w2 no data" in chart.description


def test_the_svg_has_a_title_a_description_and_no_inline_style():
    chart = charts.hbar_chart(chart_id="h", title="Per reviewer", items=[("Nina <b>", 3, "3")])
    html = render_to_string("operations/_chart.html", {"chart": chart})
    assert 'role="img"' in html and '<title id="h-title">Per reviewer</title>' in html
    assert "<desc" in html and "style=" not in html and "<script" not in html
    assert "Nina &lt;b&gt;" in html


def test_counts_get_whole_number_steps():
    assert [charts.count_ceiling(v) for v in (0, 1, 3, 4, 5, 10, 35, 180)] == [
        4,
        4,
        4,
        4,
        8,
        12,
        40,
        200,
    ]
    chart = charts.bar_chart(chart_id="c", title="T", items=[("a", 1, "1")])
    assert [t.text for t in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 3, 7, 12, 180)] == [1.0, 1.0, 5, 10, 20, 200]
