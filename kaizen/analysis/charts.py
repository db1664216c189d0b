"""The report's charts, drawn on the server as inline SVG (matplotlib, Agg-free SVG backend).

One function per chart of an Analysis.result (the shape is in kaizen.improvement.services;
each part's keys are documented in kaizen.analysis.stats):

- `series_chart`: the KPI over time with its target, its baseline (mean and confidence band
  over the baseline periods), the Theil-Sen trend line and the date of the change;
- `control_chart`: the XmR individuals chart, centre line, 3-sigma limits, the 1- and 2-sigma
  zones, and the points where a run rule fired marked (red when adverse);
- `pareto_chart`: the contributors as bars, vital few darker, the cumulative share as a line
  with the cut-off, the contributors beyond the bars on the line only (`pareto_bars`);
- `before_after_chart`: the periods before and after the change side by side (box, the
  points, the medians), with the target.

Each returns a `Chart` (title, SVG markup, plain-words explanation) or None when the part has
nothing to draw; the same markup goes into the web page, the shared page and the PDF.

Choices:
- Text is drawn as paths (`svg.fonttype = "path"`), not as <text>: the glyphs are those of
  DejaVu Sans (which matplotlib ships, and Debian has), so the labels look the same and stay
  where matplotlib measured them in every browser (most readers' machines have no DejaVu Sans,
  and a substituted font overflows the layout) and in WeasyPrint, whose SVG renderer lays
  <text> out itself. Each glyph is defined once per chart and reused, a few KB. The figures
  a reader may want to copy are in the report's tables, and each chart carries its
  explanation as its accessible name.
- Element ids get a per-chart prefix, because several SVGs share one HTML document.
- No style="" attribute and no <style> element: the pages' Content-Security-Policy allows
  styles from Kaizen's stylesheets only, so matplotlib's inline styles (fill, stroke, ... all
  SVG presentation properties) become presentation attributes (`fill="#fff"`), which the
  policy does not govern, and its <style> defaults become attributes of the <svg> root, from
  which they are inherited.
- matplotlib is imported on first use (it costs ~0.3 s), never when the URLconf loads; the
  Figure API (no pyplot) keeps no global figure state, and one lock serialises the rcParams
  a rendering relies on.
"""

import base64
import datetime as dt
import io
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

FONT_FAMILY = "DejaVu Sans"
# Natural sizes in inches, made for an A4 page with 15 mm margins (7.1 in of text width): the
# text is 8 pt on paper. On screen the SVG scales to its column.
WIDTH_IN = 7.2
HALF_WIDTH_IN = 3.55
HEIGHT_IN = 2.0

# The house palette (kaizen/static/kaizen/app.css).
ACCENT = "#4f46e5"
MUTED = "#9ca3af"
GRID = "#e5e7eb"
TARGET = "#047857"
BASELINE = "#b45309"
TREND = "#6b7280"
ADVERSE = "#dc2626"
FAVOURABLE = "#16a34a"
NEUTRAL_SIGNAL = "#d97706"
LIMIT = "#b91c1c"

UNIT_SUFFIX = {"percent": "%", "hours": "h", "count": "", "number": "", "score": ""}
PARETO_MAX_BARS = 8  # then "others (n categories)": the chart is half a page wide

_lock = threading.Lock()
_RC = {
    "font.family": FONT_FAMILY,
    "font.size": 8,
    "svg.fonttype": "path",
    "svg.hashsalt": "kaizen-report",  # stable ids: the same analysis gives the same SVG
    "text.parse_math": False,  # labels come from the data: "$5 $10" is text, not mathtext
    "axes.edgecolor": MUTED,
    "axes.labelcolor": "#374151",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#4b5563",
    "ytick.color": "#4b5563",
    "legend.frameon": False,
    "legend.fontsize": 7,
}


@dataclass(frozen=True)
class Chart:
    kind: str  # series, control, pareto, before_after
    wide: bool  # full width, or half (two side by side)
    title: str
    svg: str  # inline <svg> markup, safe to mark safe: made here from numbers and labels
    explanation: str

    @property
    def data_uri(self) -> str:
        """The SVG as an image URL, for WeasyPrint: it renders an <img> with its own SVG
        renderer (faster than inline SVG, which its HTML style parser also warns about)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def unit_label(unit: str) -> str:
    """The axis label of a KPI's unit: "hours" -> "h"; counts and plain numbers have none."""
    return UNIT_SUFFIX.get(unit, unit)


