"""A goal paper from a spreadsheet, and a paper as a spreadsheet that imports back unchanged.

The sheet has one row per milestone (and indicator) with its goal's columns beside it:

    Tema | Mål nr. | Mål | Type | Milepæl | Frist | Omfang | Udgangspunkt | Tovholder |
    Indikator | Enhed

A goal's rows stand together; on the rows after its first, "Mål nr.", "Mål", "Type" and
"Tema" may be repeated or left empty. A row may carry a milestone, an indicator, both, or
neither (a goal without milestones, such as a heading goal). "Frist" is read by
`goals.deadlines`; "Omfang" is kommune, fælles or klynge (empty: kommune); "Type" is KKR-mål,
udviklingsområde or fokusområde (empty: KKR-mål); "Udgangspunkt" is "18 af 19", optionally
with its year: "18 af 19 (2012)". A goal numbered "1.1 a" is a sub-goal of "1.1" when the
sheet has one, as "1.1" is of "1" (Midtjylland's numbering).

`read_paper(sheet, region)` checks every row and cell and gives a `PaperPlan` with one Danish
error per row and cell that is wrong (`RowError`, "Række 7, Frist (F7): …"); `import_paper`
creates the paper from a plan without errors as a draft, all or nothing, for the secretariat
to review before it adopts it. `paper_rows(paper)` is the way back: the same columns, the
cells written so that `read_paper` reads them as they are stored.

Why not django-import-export: its preview and errors are per row of one model, while a row
here spans five (theme, goal, sub-goal, milestone, indicator) with rules across rows (a goal
number used twice, titles that disagree, a baseline against the region's municipalities), the
deadlines are printed Danish phrases, and the series files (`goals.series_import`) need a
parser of their own anyway; openpyxl and csv do the reading for both.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals import deadlines
from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import Milestone
from goals.models import Theme
from goals.sheets import MAX_ERRORS
from goals.sheets import RowError
from goals.sheets import TooManyErrors
from goals.sheets import cell_text
from goals.sheets import column_letter
from goals.sheets import too_many_errors
from municipalities.models import Region

# The columns, in the template's order: (key, header). The headers are the file's format,
# the same in every language of the portal.
COLUMNS = [
    ("theme", "Tema"),
    ("number", "Mål nr."),
    ("title", "Mål"),
    ("kind", "Type"),
    ("milestone", "Milepæl"),
    ("due", "Frist"),
    ("scope", "Omfang"),
    ("baseline", "Udgangspunkt"),
    ("lead", "Tovholder"),
    ("indicator", "Indikator"),
    ("unit", "Enhed"),
]
HEADERS = dict(COLUMNS)
REQUIRED = ("number", "title")
# Ten times the longest paper the portal holds; each row is saved with its history, and a
# sheet of thousands of rows held a worker half a minute.
MAX_PAPER_ROWS = 500
GOAL_COLUMNS = ("theme", "number", "title", "kind")
MILESTONE_COLUMNS = ("due", "scope", "baseline", "lead")

KIND_WORDS = {
    "kkr-mål": Goal.Kind.COMMITMENT,
    "kkr mål": Goal.Kind.COMMITMENT,
    "udviklingsområde": Goal.Kind.DEVELOPMENT_AREA,
    "fokusområde": Goal.Kind.FOCUS_AREA,
}
KIND_CELLS = {
    Goal.Kind.COMMITMENT: "KKR-mål",
    Goal.Kind.DEVELOPMENT_AREA: "udviklingsområde",
    Goal.Kind.FOCUS_AREA: "fokusområde",
}
SCOPE_WORDS = {
    "kommune": Milestone.Scope.MUNICIPALITY,
    "hver kommune": Milestone.Scope.MUNICIPALITY,
    "fælles": Milestone.Scope.JOINT,
    "faelles": Milestone.Scope.JOINT,
    "fælles for kkr": Milestone.Scope.JOINT,
    "klynge": Milestone.Scope.CLUSTER,
    "hver klynge": Milestone.Scope.CLUSTER,
}
SCOPE_CELLS = {
    Milestone.Scope.MUNICIPALITY: "kommune",
    Milestone.Scope.JOINT: "fælles",
    Milestone.Scope.CLUSTER: "klynge",
}
# A new goal starts in force, or (a development area) not adopted yet: Goal.STARTING_STATES.
STARTING_STATE = {
    Goal.Kind.COMMITMENT: Goal.State.ACTIVE,
    Goal.Kind.DEVELOPMENT_AREA: Goal.State.PIPELINE,
    Goal.Kind.FOCUS_AREA: Goal.State.ACTIVE,
}
_BASELINE = re.compile(r"(\d+)\s*af\s*(\d+)(?:\s*(?:\((\d{4})\)|i\s+(\d{4})))?", re.IGNORECASE)
EXAMPLE = {
    "theme": "Akutfunktioner",
    "number": "1",
    "title": "Mere ensartede akutfunktioner i kommunerne",
    "kind": "KKR-mål",
    "milestone": "Alle kommuner har en akutfunktion, der lever op til kvalitetsstandarden.",
    "due": "inden udgangen af 2027",
    "scope": "kommune",
    "baseline": "18 af 19 (2026)",
    "lead": "Sundhedsstyregruppen",
    "indicator": "Forebyggelige indlæggelser blandt ældre",
    "unit": "pr. 1.000 ældre",
}


def _max_length(model, name):
    return model._meta.get_field(name).max_length


LIMITS = {
    "theme": _max_length(Theme, "title"),
    "number": _max_length(Goal, "number"),
    "title": _max_length(Goal, "title"),
    "lead": _max_length(Milestone, "lead"),
    "indicator": _max_length(Indicator, "name"),
    "unit": _max_length(Indicator, "unit"),
}


@dataclass
class MilestonePlan:
    row: int
    text: str
    due: object
    due_approximate: bool
    due_text: str
    scope: str
    lead: str
    baseline_count: int | None = None
    baseline_of: int | None = None
    baseline_year: int | None = None


@dataclass
class IndicatorPlan:
    row: int
    name: str
    unit: str


@dataclass
class GoalPlan:
    row: int
    number: str
    title: str
    kind: str
    theme: str
    parent: str | None = None
    milestones: list = field(default_factory=list)
    indicators: list = field(default_factory=list)


@dataclass
class PaperPlan:
    goals: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)

    @property
    def themes(self):
        seen = []
        for goal in self.goals:
            if goal.theme and goal.theme not in seen:
                seen.append(goal.theme)
        return seen

    @property
    def milestones(self):
        return [m for goal in self.goals for m in goal.milestones]

    @property
    def indicators(self):
        return [i for goal in self.goals for i in goal.indicators]

    def years(self):
        """(first, last) year of the deadlines, or (None, None): a paper's period as the
        sheet suggests it."""
        years = [m.due.year for m in self.milestones if m.due]
        return (min(years), max(years)) if years else (None, None)

    def summary(self):
        counts = [
            ngettext("%(n)s tema", "%(n)s temaer", len(self.themes)) % {"n": len(self.themes)},
            ngettext("%(n)s mål", "%(n)s mål", len(self.goals)) % {"n": len(self.goals)},
            ngettext("%(n)s milepæl", "%(n)s milepæle", len(self.milestones))
            % {"n": len(self.milestones)},
            ngettext("%(n)s indikator", "%(n)s indikatorer", len(self.indicators))
            % {"n": len(self.indicators)},
        ]
        return ", ".join(counts)


def _norm_header(text):
    return re.sub(r"[\s.]+", "", cell_text(text).lower())


_HEADER_KEYS = {_norm_header(header): key for key, header in COLUMNS}


class _Reader:
    def __init__(self, sheet, region):
        self.sheet = sheet
        self.region = region
        self.plan = PaperPlan()
        self.columns = {}  # key -> 0-based index
        self.seen_numbers = {}  # number -> row of its goal's first row
        self.goal = None
        self.municipality_count = region.municipalities.count()
        self.cluster_count = region.clusters.count()

    def error(self, message, row=None, key=None):
        column = HEADERS.get(key) if key else None
        letter = column_letter(self.columns[key]) if key in self.columns else None
        self.plan.errors.append(RowError(message, row, column, letter))
        if len(self.plan.errors) >= MAX_ERRORS - 1:
            raise TooManyErrors

    def read(self):
        try:
            self._read()
        except TooManyErrors:
            self.plan.errors.append(too_many_errors())
        return self.plan

    def _read(self):
        rows = [(n, cells) for n, cells in self.sheet.rows if any(cell_text(c) for c in cells)]
        if not rows:
            self.error(_("Filen er tom. Brug skabelonen, og skriv et mål pr. række."))
            return
        header_row, header = rows[0]
        if not self._header(header_row, header):
            return
        if len(rows) - 1 > MAX_PAPER_ROWS:
            self.error(
                _(
                    "Filen har %(n)s rækker under overskriftsrækken. Et målpapir kan højst have "
                    "%(max)s; del det op i flere papirer."
                )
                % {"n": len(rows) - 1, "max": MAX_PAPER_ROWS}
            )
            return
        for number, cells in rows[1:]:
            self._row(number, cells)
        if not self.plan.goals and not self.plan.errors:
            self.error(_("Filen indeholder ingen mål under overskriftsrækken."))
        self._parents()

    def _header(self, number, cells):
        for index, cell in enumerate(cells):
            text = cell_text(cell)
            if not text:
                continue
            key = _HEADER_KEYS.get(_norm_header(text))
            if key is None:
                self.plan.notices.append(
                    _("Kolonnen “%(name)s” (%(cell)s) bruges ikke og springes over.")
                    % {"name": text, "cell": f"{column_letter(index)}{number}"}
                )
            elif key in self.columns:
                self.plan.errors.append(
                    RowError(
                        _("Kolonnen “%(name)s” står også i %(cell)s. Slet den ene.")
                        % {
                            "name": HEADERS[key],
                            "cell": f"{column_letter(self.columns[key])}{number}",
                        },
                        number,
                        HEADERS[key],
                        column_letter(index),
                    )
                )
            else:
                self.columns[key] = index
        missing = [HEADERS[key] for key in REQUIRED if key not in self.columns]
        if missing:
            self.error(
                _(
                    "Overskriftsrækken mangler kolonnen %(names)s. Den første udfyldte række "
                    "skal have skabelonens overskrifter: %(all)s."
                )
                % {
                    "names": ", ".join(f"“{name}”" for name in missing),
                    "all": ", ".join(header for _key, header in COLUMNS),
                },
                number,
            )
            return False
        return not self.plan.errors

    def _cells(self, cells):
        found = {}
        for key, index in self.columns.items():
            value = cells[index] if index < len(cells) else None
            found[key] = value
        return found

    def _text(self, row, cells, key):
        text = re.sub(r"[ \t]+", " ", cell_text(cells.get(key))).strip()
        limit = LIMITS.get(key)
        if limit and len(text) > limit:
            self.error(
                _("Teksten må højst være %(max)s tegn; den er %(length)s.")
                % {"max": limit, "length": len(text)},
                row,
                key,
            )
            return None
        return text

    def _row(self, row, raw):
        cells = self._cells(raw)
        text = {key: self._text(row, cells, key) for key in cells if key not in ("due",)}
        if None in text.values():
            return  # a text too long: said once, the rest of the row waits for it
        goal = self._goal(row, text)
        if goal is None:
            return
        if text.get("milestone"):
            self._milestone(row, goal, text, cells.get("due"))
        else:
            for key in MILESTONE_COLUMNS:
                if cell_text(cells.get(key)):
                    self.error(
                        _("%(column)s er udfyldt, men rækken har ingen milepæl.")
                        % {"column": HEADERS[key]},
                        row,
                        key,
                    )
        if text.get("indicator"):
            goal.indicators.append(
                IndicatorPlan(row=row, name=text["indicator"], unit=text.get("unit", ""))
            )
        elif text.get("unit"):
            self.error(_("Enheden er udfyldt, men rækken har ingen indikator."), row, "unit")

    def _goal(self, row, text):
        """The goal the row belongs to: the one above (its number, or none given), or a new
        one. A goal with an error is still followed, so its other rows are checked too."""
        number, title = text.get("number", ""), text.get("title", "")
        current = self.goal
        if not number:
            if title or text.get("kind") or text.get("theme") or current is None:
                self.error(
                    _(
                        "Mål nr. mangler. Skriv målets nummer, som det står i papiret "
                        "(fx 1, 1.1 a eller A)."
                    ),
                    row,
                    "number",
                )
                return None
            return current  # another milestone of the goal above
        if current is not None and number == current.number:
            self._same_goal(row, current, text)
            return current
        kind = self._kind(row, text.get("kind", ""))
        goal = GoalPlan(
            row=row,
            number=number,
            title=title,
            kind=kind or Goal.Kind.COMMITMENT,
            theme=text.get("theme", ""),
        )
        self.goal = goal
        if number in self.seen_numbers:
            self.error(
                _(
                    "Mål nr. %(number)s står allerede i række %(first)s. Et nummer må kun bruges "
                    "til ét mål, og et måls rækker skal stå lige under hinanden."
                )
                % {"number": number, "first": self.seen_numbers[number]},
                row,
                "number",
            )
            return goal  # checked, never imported
        self.seen_numbers[number] = row
        if not title:
            self.error(_("Målets titel mangler."), row, "title")
        self.plan.goals.append(goal)
        return goal

    def _same_goal(self, row, goal, text):
        for key, stored in (("title", goal.title), ("theme", goal.theme)):
            given = text.get(key, "")
            if given and given != stored:
                self.error(
                    _(
                        "Mål nr. %(number)s har en anden %(column)s her end i række %(first)s. "
                        "Skriv det samme, eller lad cellen stå tom."
                    )
                    % {"number": goal.number, "column": HEADERS[key], "first": goal.row},
                    row,
                    key,
                )
        given = text.get("kind", "")
        if given:
            kind = self._kind(row, given)
            if kind is not None and kind != goal.kind:
                self.error(
                    _(
                        "Mål nr. %(number)s er %(kind)s i række %(first)s. Skriv den samme type, "
                        "eller lad cellen stå tom."
                    )
                    % {"number": goal.number, "kind": KIND_CELLS[goal.kind], "first": goal.row},
                    row,
                    "kind",
                )

    def _kind(self, row, text):
        if not text:
            return Goal.Kind.COMMITMENT
        kind = KIND_WORDS.get(text.lower())
        if kind is None:
            self.error(
                _("“%(text)s” er ikke en type. Skriv KKR-mål, udviklingsområde eller fokusområde.")
                % {"text": text},
                row,
                "kind",
            )
        return kind

    def _milestone(self, row, goal, text, due_cell):
        ok = True
        try:
            deadline = deadlines.parse_deadline(due_cell)
        except deadlines.DeadlineError as error:
            self.error(str(error), row, "due")
            ok = False
        scope_text = text.get("scope", "")
        scope = SCOPE_WORDS.get(scope_text.lower()) if scope_text else Milestone.Scope.MUNICIPALITY
        if scope is None:
            self.error(
                _("“%(text)s” er ikke et omfang. Skriv kommune, fælles eller klynge.")
                % {"text": scope_text},
                row,
                "scope",
            )
            ok = False
        baseline = self._baseline(row, text.get("baseline", ""), scope)
        if baseline is False:
            ok = False
        if not ok:
            return
        count, of, year = baseline or (None, None, None)
        goal.milestones.append(
            MilestonePlan(
                row=row,
                text=text["milestone"],
                due=deadline.due,
                due_approximate=deadline.approximate,
                due_text=deadline.text,
                scope=scope,
                lead=text.get("lead", ""),
                baseline_count=count,
                baseline_of=of,
                baseline_year=year,
            )
        )

    def _baseline(self, row, text, scope):
        """(count, of, year) of "18 af 19 (2012)", None when empty, False when wrong (said)."""
        if not text:
            return None
        found = _BASELINE.fullmatch(text.strip())
        if not found:
            self.error(
                _(
                    "“%(text)s” er ikke et udgangspunkt. Skriv hvor mange der opfyldte milepælen "
                    "ud af hvor mange, fx “18 af 19” eller “18 af 19 (2026)”."
                )
                % {"text": text},
                row,
                "baseline",
            )
            return False
        count, of = int(found[1]), int(found[2])
        year = found[3] or found[4]
        year = int(year) if year else None
        if count > of:
            message = _("Udgangspunktet %(count)s af %(of)s er flere end i alt.") % {
                "count": count,
                "of": of,
            }
        elif scope == Milestone.Scope.CLUSTER and of > self.cluster_count:
            message = _(
                "Udgangspunktet er ud af %(of)s klynger, men %(region)s har %(clusters)s."
            ) % {"of": of, "region": self.region.kkr_name, "clusters": self.cluster_count}
        elif scope != Milestone.Scope.CLUSTER and of > self.municipality_count:
            message = _(
                "Udgangspunktet er ud af %(of)s kommuner, men %(region)s har %(municipalities)s."
            ) % {
                "of": of,
                "region": self.region.kkr_name,
                "municipalities": self.municipality_count,
            }
        elif year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            message = _("Udgangspunktets år skal ligge mellem %(first)s og %(last)s.") % {
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
        else:
            return count, of, year
        self.error(message, row, "baseline")
        return False

    def _parents(self):
        """A goal whose number starts with another goal's number and a separator ("1.1 a"
        after "1.1", "1.1" after "1") is that goal's sub-goal: the longest such number."""
        numbers = [goal.number for goal in self.plan.goals]
        for goal in self.plan.goals:
            candidates = [
                number
                for number in numbers
                if number != goal.number
                and goal.number.startswith(number)
                and goal.number[len(number)] in ". -"
            ]
            goal.parent = max(candidates, key=len) if candidates else None


