"""Charts drawn on the server as SVG, the same markup on the web page and in the PDF.

No JavaScript and no chart library: a goal's trend is a stack of horizontal bars, one per
round (after the baseline at adoption), each split into the evaluations of its answers.
Every segment carries its number and symbol beside its colour, so the chart reads in black
and white and for the colour-blind.
"""

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


def trend_chart(goal_progress, *, title=None):
    """The goal's progress over the rounds as an inline SVG (safe markup)."""
    points = goal_progress.trend
    bar_width = WIDTH - LABEL_WIDTH - SHARE_WIDTH
    height = len(points) * (ROW + GAP) + LEGEND + 4
    title = title or _("Udvikling for mål %(number)s") % {"number": goal_progress.goal.number}
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'font-family="DejaVu Sans, sans-serif" font-size="11">'
        ),
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_describe(points))}</desc>",
    ]
    for i, point in enumerate(points):
        y = i * (ROW + GAP)
        label = (
            _("Udgangspunkt %(year)s") % {"year": point.year}
            if point.baseline
            else _("Status %(year)s") % {"year": point.year}
        )
        style = ' font-style="italic"' if point.baseline else ""
        parts.append(
            f'<text x="0" y="{y + ROW / 2 + 4}" fill="#1d2733"{style}>{escape(label)}</text>'
        )
        total = point.tally.total
        x = float(LABEL_WIDTH)
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
            if w >= 7 * len(text) + 6:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + ROW / 2 + 4}" fill="{ink}" '
                    f'text-anchor="middle">{text}</text>'
                )
            x += w
        share = _("%(share)s %% opfyldt") % {"share": point.tally.share("met")} if total else ""
        parts.append(
            f'<text x="{WIDTH}" y="{y + ROW / 2 + 4}" text-anchor="end" font-weight="bold" '
            f'fill="#1d2733">{share}</text>'
        )
    parts.append(_legend(len(points) * (ROW + GAP) + 6))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _legend(y):
    parts = []
    x = float(LABEL_WIDTH)
    for evaluation in EVALUATIONS:
        fill, _ink = COLOURS[evaluation]
        evaluation = Evaluation(evaluation)
        label = f"{evaluation.symbol} {evaluation.label}"
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/>'
            f'<text x="{x + 16}" y="{y + 10}" fill="#1d2733" font-size="10">{escape(label)}</text>'
        )
        x += 24 + 6.1 * len(label)
    return "".join(parts)


def _describe(points):
    """The chart in words, for screen readers."""
    return "; ".join(
        _("%(year)s: %(met)s af %(total)s opfyldt")
        % {"year": p.year, "met": p.tally["met"], "total": p.tally.total}
        for p in points
    )