def _figure(wide: bool, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN if wide else HALF_WIDTH_IN, height), layout="constrained")


def _svg(figure: Any, prefix: str, label: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    # Unique ids per chart: glyph definitions and clip paths would otherwise collide.
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = _presentation_attributes(text)
    # Scale with the column: keep the viewBox, drop the fixed size in points.
    text = re.sub(
        r'<svg([^>]*?) width="[^"]+" height="[^"]+"',
        lambda match: (
            f'<svg{match.group(1)} class="kz-svg" role="img" aria-label="{_attribute(label)}"'
        ),
        text,
        count=1,
    )
    return text.strip()


# The properties matplotlib writes in style="" (SVG presentation properties, each also an
# attribute of the same name).
_PRESENTATION = frozenset(
    {
        "clip-path",
        "fill",
        "fill-opacity",
        "fill-rule",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
    }
)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>\s*")


def _declarations(css: str) -> str:
    """`fill: #fff; stroke: none` as attributes: ` fill="#fff" stroke="none"`."""
    attributes = []
    for declaration in css.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if name not in _PRESENTATION:
            raise ValueError(f"chart style {name!r} has no SVG presentation attribute")
        attributes.append(f' {name}="{_attribute(value)}"')
    return "".join(attributes)


def _presentation_attributes(svg: str) -> str:
    """matplotlib's SVG without inline CSS (see "Choices" above)."""
    defaults = ""
    element = _STYLE_ELEMENT.search(svg)
    if element:
        defaults = _declarations(element.group(1))
        svg = svg[: element.start()] + svg[element.end() :]
    svg = _STYLE_ATTRIBUTE.sub(lambda match: _declarations(match.group(1)), svg)
    if "<style" in svg or "style=" in svg:
        raise ValueError("chart SVG still carries inline CSS")
    return svg.replace("<svg", "<svg" + defaults, 1)


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _render(
    kind: str,
    prefix: str,
    title: str,
    explanation: str,
    draw: Any,
    *,
    wide: bool = True,
    height: float = HEIGHT_IN,
) -> Chart:
    import matplotlib

    with _lock, matplotlib.rc_context(_RC):
        figure = _figure(wide, height)
        draw(figure)
        svg = _svg(figure, prefix, f"{title}. {explanation}".strip())
    return Chart(kind=kind, wide=wide, title=title, svg=svg, explanation=explanation)


def _dates(labels: list[Any]) -> list[dt.date] | None:
    """The periods as dates for a time axis, or None when a label is not a date."""
    try:
        return [dt.date.fromisoformat(str(label)[:10]) for label in labels]
    except ValueError:
        return None


def _date_axis(axes: Any, span_days: int) -> None:
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    axes.xaxis.set_major_locator(locator)
    fmt = "%b %Y" if span_days > 120 else "%-d %b"
    axes.xaxis.set_major_formatter(mdates.DateFormatter(fmt))


def _value_axis(axes: Any, unit: str) -> None:
    suffix = unit_label(unit)
    if suffix:
        axes.set_ylabel(suffix)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)


def _legend(axes: Any, columns: int = 5) -> None:
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        axes.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0, 1.01),
            ncols=min(columns, len(handles)),
            borderaxespad=0,
            handlelength=1.6,
        )


def _figure_text(value: float | None, unit: str, resolution: float | None = None) -> str:
    """A figure for a legend: two significant digits of `resolution` when given (as the
    report's tables round), else about three significant digits."""
    if value is None:
        return "—"
    magnitude = abs(value)
    if resolution is not None and math.isfinite(resolution) and resolution > 0:
        decimals = min(max(1 - math.floor(math.log10(resolution)), 0), 4)
        text = f"{value:,.{decimals}f}"
    elif unit_label(unit) == "%":
        # Percentages near 100 differ in their decimals (a 99.95 % availability target).
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.0f}" if magnitude >= 100 else f"{value:.3g}"
    suffix = unit_label(unit)
    return f"{text} {suffix}".strip() if suffix != "%" else f"{text} %"


