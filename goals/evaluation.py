"""The two vocabularies of a status, named, and the rules between them.

The municipality's own status (`MilestoneStatus.Status`: ikke påbegyndt, i gang, opfyldt,
ikke relevant; shown as "Kommunens status") is what the reporter picks. The portal's
`Evaluation` (opfyldt, på vej, forsinket, ikke indberettet, ikke relevant; shown as
"Vurdering") follows from that status and the milestone's deadline, read as 31 December of
the round's year, so nobody can talk a line up:

- met: reported as met;
- on track: not met, the deadline is still ahead;
- overdue: not met and the deadline has passed;
- missing: nothing reported (no submitted or approved report, or the line left blank);
- not relevant: reported as not relevant.

Goals are judged in the same words (met, on track, overdue), or not at all when there is
nothing to evaluate (`goal_verdict`, with the one sentence that says why). The read side
(reports/progress.py), the report form and the review page all use these definitions.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from goals.models import MilestoneStatus
from goals.models import StatusReport


class Evaluation(models.TextChoices):
    """The portal's evaluation of an answer, and of a goal (met, on track, overdue)."""

    MET = "met", _("Opfyldt")
    ON_TRACK = "on_track", _("På vej")
    OVERDUE = "overdue", _("Forsinket")
    MISSING = "missing", _("Ikke indberettet")
    NOT_RELEVANT = "not_relevant", _("Ikke relevant")

    # A symbol beside the colour, so a cell reads in black and white and for the
    # colour-blind (the symbols are in DejaVu Sans, which the PDFs embed); a short word for
    # narrow matrix cells; and the rule in one sentence.
    @property
    def symbol(self):
        return _LOOKS[self.value][0]

    @property
    def short(self):
        return _LOOKS[self.value][1]

    @property
    def help(self):
        return _LOOKS[self.value][2]


class EvaluationLook:
    """A read-only attribute that shows the `Evaluation` held in another attribute:
    `label = EvaluationLook("evaluation")` reads `Evaluation(self.evaluation).label`."""

    def __init__(self, source, attribute=None):
        self.source = source
        self.attribute = attribute

    def __set_name__(self, owner, name):
        self.attribute = self.attribute or name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(Evaluation(getattr(obj, self.source)), self.attribute)


_LOOKS = {
    "met": ("✓", _("Opfyldt"), _("Kommunen har meldt milepælen opfyldt.")),
    "on_track": ("◐", _("På vej"), _("Ikke opfyldt endnu, men fristen er ikke nået.")),
    "overdue": ("✗", _("Forsinket"), _("Fristen er overskredet, og milepælen er ikke opfyldt.")),
    "missing": ("?", _("Ikke indb."), _("Der er ikke indsendt status for milepælen.")),
    "not_relevant": ("–", _("Ikke rel."), _("Kommunen har meldt milepælen ikke relevant.")),
}

# Plain strings in cells, tallies and the stored record (they serialise to JSON as is).
MET = Evaluation.MET.value
ON_TRACK = Evaluation.ON_TRACK.value
OVERDUE = Evaluation.OVERDUE.value
MISSING = Evaluation.MISSING.value
NOT_RELEVANT = Evaluation.NOT_RELEVANT.value
EVALUATIONS = Evaluation.values
GOAL_EVALUATIONS = [MET, ON_TRACK, OVERDUE]

# Only what a municipality has sent in counts; a draft or a returned report is not reported.
REPORTED_STATES = StatusReport.REPORTED_STATES

# How far along each own status is, for "steget"/"faldet"; "ikke relevant" has no place.
_STATUS_RANK = {
    MilestoneStatus.Status.NOT_STARTED: 0,
    MilestoneStatus.Status.IN_PROGRESS: 1,
    MilestoneStatus.Status.MET: 2,
}


def as_of(round_year):
    """The day a round's statuses are measured against: the end of the round's year, so
    a milestone due "inden udgangen af 2017" is overdue in the 2017 status if not met.
    An approximate deadline ("primo 2018") is stored as a date and read the same way."""
    return datetime.date(round_year, 12, 31)


def evaluate(status, due, on):
    """The evaluation of one self-reported status for a milestone due `due`, on day `on`."""
    if status == MilestoneStatus.Status.MET:
        return MET
    if status == MilestoneStatus.Status.NOT_RELEVANT:
        return NOT_RELEVANT
    if not status:
        return MISSING
    if due is not None and due <= on:
        return OVERDUE
    return ON_TRACK


def status_label(status):
    return MilestoneStatus.Status(status).label if status else ""


def change_text(previous, status):
    """How an answer moved since the last round, in words ("ny: opfyldt", "faldet fra
    opfyldt til i gang"); "" when it did not move."""
    if previous == status:
        return ""
    words = {"before": status_label(previous), "now": status_label(status)}
    if not previous:
        return _("ny: %(now)s") % words
    if not status:
        return _("ikke indberettet (sidst: %(before)s)") % words
    before, now = _STATUS_RANK.get(previous), _STATUS_RANK.get(status)
    if before is None or now is None:
        return _("ændret fra %(before)s til %(now)s") % words
    if now > before:
        return _("steget fra %(before)s til %(now)s") % words
    return _("faldet fra %(before)s til %(now)s") % words


