"""A milestone's deadline as printed ("primo 2018", "inden udgangen af 2017") and the date the
portal evaluates it by: one parser (goals/deadlines.py), which the papers in fixtures/ agree
with, and a cell the spreadsheet export writes that reads back as the same deadline."""

import datetime
import json

import pytest

from goals.deadlines import DeadlineError
from goals.deadlines import deadline_cell
from goals.deadlines import parse_deadline
from goals.loading import paper_files
from goals.loading import unwrap

D = datetime.date


@pytest.mark.parametrize(
    ("cell", "due", "approximate", "text"),
    [
        ("inden udgangen af 2017", D(2017, 12, 31), False, "inden udgangen af 2017"),
        ("senest i 2014", D(2014, 12, 31), False, "senest i 2014"),
        ("Primo 2018", D(2018, 3, 31), True, "Primo 2018"),
        ("medio 2019", D(2019, 6, 30), True, "medio 2019"),
        ("I løbet af 2013", D(2013, 12, 31), True, "I løbet af 2013"),
        ("Fra 2018", D(2018, 1, 1), True, "Fra 2018"),
        ("første halvår 2026", D(2026, 6, 30), True, "første halvår 2026"),
        ("2. kvartal 2027", D(2027, 6, 30), True, "2. kvartal 2027"),
        ("inden udgangen af april 2027", D(2027, 4, 30), False, "inden udgangen af april 2027"),
        ("senest 1. april 2027", D(2027, 4, 1), False, "senest 1. april 2027"),
        ("i perioden 2026–2027", D(2027, 12, 31), True, "i perioden 2026–2027"),
        ("31.12.2027", D(2027, 12, 31), False, ""),
        ("2027-12-31", D(2027, 12, 31), False, ""),
        ("ca. 31.12.2027", D(2027, 12, 31), True, ""),
        (D(2027, 6, 1), D(2027, 6, 1), False, ""),
        ("løbende", None, False, "løbende"),
        ("", None, False, ""),
        ("efter aftale (31.12.2027)", D(2027, 12, 31), False, "efter aftale"),
        ("inden udgangen af marts måned (ca. 31.03.2013)", D(2013, 3, 31), True, "inden udgangen af marts måned"),
        ("når aftalen er indgået (uden dato)", None, False, "når aftalen er indgået"),
    ],
)  # fmt: skip
def test_a_printed_deadline_means_a_date(cell, due, approximate, text):
    deadline = parse_deadline(cell)

    assert (deadline.due, deadline.approximate, deadline.text) == (due, approximate, text)


@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("snart", "“snart” er hverken en dato eller en trykt frist"),
        ("inden udgangen af marts måned", "skriv datoen i parentes"),
        ("31.02.2027", "“31.02.2027” er ikke en dato, der findes."),
        ("i 1999", "mellem 2000 og 2100"),
    ],
)
def test_what_is_no_deadline_is_said_in_danish(cell, said):
    with pytest.raises(DeadlineError) as raised:
        parse_deadline(cell)

    assert said in str(raised.value)


def _fixture_milestones():
    for path in paper_files():
        found = []

        def walk(goal, found=found):
            for milestone in goal.get("milestones", []):
                found.append(milestone)
            for child in goal.get("children", []):
                walk(child)

        paper = json.loads(path.read_text(encoding="utf-8"))
        for theme in paper.get("themes", []):
            for goal in theme.get("goals", []):
                walk(goal)
        for goal in paper.get("goals", []):
            walk(goal)
        yield from ((path.name, m) for m in found)


def test_the_fixtures_were_read_by_the_same_rules():
    """Every milestone of fixtures/papers/ with a printed deadline that names its year has the
    date and approximation the parser gives it; the one that names no year ("inden udgangen
    af marts måned") is the only one the parser refuses, and its year is marked estimated."""
    refused = []
    checked = 0
    for name, milestone in _fixture_milestones():
        text, _note = unwrap(milestone.get("due_text", ""))
        due, due_note = unwrap(milestone.get("due"))
        if not text:
            continue
        try:
            deadline = parse_deadline(text)
        except DeadlineError:
            refused.append((name, text, due_note))
            continue
        checked += 1
        assert deadline.due == (datetime.date.fromisoformat(due) if due else None), (name, text)
        assert deadline.approximate == milestone.get("due_approximate", False), (name, text)
    assert checked >= 15
    assert [(text, note.get("estimated")) for _name, text, note in refused] == [
        ("inden udgangen af marts måned", True)
    ]


@pytest.mark.parametrize(
    ("due", "approximate", "text"),
    [
        (D(2017, 12, 31), False, "inden udgangen af 2017"),
        (D(2018, 3, 31), True, "Primo 2018"),
        (D(2018, 3, 1), True, "primo 2018"),  # another date than the phrase's: kept
        (D(2013, 3, 31), True, "inden udgangen af marts måned"),
        (D(2017, 12, 31), False, ""),
        (D(2017, 12, 31), True, ""),
        (None, False, ""),
        (None, False, "efter aftale"),
        (D(2017, 12, 31), True, "inden udgangen af 2017"),  # approximate, unlike the phrase
    ],
)
def test_the_exported_cell_reads_back_as_the_same_deadline(due, approximate, text):
    cell = deadline_cell(due, approximate, text)

    deadline = parse_deadline(cell)

    assert (deadline.due, deadline.approximate, deadline.text) == (due, approximate, text)