# --- the KPI over time ---------------------------------------------------------------------


def series_chart(result: dict[str, Any], *, prefix: str) -> Chart | None:
    series = [point for point in result.get("series") or [] if isinstance(point, dict)]
    if not any(point.get("value") is not None for point in series):
        return None
    kpi = result.get("kpi") or {}
    unit = str(kpi.get("unit") or "")
    labels = [point.get("period") for point in series]
    values = [point.get("value") for point in series]
    dates = _dates(labels)
    x: list[Any] = dates if dates else list(range(len(series)))
    base = result.get("baseline") or {}
    trend = result.get("trend") or {}
    target = kpi.get("target")
    change_on = result.get("change_on")

    # Periods before the first and after the last measured one are left off the axis (an
    # analysis range reaching back before the data); the trend keeps its own numbering.
    measured = [i for i, value in enumerate(values) if value is not None]
    first, last = measured[0], measured[-1]

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        axes.plot(
            x[first : last + 1],
            [math.nan if v is None else v for v in values[first : last + 1]],  # gaps break it
            color=ACCENT,
            linewidth=1.4,
            marker="o" if len(measured) <= 60 else None,
            markersize=2.5,
            label=kpi.get("name") or "Value",
            zorder=3,
        )
        if base.get("mean") is not None:
            span = _span(x, labels, base.get("start"), base.get("end"))
            if base.get("ci_low") is not None and base.get("ci_high") is not None:
                axes.fill_between(
                    span,
                    base["ci_low"],
                    base["ci_high"],
                    color=BASELINE,
                    alpha=0.12,
                    linewidth=0,
                    label="Baseline 95 % CI",
                )
            axes.plot(
                span,
                [base["mean"]] * 2,
                color=BASELINE,
                linewidth=1.2,
                label=f"Baseline {_figure_text(base['mean'], unit)}",
            )
        if trend.get("slope") is not None and trend.get("intercept") is not None:
            # stats.trend numbers the periods by their position in the series
            axes.plot(
                [x[first], x[last]],
                [trend["intercept"] + trend["slope"] * i for i in (first, last)],
                color=TREND,
                linestyle=":",
                linewidth=1.2,
                label="Trend" + (" (significant)" if trend.get("significant") else ""),
            )
        if target is not None:
            axes.axhline(
                target,
                color=TARGET,
                linestyle="--",
                linewidth=1.1,
                label=f"Target {_figure_text(target, unit)}",
            )
        if change_on and dates:
            axes.axvline(dt.date.fromisoformat(change_on), color=MUTED, linewidth=1, linestyle="-.")
            axes.annotate(
                "change",
                (dt.date.fromisoformat(change_on), 1),
                xycoords=("data", "axes fraction"),
                xytext=(3, -10),
                textcoords="offset points",
                color=TREND,
                fontsize=7,
            )
        if dates:
            _date_axis(axes, (dates[-1] - dates[0]).days)
        _value_axis(axes, unit)
        _legend(axes)

    explanation = " ".join(
        text for text in (base.get("explanation"), trend.get("explanation")) if text
    )
    period = result.get("period_kind") or "period"
    title = f"{kpi.get('name') or 'The KPI'} by {period}"
    return _render("series", prefix, title, explanation, draw)


def _change_line(axes: Any, change_on: str) -> None:
    day = dt.date.fromisoformat(str(change_on)[:10])
    axes.axvline(day, color=MUTED, linewidth=1, linestyle="-.")
    axes.annotate(
        "change",
        (day, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -10),
        textcoords="offset points",
        color=TREND,
        fontsize=7,
    )


def _span(x: list[Any], labels: list[Any], start: Any, end: Any) -> list[Any]:
    """The x positions of the first and last period inside [start, end] (the whole axis when
    the baseline has no range)."""
    if not start or not end:
        return [x[0], x[-1]]
    inside = [
        xi for xi, label in zip(x, labels, strict=True) if str(start) <= str(label) <= str(end)
    ]
    return [inside[0], inside[-1]] if inside else [x[0], x[-1]]


