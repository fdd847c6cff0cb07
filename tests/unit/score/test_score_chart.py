"""The per-metric bar chart of score.png: no legend over the bars, a sensible axis for an all-zero panel."""
from __future__ import annotations

from toolkit.score.report import bar_chart, bar_chart_png


def result(values: dict[str, dict[str, float | None]]) -> dict:
    metrics = {}
    for name, per_category in values.items():
        present = [v for v in per_category.values() if v is not None]
        metrics[name] = {"per_category": per_category, "higher_is_better": name != "fad",
                         "average": sum(present) / len(present) if present else None}
    return {"metrics": metrics, "categories": ["DogBark", "Rain"], "embedding": {"name": "soundnet"},
            "mode": "standard"}


def test_average_is_in_the_title_not_in_a_legend_and_zero_panels_get_a_0_to_1_axis():
    doc = result({"fad": {"DogBark": 4.0, "Rain": 2.0}, "recall": {"DogBark": 0.0, "Rain": 0.0},
                  "coverage": {"DogBark": None, "Rain": None}})
    figure = bar_chart(doc)
    fad, recall, coverage = figure.axes[:3]
    assert all(axis.get_legend() is None for axis in figure.axes) and not figure.legends
    assert "average 3 (dashed)" in fad.get_title()
    assert fad.get_ylim()[1] >= 4.0
    assert recall.get_ylim() == (0.0, 1.0) and coverage.get_ylim() == (0.0, 1.0)
    assert bar_chart_png(doc)[:8] == b"\x89PNG\r\n\x1a\n"
