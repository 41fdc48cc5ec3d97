"""The site's plots, drawn by matplotlib (Agg, offline) as static SVG.

matplotlib rather than Vega-Lite: it renders in-process with no JavaScript runtime or
browser (Vega-Lite offline needs vl-convert's bundled V8 or node), its SVG is
deterministic once the hash salt and date are fixed, and with ``svg.fonttype: none``
text stays text, so Chinese labels are drawn by the viewer's CJK font (the page's font
stack) and the files stay small.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The same CJK-first stack as the pages' CSS; the browser resolves it when it draws
# the SVG text, matplotlib only uses it to measure.
FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
]
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "nlp-view",
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
}
FAIL = "#c0392b"
UNCERTAIN = "#e6a23c"
TEMPLATES = {
    "pre2019": "#8e7cc3",
    "2019": "#2f6f9f",
    "2021": "#3c9d6b",
    "unknown": "#999999",
}


@contextmanager
def _style() -> Iterator[Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("ignore", message=".*findfont.*")
        yield Figure


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        metadata={"Date": None},
        bbox_inches="tight",
        pad_inches=0.05,
    )
    return buffer.getvalue()


def checks_by_rule(rows: list[tuple[str, int, int]]) -> str | None:
    """Horizontal bars: failed and uncertain checks per rule."""
    if not rows:
        return None
    with _style() as Figure:
        figure = Figure(figsize=(4.6, 0.3 * len(rows) + 0.8))
        axes = figure.subplots()
        labels = [r[0] for r in rows]
        fails = [r[1] for r in rows]
        uncertain = [r[2] for r in rows]
        y = range(len(rows))
        axes.barh(y, fails, color=FAIL, label="fail")
        axes.barh(y, uncertain, left=fails, color=UNCERTAIN, label="uncertain")
        axes.set_yticks(list(y), labels)
        axes.invert_yaxis()
        axes.set_xlabel("checks")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(frameon=False, loc="lower right")
        axes.set_title("Failed and uncertain checks by rule")
        return _svg(figure)


def categories_by_year(
    categories: list[str], years: list[str], counts: dict[tuple[str, str], int]
) -> str | None:
    """A heat map: reports stating each weakness category, year by year."""
    if not categories or not years:
        return None
    with _style() as Figure:
        figure = Figure(
            figsize=(max(3.0, 0.42 * len(years) + 1.6), 0.32 * len(categories) + 0.9)
        )
        axes = figure.subplots()
        grid = [[counts.get((c, y), 0) for y in years] for c in categories]
        axes.imshow(grid, cmap="Oranges", aspect="auto", vmin=0)
        top = max(max(row) for row in grid) or 1
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if value:
                    axes.text(
                        j,
                        i,
                        str(value),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if value > top / 2 else "black",
                    )
        axes.set_xticks(range(len(years)), years, rotation=90)
        axes.set_yticks(range(len(categories)), categories)
        axes.set_title("Reports stating each weakness category, by year")
        for spine in axes.spines.values():
            spine.set_visible(False)
        return _svg(figure)


def reports_by_year(
    years: list[str], by_template: dict[str, dict[str, int]]
) -> str | None:
    """Stacked bars: reports per year, by template."""
    if not years:
        return None
    with _style() as Figure:
        figure = Figure(figsize=(max(3.0, 0.3 * len(years) + 1.4), 2.2))
        axes = figure.subplots()
        bottom = [0] * len(years)
        for template, colour in TEMPLATES.items():
            values = [by_template.get(template, {}).get(y, 0) for y in years]
            if any(values):
                axes.bar(
                    range(len(years)),
                    values,
                    bottom=bottom,
                    color=colour,
                    label=template,
                )
                bottom = [b + v for b, v in zip(bottom, values)]
        axes.set_xticks(range(len(years)), years, rotation=90)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.legend(frameon=False, fontsize=7, ncols=2)
        axes.set_title("Reports by year and template")
        return _svg(figure)