# --- the XmR control chart -----------------------------------------------------------------


def control_chart(result: dict[str, Any], *, prefix: str) -> Chart | None:
    chart = result.get("control_chart") or {}
    points = chart.get("points") or []
    if not points:
        return None
    kpi = result.get("kpi") or {}
    unit = str(kpi.get("unit") or "")
    dates = _dates([point.get("label") for point in points])
    x: list[Any] = dates if dates else [point.get("index", i) for i, point in enumerate(points)]
    values = [point.get("value") for point in points]
    adverse_of = {}
    for signal in chart.get("signals") or []:
        for i, point in enumerate(points):
            if signal["first_index"] <= point.get("index", i) <= signal["last_index"]:
                # a point in both an adverse and a favourable run shows as adverse
                adverse_of[i] = adverse_of.get(i) or signal.get("adverse")
    flagged = [i for i, point in enumerate(points) if point.get("signals")]

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        axes.plot(
            x,
            values,
            color=ACCENT,
            linewidth=1.1,
            marker="o" if len(points) <= 60 else None,  # the signals are marked in any case
            markersize=2.2,
            zorder=3,
        )
        centre, ucl, lcl = chart.get("centre"), chart.get("ucl"), chart.get("lcl")
        sigma = chart.get("sigma") or None
        zones = chart.get("zones") or {}
        if zones.get("two_sigma"):
            axes.axhspan(*zones["two_sigma"], color=ACCENT, alpha=0.05, linewidth=0)
        if zones.get("one_sigma"):
            axes.axhspan(*zones["one_sigma"], color=ACCENT, alpha=0.06, linewidth=0)
        if centre is not None:
            axes.axhline(
                centre,
                color=TREND,
                linewidth=1,
                label=f"Centre {_figure_text(centre, unit, sigma)}",
            )
        if ucl is not None:
            axes.axhline(
                ucl,
                color=LIMIT,
                linestyle="--",
                linewidth=1,
                label=f"Limits {_figure_text(lcl, '', sigma)} – {_figure_text(ucl, unit, sigma)}",
            )
        if lcl is not None:
            axes.axhline(lcl, color=LIMIT, linestyle="--", linewidth=1)
        for adverse, colour, name in (
            (True, ADVERSE, "Adverse signal"),
            (False, FAVOURABLE, "Favourable signal"),
            (None, NEUTRAL_SIGNAL, "Signal"),
        ):
            chosen = [i for i in flagged if adverse_of.get(i) is adverse]
            if chosen:
                axes.scatter(
                    [x[i] for i in chosen],
                    [values[i] for i in chosen],
                    s=18,
                    color=colour,
                    zorder=4,
                    label=name,
                    edgecolors="white",
                    linewidths=0.5,
                )
        change_on = result.get("change_on")
        if change_on and dates:  # the limits are those of the periods before it
            _change_line(axes, change_on)
        if dates:
            _date_axis(axes, (dates[-1] - dates[0]).days)
        _value_axis(axes, unit)
        _legend(axes)

    title = "Control chart (XmR individuals)"
    explanation = str(chart.get("explanation") or "")
    return _render("control", prefix, title, explanation, draw, height=1.9)


# --- the Pareto of contributors ------------------------------------------------------------


@dataclass(frozen=True)
class ParetoBars:
    """What the Pareto chart draws: one bar per named contributor (the largest first), the
    cumulative share at each, and the contributors beyond the bars summed as `others`."""

    labels: list[str]
    values: list[float]
    vital: list[bool]
    cumulative: list[float]  # percent, at each bar
    others: "ParetoOthers | None"


@dataclass(frozen=True)
class ParetoOthers:
    count: int
    total: float
    share: float  # percent of the whole
    label: str  # "others (12 categories)"


