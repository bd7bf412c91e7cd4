"""Charts drawn on the server as SVG, the same markup on the web page and in the PDF.

No JavaScript and no chart library: a goal's trend is a stack of horizontal bars, one per
round (after the baseline at adoption), each split into the evaluations of its answers.
Every segment carries its number and symbol beside its colour, so the chart reads in black
and white and for the colour-blind.
"""

import itertools

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from goals.evaluation import EVALUATIONS
from goals.evaluation import Evaluation

# Colours chosen to stay apart for the common colour-vision deficiencies; the symbols and
# numbers carry the meaning where colour does not.
COLOURS = {
    "met": ("#1b7a3d", "#ffffff"),
    "on_track": ("#f0b429", "#1d2733"),
    "overdue": ("#b3261e", "#ffffff"),
    "missing": ("#8a94a0", "#ffffff"),
    "not_relevant": ("#dde2e7", "#1d2733"),
}

WIDTH = 640
LABEL_WIDTH = 128
SHARE_WIDTH = 90
ROW = 24
GAP = 8
LEGEND = 26
# A phone's chart: drawn for its width (360 px less the page's margins) rather than the wide
# one scaled down to about half, whose 11-unit labels would be read at about 6 px. Each
# round's label and share stand above its bar, and the legend wraps.
NARROW_WIDTH = 340
NARROW_FONT = 13
NARROW_LABEL_LINE = 18


def _text_width(text, font):
    """About how wide `text` is drawn at `font` (DejaVu Sans: ~0.6 of the size a letter)."""
    return 0.62 * font * len(text)


