"""A milestone's deadline as a paper prints it, and the date the portal evaluates it by.

Papers rarely print a date: they say "inden udgangen af 2017", "primo 2018", "i løbet af
2013". A milestone keeps the printed words (`due_text`), the date they mean (`due`) and whether
that date is only approximate (`due_approximate`): `goals.evaluation` reads an approximate date
the same way as an exact one, so the date each phrase stands for is a rule, and this module is
its home. The papers in `fixtures/papers/` were read by the same rules (tests/test_deadlines.py
checks every milestone there against them), and the spreadsheet import of a paper
(`goals.paper_import`) parses its "Frist" column here; its export writes the cell back with
`deadline_cell`, so a paper exported and imported again keeps every deadline.

What a cell may hold:

- nothing: no deadline;
- a date (31.12.2017, 2017-12-31, 31-12-2017, 31/12/2017, or a date cell of a spreadsheet):
  exact, no printed wording; "ca. 31.12.2017" is the same date, approximate;
- a printed phrase with a year, e.g. "inden udgangen af 2017" (31.12., exact), "senest i 2014"
  (31.12., exact), "i 2017", "i løbet af 2013", "frem mod 2018", "ultimo 2018" (31.12.,
  approximate), "primo 2018" (31.3.), "medio 2018" (30.6.), "fra 2018" (1.1.), "første halvår
  2018", "2. kvartal 2018", "marts 2018", "inden udgangen af marts 2018" (the month's last
  day, exact), "senest 1. april 2018" (exact), "i perioden 2013–2014" (the last year's 31.12.);
- "løbende": printed, but no deadline;
- any wording followed by the date in brackets, when the words alone give no date (or another
  one): "inden udgangen af marts måned (ca. 31.03.2013)", "efter aftale (31.12.2017)",
  "når aftalen er indgået (uden dato)".
"""

import datetime
import re
from calendar import monthrange
from dataclasses import dataclass

from django.utils.translation import gettext as _

from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from goals.models import Milestone

MONTHS = {
    "januar": 1,
    "februar": 2,
    "marts": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_MONTH = "(" + "|".join(MONTHS) + ")"
_YEAR = r"(\d{4})"
TEXT_MAX = Milestone._meta.get_field("due_text").max_length
APPROXIMATE_MARK = "ca. "
NO_DATE = "uden dato"


class DeadlineError(ValueError):
    """A cell that is neither a date nor a phrase this module knows; `str()` says so in
    Danish (in the active language), with examples of what would do."""


@dataclass(frozen=True)
class Deadline:
    due: datetime.date | None
    approximate: bool
    text: str  # the printed wording; "" for a plain date

    def as_fields(self):
        """The milestone's fields."""
        return {"due": self.due, "due_approximate": self.approximate, "due_text": self.text}


def _end_of_month(year, month):
    return datetime.date(year, month, monthrange(year, month)[1])


def _quarter_end(year, quarter):
    return _end_of_month(year, quarter * 3)


# (pattern, what it means): each pattern is matched against the whole cell in lower case,
# spaces collapsed and a closing full stop dropped; the function gets the match's groups and
# returns (date, approximate).
_PHRASES = [
    (rf"(?:inden|før) udgangen af {_YEAR}", lambda y: (_end_of_month(int(y), 12), False)),
    (rf"senest (?:i )?{_YEAR}", lambda y: (_end_of_month(int(y), 12), False)),
    (
        rf"(?:inden|før) udgangen af {_MONTH}(?: måned)? {_YEAR}",
        lambda m, y: (_end_of_month(int(y), MONTHS[m]), False),
    ),
    (rf"(?:i )?(?:løbet af )?{_YEAR}", lambda y: (_end_of_month(int(y), 12), True)),
    (rf"(?:frem mod|ultimo|i slutningen af|slutningen af) {_YEAR}", lambda y: (_end_of_month(int(y), 12), True)),
    (rf"(?:primo|i starten af|starten af|i begyndelsen af|begyndelsen af) {_YEAR}", lambda y: (_end_of_month(int(y), 3), True)),
    (rf"(?:medio|i midten af|midten af) {_YEAR}", lambda y: (_end_of_month(int(y), 6), True)),
    (rf"fra(?: og med)? {_YEAR}", lambda y: (datetime.date(int(y), 1, 1), True)),
    (
        rf"(?:i )?(?:løbet af )?(første|1\.|andet|2\.|sidste) halvår(?: af)? {_YEAR}",
        lambda h, y: (_end_of_month(int(y), 6 if h in ("første", "1.") else 12), True),
    ),
    (
        rf"(?:i )?(?:løbet af )?([1-4])\. kvartal(?: af)? {_YEAR}",
        lambda q, y: (_quarter_end(int(y), int(q)), True),
    ),
    (
        rf"(?:i )?(?:løbet af )?{_MONTH}(?: måned)? {_YEAR}",
        lambda m, y: (_end_of_month(int(y), MONTHS[m]), True),
    ),
    (
        rf"(?:i )?(?:perioden |årene )?{_YEAR} ?[-–] ?{_YEAR}",
        lambda first, last: (_end_of_month(int(last), 12), True),
    ),
]  # fmt: skip
_PHRASES = [(re.compile(pattern), meaning) for pattern, meaning in _PHRASES]
# "senest 1. april 2018", "inden den 31.12.2017": a date, exact.
_BEFORE_DATE = re.compile(r"(?:senest|inden|før)(?: den)? (.+)")
_NO_DEADLINE = re.compile(r"løbende\b.*")
_BRACKETED = re.compile(r"(.*\S)\s*\(([^()]*)\)")


def _clean(text):
    return re.sub(r"\s+", " ", text).strip().lower().rstrip(".").strip()


def _date(text):
    """A date written as 31.12.2017, 31-12-2017, 31/12/2017, 2017-12-31 or "1. april 2018";
    None when the text is no date. A day that does not exist raises DeadlineError."""
    text = text.strip()
    found = re.fullmatch(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})", text)
    if found:
        day, month, year = (int(part) for part in found.groups())
    else:
        found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if found:
            year, month, day = (int(part) for part in found.groups())
        else:
            found = re.fullmatch(rf"(\d{{1,2}})\.? {_MONTH} {_YEAR}", text.lower())
            if not found:
                return None
            day, month, year = int(found[1]), MONTHS[found[2]], int(found[3])
    try:
        return _within_years(datetime.date(year, month, day))
    except ValueError:
        raise DeadlineError(_("“%(text)s” er ikke en dato, der findes.") % {"text": text}) from None