def pareto_bars(
    pareto: dict[str, Any], noun: tuple[str, str] = ("category", "categories")
) -> ParetoBars | None:
    """The Pareto's bars: the first PARETO_MAX_BARS contributors, and the rest as `others`.

    The others are not a bar. Summed, the long tail of a fine breakdown easily outgrows every
    contributor it summarises (40 small categories make more than the largest one), and a bar
    that tall squeezes the contributors the chart is about into the bottom of the axis. A
    Pareto reader looks at the bars for who contributes and at the cumulative line for how
    much is covered; so the others stay on the line only (it climbs to 100 % at their
    position, labelled "others (N categories)") and their total is written beside it."""
    items = pareto.get("items") or []
    if not items:
        return None
    shown = items[:PARETO_MAX_BARS]
    rest = items[PARETO_MAX_BARS:]
    others = None
    if rest:
        total = math.fsum(float(item["value"]) for item in rest)
        whole = float(pareto.get("total") or 0) or math.fsum(float(i["value"]) for i in items)
        plural = noun[0] if len(rest) == 1 else noun[1]
        others = ParetoOthers(
            count=len(rest),
            total=total,
            share=100.0 * total / whole if whole else 0.0,
            label=f"others ({len(rest)} {plural})",
        )
    return ParetoBars(
        labels=[str(item["label"]) or "(not set)" for item in shown],
        values=[float(item["value"]) for item in shown],
        vital=[bool(item.get("vital_few")) for item in shown],
        cumulative=[float(item["cumulative_share"]) * 100 for item in shown],
        others=others,
    )


# Sizes of the Pareto's text, in points: it is half a page wide, so its labels are a size
# below the full-width charts' 8 pt (at 8 pt, eight rotated category names took half its
# height).
PARETO_TICK_PT = 6.5
PARETO_LABEL_PT = 7


def pareto_chart(
    result: dict[str, Any], *, prefix: str, noun: tuple[str, str] = ("category", "categories")
) -> Chart | None:
    pareto = result.get("pareto") or {}
    bars = pareto_bars(pareto, noun)
    if bars is None:
        return None
    dimension = str(pareto.get("dimension") or "contributor")
    unit = str((result.get("kpi") or {}).get("unit") or "")
    cutoff = float(pareto.get("cutoff") or 0.8) * 100

    def draw(figure: Any) -> None:
        from matplotlib.ticker import PercentFormatter

        axes = figure.add_subplot()
        positions = list(range(len(bars.labels)))
        axes.bar(
            positions,
            bars.values,
            color=[ACCENT if v else "#c7d2fe" for v in bars.vital],
            width=0.7,
            label="Vital few",
        )
        labels, line_x, line_y = list(bars.labels), list(positions), list(bars.cumulative)
        if bars.others is not None:  # on the cumulative line only (see pareto_bars)
            labels.append(bars.others.label)
            line_x.append(len(positions))
            line_y.append(100.0)
        ticks = list(range(len(labels)))
        rotate = len(labels) > 4
        axes.set_xticks(
            ticks, labels, rotation=35 if rotate else 0, ha="right" if rotate else "center"
        )
        axes.tick_params(labelsize=PARETO_TICK_PT)
        if bars.others is not None:
            axes.get_xticklabels()[-1].set_color(TREND)
            axes.get_xticklabels()[-1].set_fontstyle("italic")
        axes.set_xlim(-0.6, len(labels) - 0.4)
        axes.set_xlabel(dimension.replace("_", " ").capitalize(), fontsize=PARETO_LABEL_PT)
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        share = axes.twinx()
        share.plot(line_x, line_y, color=BASELINE, marker="o", markersize=2.5)
        share.axhline(cutoff, color=MUTED, linestyle="--", linewidth=0.9)
        share.set_ylim(0, 105)
        share.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        share.tick_params(labelsize=PARETO_TICK_PT)
        share.spines["right"].set_visible(True)
        share.set_ylabel("Cumulative share", fontsize=PARETO_LABEL_PT)
        if bars.others is not None:
            share.annotate(
                f"{_figure_text(bars.others.total, unit)}\n({bars.others.share:.0f} %)",
                (len(positions), 100.0),
                xytext=(0, -4),
                textcoords="offset points",
                ha="center",
                va="top",
                color=TREND,
                fontsize=PARETO_TICK_PT,
            )
        total = "Total" + (f" ({unit_label(unit)})" if unit_label(unit) not in ("", "%") else "")
        axes.set_ylabel(
            PARETO_AXIS.get(str(pareto.get("rule_code")), total), fontsize=PARETO_LABEL_PT
        )

    title = f"Pareto of contributors by {dimension.replace('_', ' ')}"
    explanation = " ".join(
        str(text) for text in (pareto.get("explanation"), pareto.get("rule")) if text
    )
    return _render("pareto", prefix, title, explanation, draw, wide=False, height=2.3)