def trend_chart(goal_progress, *, title=None, narrow=False):
    """The goal's progress over the rounds as an inline SVG (safe markup); `narrow`: the
    phone's chart (class "narrow"), which the page shows instead below 40rem."""
    points = goal_progress.trend
    if not any(point.tally.total for point in points):
        return ""  # nothing was ever counted (a goal that heads its sub-goals): no empty bars
    width = NARROW_WIDTH if narrow else WIDTH
    font = NARROW_FONT if narrow else 11
    left = 0 if narrow else LABEL_WIDTH
    bar_width = width if narrow else WIDTH - LABEL_WIDTH - SHARE_WIDTH
    label_line = NARROW_LABEL_LINE if narrow else 0
    step = label_line + ROW + GAP
    legend, legend_height = _legend(
        len(points) * step + 6, width, left, NARROW_FONT if narrow else 10
    )
    notes = [_earlier_goal_note(p) for p in points if p.earlier_goal]
    notes_top = len(points) * step + legend_height + 6
    height = notes_top + len(notes) * 16 + 4
    for i, note in enumerate(notes):  # at 10 units, to fit the phone's chart too
        legend += (
            f'<text x="{left}" y="{notes_top + (i + 1) * 16 - 4}" fill="#1d2733" '
            f'font-size="10" font-style="italic">{escape(note)}</text>'
        )
    title = title or _("Udvikling for mål %(number)s") % {"number": goal_progress.goal.number}
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart{" narrow" if narrow else ""}" '
            f'role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-family="DejaVu Sans, sans-serif" font-size="{font}">'
        ),
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_describe(points))}</desc>",
    ]
    for i, point in enumerate(points):
        top = i * step
        y = top + label_line  # the bar's top
        text_y = top + font if narrow else y + ROW / 2 + 4
        label = _point_label(point)
        style = ' font-style="italic"' if point.baseline else ""
        parts.append(f'<text x="0" y="{text_y}" fill="#1d2733"{style}>{escape(label)}</text>')
        total = point.tally.total
        x = float(left)
        if not total:
            # Outside the f-string, where makemessages can find it.
            empty = escape(_("Ingen indberetninger"))
            parts.append(
                f'<rect x="{x}" y="{y}" width="{bar_width}" height="{ROW}" fill="none" '
                f'stroke="#d5dbe1"/><text x="{x + 6}" y="{y + ROW / 2 + 4}" fill="#5b6673">'
                f"{empty}</text>"
            )
        for evaluation in EVALUATIONS:
            n = point.tally[evaluation]
            if not n or not total:
                continue
            w = bar_width * n / total
            fill, ink = COLOURS[evaluation]
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW}" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="1"/>'
            )
            text = f"{Evaluation(evaluation).symbol} {n}"
            if w >= _text_width(text, font) + 6:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + ROW / 2 + 4}" fill="{ink}" '
                    f'text-anchor="middle">{text}</text>'
                )
            x += w
        share = _("%(share)s %% opfyldt") % {"share": point.tally.share("met")} if total else ""
        parts.append(
            f'<text x="{width}" y="{text_y}" text-anchor="end" font-weight="bold" '
            f'fill="#1d2733">{share}</text>'
        )
    parts.append(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _legend(y, width, left, font):
    """The legend from (`left`, `y`), wrapped to the chart's `width`: (markup, height)."""
    parts, start = [], y
    x, line_height = float(left), font + 8
    for evaluation in EVALUATIONS:
        fill, _ink = COLOURS[evaluation]
        evaluation = Evaluation(evaluation)
        label = f"{evaluation.symbol} {evaluation.label}"
        item_width = 24 + _text_width(label, font)
        if x > left and x + item_width > width:
            x, y = float(left), y + line_height
        parts.append(
            f'<rect x="{x}" y="{y}" width="{font + 2}" height="{font + 2}" fill="{fill}"/>'
            f'<text x="{x + font + 6}" y="{y + font}" fill="#1d2733" font-size="{font}">'
            f"{escape(label)}</text>"
        )
        x += item_width
    return "".join(parts), y + line_height - start


def _earlier_goal_note(point):
    """Whose answers a round counted when they were the goal's predecessor's (one history)."""
    return _("* %(label)s: svarene på mål %(number)s, som målet viderefører") % {
        "label": _("Status %(year)s") % {"year": point.year},
        "number": point.earlier_goal.number,
    }


def _point_label(point):
    """ "Status 2018", "Udgangspunkt 2012", or "Udgangspunkt" where the paper gives no year;
    "Status 2017 *" where the round counted the goal it continues (see the note below)."""
    if point.earlier_goal:
        return _("Status %(year)s") % {"year": point.year} + " *"
    if not point.baseline:
        return _("Status %(year)s") % {"year": point.year}
    if point.year is None:
        return _("Udgangspunkt")
    return _("Udgangspunkt %(year)s") % {"year": point.year}


def _describe(points):
    """The chart in words, for screen readers."""
    return "; ".join(
        _("%(label)s: %(met)s af %(total)s opfyldt")
        % {
            "label": _earlier_goal_note(p) if p.earlier_goal else _point_label(p),
            "met": p.tally["met"],
            "total": p.tally.total,
        }
        if p.tally.total
        else _("%(label)s: ingen indberetninger") % {"label": _point_label(p)}
        for p in points
    )


# --- an indicator's series: the source's figures over the years ------------------------------

SERIES_INK = "#1f4e79"  # the municipality's own line
SERIES_REFERENCE = "#6b7684"  # the region's (dashed) and the whole country's (dotted)
SERIES_BASELINE = "#b3261e"


def series_scale(view):
    """(low, high) of the value axis: every value of the series shown, with some air, so
    that the small charts of a goal's municipalities share one scale and compare."""
    values = [float(v) for line in view.lines for v in line.values.values()]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    # At least a fifth of the largest value from bottom to top: a change of a few tenths
    # must not fill the chart and look like a leap.
    least = max(abs(low), abs(high)) * 0.2
    if high - low < least:
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
    air = (high - low) * 0.08 or 1.0
    return low - air, high + air


def _series_path(points):
    """An SVG path through (x, y) points, broken where a year has no value (None)."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def series_chart(view, line, *, scale, small=False, narrow=False):
    """A line chart of `line` (a municipality's values; None for the references only)
    against the region's (dashed) and the whole country's (dotted), with the baseline year
    marked: one of a goal's small charts (`small`), or the municipality page's and paper's
    chart. Inline SVG, its text alternative in <title> and <desc>; the pages put the figures
    in a table beside it. `narrow`: the phone's twin of the page's chart (class "narrow"),
    drawn like a small one at 340 units with 13-unit labels (the wide one would be read at
    about 6 px); the small ones' labels are 10 units, drawn at up to 16rem on a phone."""
    years = view.years
    compact = small or narrow  # two years, the axis' ends, the latest figure at the line
    if small:
        width, height, left, right, top, bottom = 200, 108, 32, 8, 8, 18
    elif narrow:
        width, height, left, right, top, bottom = NARROW_WIDTH, 200, 48, 10, 12, 22
    else:
        width, height, left, right, top, bottom = 640, 230, 52, 150, 18, 28
    low, high = scale
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (years[-1] - years[0]) or 1

    def x(year):
        return left + plot_w * (year - years[0]) / span if len(years) > 1 else left + plot_w / 2

    def y(value):
        return top + plot_h * (1 - (float(value) - low) / ((high - low) or 1))

    def points(values):
        return [(x(year), y(values[year])) if year in values else None for year in years]

    name = line.label if line else view.indicator.name
    title = _("%(name)s: %(indicator)s, %(first)s–%(last)s") % {
        "name": name,
        "indicator": view.indicator.name,
        "first": years[0],
        "last": years[-1],
    }
    font = 10 if small else NARROW_FONT if narrow else 11
    kind = " small" if small else " narrow" if narrow else ""
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="series-chart{kind}" '
            f'role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-family="DejaVu Sans, sans-serif" font-size="{font}">'
        ),
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_describe_series(view, line))}</desc>",
        # The value axis: its lowest and highest figure, and the frame of the plot.
        (
            f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="#c5ccd3"/>'
        ),
    ]
    for value in (low, high) if compact else (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 3:.1f}" text-anchor="end" fill="#5b6673">'
            f"{escape(view.number(round(value, view.decimals)))}</text>"
        )
        if not compact:
            parts.append(
                f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
                f'stroke="#e6eaee"/>'
            )
    shown_years = [years[0], years[-1]] if compact else years
    for year in shown_years:
        # The small chart's two years stand inside its edges, not across them.
        anchor = "middle"
        if compact and len(years) > 1:
            anchor = "start" if year == years[0] else "end"
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - 4}" text-anchor="{anchor}" fill="#5b6673">'
            f"{year}</text>"
        )
    baseline = view.baseline_year
    if baseline is not None and years[0] <= baseline <= years[-1]:
        bx = x(baseline)
        parts.append(
            f'<line x1="{bx:.1f}" y1="{top - 2}" x2="{bx:.1f}" y2="{top + plot_h}" '
            f'stroke="{SERIES_BASELINE}" stroke-width="1" stroke-dasharray="2 2"/>'
        )
        label = str(baseline) if compact else _("Udgangspunkt %(year)s") % {"year": baseline}
        anchor = "start" if bx < left + plot_w * 0.7 else "end"
        shift = 3 if anchor == "start" else -3
        parts.append(
            f'<text x="{bx + shift:.1f}" y="{top + (6 if compact else 8)}" text-anchor="{anchor}" '
            f'fill="{SERIES_BASELINE}">{escape(label)}</text>'
        )
    ends = []
    for reference, dash in ((view.national, "1 3"), (view.region, "5 3")):
        if reference is None:
            continue
        parts.append(
            f'<path d="{_series_path(points(reference.values))}" fill="none" '
            f'stroke="{SERIES_REFERENCE}" stroke-width="{1.2 if compact else 1.6}" '
            f'stroke-dasharray="{dash}"/>'
        )
        ends.append((reference, SERIES_REFERENCE))
    if line is not None:
        own = points(line.values)
        parts.append(
            f'<path d="{_series_path(own)}" fill="none" stroke="{SERIES_INK}" '
            f'stroke-width="{2 if compact else 2.5}"/>'
        )
        for point in own:
            if point is not None:
                parts.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="{1.8 if compact else 3}" '
                    f'fill="{SERIES_INK}"/>'
                )
        ends.append((line, SERIES_INK))
    if not compact:
        parts.extend(_end_labels(ends, x, y, view))
    elif line is not None and line.last_year is not None:
        # The latest figure beside the line's end, for reading the small chart at a glance.
        last = line.last_year
        parts.append(
            f'<text x="{x(last) - 2:.1f}" y="{y(line.values[last]) - 5:.1f}" text-anchor="end" '
            f'fill="{SERIES_INK}" font-weight="bold">{escape(view.number(line.values[last]))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _end_labels(ends, x, y, view):
    """Each line's name and latest figure to the right of its end, pushed apart so that
    they do not overlap."""
    labels = []
    for line, colour in ends:
        last = line.last_year
        if last is None:
            continue
        labels.append(
            [
                y(line.values[last]),
                x(last),
                f"{line.label} {view.number(line.values[last])}",
                colour,
            ]
        )
    labels.sort()
    for above, below in itertools.pairwise(labels):
        if below[0] - above[0] < 13:
            below[0] = above[0] + 13
    return [
        f'<text x="{lx + 6:.1f}" y="{ly + 4:.1f}" fill="{colour}">{escape(text)}</text>'
        for ly, lx, text, colour in labels
    ]


def _describe_series(view, line):
    """The chart in words: each line's first and latest figure, and the baseline year's."""
    sentences = []
    for shown in [line, view.region, view.national]:
        if shown is None or not shown.values:
            continue
        first, last = shown.first_year, shown.last_year
        text = _("%(name)s: %(first_year)s %(first)s, %(last_year)s %(last)s") % {
            "name": shown.label,
            "first_year": first,
            "first": view.number(shown.values[first]),
            "last_year": last,
            "last": view.number(shown.values[last]),
        }
        baseline = view.baseline_year
        if baseline in shown.values and baseline not in (first, last):
            text += _(" (udgangspunkt %(year)s: %(value)s)") % {
                "year": baseline,
                "value": view.number(shown.values[baseline]),
            }
        sentences.append(text)
    return ". ".join(sentences) + "."