def line_evaluation(status, milestone, year):
    """The `Cell` a saved status of `milestone` will count as in the round of `year` once
    the report is submitted (shown beside the line on the report form); None while blank."""
    if not status:
        return None
    return Cell(evaluation=evaluate(status, milestone.due, as_of(year)), status=status)


def legend():
    """One example cell per evaluation, for the legends under tables and charts."""
    return [Cell(evaluation=e) for e in EVALUATIONS]


class Tally(Counter):
    """Counts of cells per evaluation, with the totals a page shows."""

    def __missing__(self, key):
        # Templates look `tally.total` up as tally["total"] first; only evaluations count.
        if key in EVALUATIONS:
            return 0
        raise KeyError(key)

    @property
    def total(self):
        return sum(self[e] for e in EVALUATIONS)

    @property
    def met(self):
        return self[MET]

    def share(self, evaluation):
        return round(100 * self[evaluation] / self.total) if self.total else 0

    def rows(self):
        """(evaluation, label, symbol, count) of the evaluations that occur (met always), in
        a fixed order."""
        return [
            (e, Evaluation(e).label, Evaluation(e).symbol, self[e])
            for e in EVALUATIONS
            if self[e] or e == MET
        ]


@dataclass
class Cell:
    """One answer to a milestone: a municipality's line, or the secretariat's joint
    progress for a cluster or for the whole KKR. `previous` is the status in the last
    published round ("" when unanswered then), None when there was no earlier round."""

    evaluation: str
    status: str = ""
    comment: str = ""
    evidence_url: str = ""
    previous: str | None = None
    # The same status as last round, evaluated overdue now only because the deadline has
    # passed since: a change the reader must see too.
    turned_overdue: bool = False

    label = EvaluationLook("evaluation")
    short = EvaluationLook("evaluation")
    symbol = EvaluationLook("evaluation")
    help = EvaluationLook("evaluation")

    @property
    def status_label(self):
        return status_label(self.status)

    @property
    def change(self):
        if self.previous is None:
            return ""
        if self.turned_overdue and self.previous == self.status:
            return _("nu forsinket: fristen er passeret (status: %(now)s)") % {
                "now": status_label(self.status)
            }
        return change_text(self.previous, self.status)


@dataclass(frozen=True)
class Verdict:
    """A goal's verdict (MET, ON_TRACK, OVERDUE, or None when there is nothing to evaluate)
    and the one sentence that says why, naming whoever makes a goal late."""

    evaluation: str | None
    reason: str


def goal_verdict(milestones, who, on, *, ticked_off=False):
    """The verdict on a goal, the one rule every page, PDF, export and API answer shows.

    `milestones` are (milestone, {key: Cell}) of the milestones the round asked about, `who`
    names the one behind a milestone's key, `who(milestone, key)` (a municipality, a cluster,
    KKR as a whole), `on` is the round's day
    (`as_of`). Met when the KKR ticked the goal
    off or every answer is met (or not relevant); overdue when a line is not met after its
    deadline, or nothing was reported although the deadline has passed; on track when
    something is answered and no deadline has passed unmet; no verdict otherwise (no
    milestones asked, nothing reported yet, only "ikke relevant")."""
    cells = [(m, key, cell) for m, by_key in milestones for key, cell in by_key.items()]
    if ticked_off:
        return Verdict(MET, gettext("KKR har sat hak ved målet som opfyldt."))
    if not cells:
        return Verdict(None, gettext("Målet har ingen milepæle at vurdere i denne status."))
    late = _names(who, [(m, k) for m, k, c in cells if c.evaluation == OVERDUE])
    missing = _names(
        who,
        [
            (m, k)
            for m, k, c in cells
            if c.evaluation == MISSING and m.due is not None and m.due <= on
        ],
    )
    if late or missing:
        return Verdict(OVERDUE, _late_reason(late, missing))
    counted = Tally(c.evaluation for _m, _k, c in cells if c.evaluation != NOT_RELEVANT)
    if not counted[MET] and not counted[ON_TRACK]:
        return Verdict(None, _nothing_reported(counted))
    if counted[MET] == counted.total:
        return Verdict(
            MET,
            ngettext("Svaret er opfyldt.", "Alle %(n)s svar er opfyldt.", counted.total)
            % {"n": counted.total},
        )
    return Verdict(
        ON_TRACK,
        gettext("%(met)s af %(of)s svar er opfyldt, og ingen frist er overskredet.")
        % {"met": counted[MET], "of": counted.total},
    )


def _names(who, cells):
    """The names behind (milestone, key) pairs, each once, in the order given."""
    return list(dict.fromkeys(str(who(milestone, key)) for milestone, key in cells))


def _late_reason(late, missing):
    """Who makes the goal late, in sentences that do not name the verdict: the badge beside
    them already says "Forsinket", on the web and in the PDF alike."""
    parts = []
    if late:
        parts.append(
            gettext("Ikke opfyldt efter fristen: %(names)s.")
            % {"names": get_text_list(late, gettext("og"))}
        )
    if missing:
        parts.append(
            gettext("Status mangler efter fristen: %(names)s.")
            % {"names": get_text_list(missing, gettext("og"))}
        )
    return " ".join(parts)


def _nothing_reported(counted):
    if counted.total:
        return gettext("Ingen har indberettet status endnu, og ingen frist er passeret.")
    return gettext("Alle svar er meldt ikke relevante, så der er intet at vurdere.")