def _out_of_years():
    return DeadlineError(
        _("Fristens år skal ligge mellem %(first)s og %(last)s.")
        % {"first": FIRST_YEAR, "last": LAST_YEAR}
    )


def _within_years(day):
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _out_of_years()
    return day


def _marked_date(text):
    """(date, approximate) of "31.12.2017" or "ca. 31.12.2017", else None."""
    approximate = text.lower().startswith(APPROXIMATE_MARK)
    day = _date(text[len(APPROXIMATE_MARK) :] if approximate else text)
    return None if day is None else (day, approximate)


def _phrase(text):
    """(date or None, approximate) of a printed phrase, or None when it is not one."""
    clean = _clean(text)
    if _NO_DEADLINE.fullmatch(clean):
        return None, False
    for pattern, meaning in _PHRASES:
        found = pattern.fullmatch(clean)
        if found:
            try:
                due, approximate = meaning(*found.groups())
            except ValueError:  # "i 0000": a year no date has
                raise _out_of_years() from None
            return _within_years(due), approximate
    found = _BEFORE_DATE.fullmatch(clean)
    if found:
        day = _date(found[1])
        if day is not None:
            return day, False
    return None


def _unknown(text):
    return DeadlineError(
        _(
            "“%(text)s” er hverken en dato eller en trykt frist. Skriv fx 31.12.2017, "
            "“primo 2018” eller “inden udgangen af 2017”, eller skriv datoen i parentes efter "
            "ordlyden: “efter aftale (31.12.2017)”."
        )
        % {"text": text}
    )


def parse_deadline(value):
    """The `Deadline` a cell means: a date (or a spreadsheet's date cell), a printed phrase,
    or wording with the date in brackets; raises DeadlineError for anything else."""
    if value is None:
        return Deadline(None, False, "")
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return Deadline(_within_years(value), False, "")
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text:
        return Deadline(None, False, "")
    marked = _marked_date(text)
    if marked is not None:
        return Deadline(marked[0], marked[1], "")
    if len(text) > TEXT_MAX:
        raise DeadlineError(
            _("Fristen må højst være %(max)s tegn; den er %(length)s.")
            % {"max": TEXT_MAX, "length": len(text)}
        )
    meant = _phrase(text)
    if meant is not None:
        return Deadline(meant[0], meant[1], text)
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed:
        wording, inside = bracketed[1], bracketed[2].strip()
        if inside.lower() == NO_DATE:
            return Deadline(None, False, wording)
        marked = _marked_date(inside)
        if marked is not None:
            return Deadline(marked[0], marked[1], wording)
    raise _unknown(text)


def _written(day):
    return day.strftime("%d.%m.%Y")


def deadline_cell(due, approximate, text):
    """The "Frist" cell that `parse_deadline` reads back as exactly these fields."""
    if due is None and not text:
        return ""
    if not text:
        return (APPROXIMATE_MARK if approximate else "") + _written(due)
    try:
        if parse_deadline(text) == Deadline(due, approximate, text):
            return text
    except DeadlineError:
        pass
    if due is None:
        return f"{text} ({NO_DATE})"
    return f"{text} ({APPROXIMATE_MARK if approximate else ''}{_written(due)})"