# --- before and after the change -----------------------------------------------------------


def before_after_chart(result: dict[str, Any], *, prefix: str) -> Chart | None:
    comparison = result.get("before_after")
    change_on = result.get("change_on")
    if not comparison or not change_on:
        return None
    series = [p for p in result.get("series") or [] if p.get("value") is not None]
    before = _within(series, comparison.get("before"), None, str(change_on))
    after = _within(series, comparison.get("after"), str(change_on), None)
    if not before or not after:
        return None
    kpi = result.get("kpi") or {}
    unit = str(kpi.get("unit") or "")
    target = kpi.get("target")
    outcome = comparison.get("outcome")
    after_colour = {"improved": FAVOURABLE, "worsened": ADVERSE}.get(outcome, ACCENT)

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        groups = [before, after]
        boxes = axes.boxplot(
            groups,
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "#111827", "linewidth": 1.6},
        )
        for patch, colour in zip(boxes["boxes"], (MUTED, after_colour), strict=True):
            patch.set_facecolor(colour)
            patch.set_alpha(0.35)
            patch.set_edgecolor(colour)
        for row, group in enumerate(groups, start=1):
            offsets = [row + ((i * 0.618) % 1 - 0.5) * 0.3 for i in range(len(group))]
            axes.scatter(group, offsets, s=6, color="#374151", alpha=0.6, zorder=3)
        for row, key in ((1, "median_before"), (2, "median_after")):
            if comparison.get(key) is not None:
                axes.annotate(
                    f"median {_figure_text(comparison[key], unit)}",
                    (comparison[key], row + 0.3),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        axes.set_yticks(
            [1, 2],
            [f"Before\n({len(before)} periods)", f"After\n({len(after)} periods)"],
        )
        if target is not None:
            axes.axvline(
                target,
                color=TARGET,
                linestyle="--",
                linewidth=1.1,
                label=f"Target {_figure_text(target, unit)}",
            )
            _legend(axes)
        suffix = unit_label(unit)
        if suffix:
            axes.set_xlabel(suffix)
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        axes.set_ylim(0.5, 2.75)

    title = f"Before and after the change of {dt.date.fromisoformat(change_on):%-d %b %Y}"
    explanation = str(comparison.get("explanation") or "")
    return _render("before_after", prefix, title, explanation, draw, wide=False, height=2.1)


def _within(
    series: list[dict[str, Any]], span: Any, first: str | None, last: str | None
) -> list[float]:
    """The values of the periods starting inside `span` ({start, end}, the analysis's own
    split: the period the change falls in is on neither side), else those starting on or
    after `first` / before `last`."""
    if isinstance(span, dict) and span.get("start") and span.get("end"):
        low, high = str(span["start"]), str(span["end"])
        return [p["value"] for p in series if low <= str(p["period"]) <= high]
    return [
        p["value"]
        for p in series
        if (first is None or str(p["period"]) >= first)
        and (last is None or str(p["period"]) < last)
    ]


PARETO_AXIS = {
    "count": "Count",
    "percent_lower": "Rows on the bad side",
    "percent_higher": "Rows on the bad side",
}


def charts_for(
    result: dict[str, Any], *, prefix: str, noun: tuple[str, str] = ("category", "categories")
) -> list[Chart]:
    """Every chart the analysis has data for, in reading order; `noun` names what the Pareto
    ranks (singular, plural), for its "others (12 categories)"."""
    made = (
        series_chart(result, prefix=f"{prefix}-series"),
        control_chart(result, prefix=f"{prefix}-xmr"),
        before_after_chart(result, prefix=f"{prefix}-ba"),
        pareto_chart(result, prefix=f"{prefix}-pareto", noun=noun),
    )
    return [chart for chart in made if chart is not None]