def read_paper(sheet, region):
    """The plan of the paper in `sheet` for `region`, with an error per row and cell that is
    wrong (`PaperPlan.errors`) and notes on what was passed over (`notices`)."""
    return _Reader(sheet, region).read()


def draft_refusal(region, title):
    """Why a paper of this title cannot be imported into `region` now, or None: the region
    has a draft of that title already, most often the same file imported twice (a
    confirmation sent again, a second click), and two drafts of one paper are one too many."""
    draft = GoalPaper.objects.filter(
        region=region, title=title.strip(), state=GoalPaper.State.DRAFT
    ).first()
    if draft is None:
        return None
    return _(
        "%(region)s har allerede et udkast med titlen “%(title)s”. Gennemgå det i "
        "administrationen, eller slet det, før filen importeres igen; giv ellers det nye papir "
        "en anden titel."
    ) % {"region": region.kkr_name, "title": draft.title}


class DraftExists(ValueError):
    """The region got a draft of this title after the form was checked: two confirmations
    at once (a double click, two colleagues). `text` is `draft_refusal`'s sentence."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def _unique_source(name):
    base = (name or "regneark")[:100]
    source, n = base, 1
    while GoalPaper.objects.filter(source=source).exists():
        n += 1
        source = f"{base} ({n})"
    return source


def _save_with_unique_source(paper, source, by):
    """Save the new paper under the first free source name. Another import may take the
    same name between the look and the save (the same file in another region at the same
    moment): then the next free one is taken."""
    for _attempt in range(5):
        paper.source = _unique_source(source)
        try:
            with transaction.atomic():
                return _save(paper, by)
        except IntegrityError:
            if not GoalPaper.objects.filter(source=paper.source).exists():
                raise  # another constraint: not a name taken meanwhile
            paper.pk = None
    raise IntegrityError("No free source name for the imported paper.")


@transaction.atomic
def import_paper(
    plan, *, region, title, by=None, kind=GoalPaper.Kind.KKR_GOALS, years=None, source=""
):
    """Create the paper of a plan without errors as a draft of `region`, all or nothing.

    `years` is (adopted, first, last), each None for the sheet's deadlines' years; the years
    the portal chose are marked as estimated in the paper's provenance, so the secretariat
    sees them to check when it reviews the draft."""
    if plan.errors:
        raise ValueError("A plan with errors cannot be imported.")
    # Checked again under the region's lock: the form's check may be older than a draft a
    # second confirmation of the same file made meanwhile.
    # (FOR NO KEY UPDATE on PostgreSQL: two imports wait for each other, while rows that
    # only refer to the region are written meanwhile.)
    Region.objects.select_for_update(no_key=True).filter(pk=region.pk).first()
    refusal = draft_refusal(region, title)
    if refusal:
        raise DraftExists(refusal)
    adopted, first, last = years or (None, None, None)
    guessed_first, guessed_last = plan.years()
    provenance = {}
    note = {
        "estimated": True,
        "note": _(
            "Anslået ud fra fristerne ved import fra regneark; ret det, når papiret vedtages."
        ),
    }
    if first is None:
        first = guessed_first or adopted or timezone.localdate().year
        provenance["first_year"] = note
    if last is None:
        last = max(guessed_last or first, first)
        provenance["last_year"] = note
    if adopted is None:
        adopted = first
        provenance["adopted_year"] = note
    paper = GoalPaper(
        region=region,
        title=title,
        kind=kind,
        state=GoalPaper.State.DRAFT,
        adopted_year=adopted,
        first_year=first,
        last_year=last,
        provenance=provenance,
    )
    _save_with_unique_source(paper, source, by)
    themes = {}
    for order, theme_title in enumerate(plan.themes, start=1):
        themes[theme_title] = _save(Theme(paper=paper, order=order, title=theme_title), by)
    goals = {}
    for order, item in enumerate(plan.goals, start=1):
        goal = Goal(
            paper=paper,
            theme=themes.get(item.theme),
            parent=goals.get(item.parent),
            number=item.number,
            order=order,
            title=item.title,
            kind=item.kind,
            state=STARTING_STATE[item.kind],
        )
        goals[item.number] = _save(goal, by)
        for m_order, m in enumerate(item.milestones, start=1):
            _save(
                Milestone(
                    goal=goal,
                    order=m_order,
                    text=m.text,
                    due=m.due,
                    due_approximate=m.due_approximate,
                    due_text=m.due_text,
                    scope=m.scope,
                    lead=m.lead,
                    baseline_count=m.baseline_count,
                    baseline_of=m.baseline_of,
                    baseline_year=m.baseline_year,
                ),
                by,
            )
        for i_order, i in enumerate(item.indicators, start=1):
            _save(Indicator(goal=goal, order=i_order, name=i.name, unit=i.unit), by)
    return paper


def _save(obj, by):
    if by is not None:
        obj._history_user = by
    obj.save()
    return obj


# --- the way back: a paper as the sheet ---------------------------------------------------


def baseline_cell(milestone):
    if milestone.baseline_count is None:
        return ""
    text = f"{milestone.baseline_count} af {milestone.baseline_of}"
    return f"{text} ({milestone.baseline_year})" if milestone.baseline_year else text


def paper_rows(paper):
    """The paper as the template's rows ({key: cell}, see COLUMNS), in the paper's order:
    a row per milestone, the goal's indicators beside its milestones, a goal without either
    on a row of its own. `read_paper` reads them back as they are stored."""
    goals = (
        Goal.objects.filter(paper=paper)
        .select_related("theme")
        .prefetch_related("milestones", "indicators")
        .order_by("order", "number")
    )
    rows = []
    for goal in goals:
        milestones, indicators = list(goal.milestones.all()), list(goal.indicators.all())
        for index in range(max(1, len(milestones), len(indicators))):
            row = {key: "" for key, _header in COLUMNS}
            row.update(
                theme=goal.theme.title if goal.theme else "",
                number=goal.number,
                title=goal.title,
                kind=KIND_CELLS[goal.kind],
            )
            if index < len(milestones):
                m = milestones[index]
                row.update(
                    milestone=m.text,
                    due=deadlines.deadline_cell(m.due, m.due_approximate, m.due_text),
                    scope=SCOPE_CELLS[m.scope],
                    baseline=baseline_cell(m),
                    lead=m.lead,
                )
            if index < len(indicators):
                row.update(indicator=indicators[index].name, unit=indicators[index].unit)
            rows.append(row)
    return rows


def template_rows():
    """The template's one example row."""
    return [dict(EXAMPLE)]


def columns():
    """(key, header) of the sheet, for `reports.exports`."""
    return list(COLUMNS)
