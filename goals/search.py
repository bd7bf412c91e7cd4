"""The public search (`/soeg/?q=…`): goals, milestones and the full text of the public papers
(never drafts), best matches first.

On PostgreSQL it is full-text search with the Danish configuration, so "akutfunktion" finds
"akutfunktioner". SQLite has no such thing and its LIKE folds only ASCII letters, so there the
public texts are read once and matched in Python, word by word, ignoring case (æ ø å too).
A word matches a whole word or the start of one, on both databases: "KOL" finds "KOL" and
"KOL-patienter", never "skole".
Either way a search costs the same three queries however much it finds.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from goals.fulltext import plain_text
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Milestone
from goals.models import PaperSection

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
LIMIT = 30  # hits per kind
SNIPPET_CHARS = 220
WORD = re.compile(r"\w[\w\-]*", re.UNICODE)


class QueryError(ValueError):
    """A query the search cannot answer; the message is for the person who asked."""


@dataclass
class Hit:
    kind: str  # "goal", "milestone" or "section"
    obj: object
    paper: GoalPaper
    title: str
    snippet: str


@dataclass
class Results:
    query: str
    goals: list
    milestones: list
    sections: list

    @property
    def count(self):
        return len(self.goals) + len(self.milestones) + len(self.sections)


def words_of(query):
    """The words of a query, or QueryError when there is nothing sensible to look for."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("Søgningen er for lang. Brug højst %(n)s tegn.") % {"n": MAX_QUERY_LENGTH}
        )
    words = WORD.findall(query)
    if not words:
        raise QueryError(_("Skriv et eller flere ord at søge efter."))
    return words[:MAX_WORDS]


def search(query):
    """Every public goal, milestone and paper section that matches `query`."""
    words = words_of(query)
    if connection.vendor == "postgresql":
        goals, milestones, sections = _postgres(" ".join(words))
    else:
        goals, milestones, sections = _plain(words)
    return Results(
        query=query.strip(),
        goals=[Hit("goal", g, g.paper, g.title, _snippet(g.description, words)) for g in goals],
        milestones=[
            Hit("milestone", m, m.goal.paper, m.goal.title, _snippet(m.text, words))
            for m in milestones
        ],
        sections=[
            Hit("section", s, s.paper, s.heading, _snippet(plain_text(s.body), words))
            for s in sections
        ],
    )


def _public():
    goals = Goal.objects.filter(paper__state__in=GoalPaper.PUBLIC_STATES).select_related(
        "paper__region"
    )
    milestones = Milestone.objects.filter(
        goal__paper__state__in=GoalPaper.PUBLIC_STATES
    ).select_related("goal__paper__region")
    sections = PaperSection.objects.filter(paper__state__in=GoalPaper.PUBLIC_STATES).select_related(
        "paper__region"
    )
    return goals, milestones, sections


def _postgres(text):
    from django.contrib.postgres.search import SearchQuery
    from django.contrib.postgres.search import SearchRank
    from django.contrib.postgres.search import SearchVector

    query = SearchQuery(text, config="danish", search_type="websearch")

    def ranked(queryset, *fields):
        vector = SearchVector(fields[0], weight="A", config="danish")
        for name in fields[1:]:
            vector += SearchVector(name, weight="B", config="danish")
        return list(
            queryset.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(document=query)
            .order_by("-rank", "pk")[:LIMIT]
        )

    goals, milestones, sections = _public()
    return (
        ranked(goals, "title", "description", "national_goal"),
        ranked(milestones, "text"),
        ranked(sections, "heading", "body"),
    )


def _word_start(word):
    """A pattern for `word` at the start of a word (not inside one), ignoring case."""
    return rf"(?<!\w){re.escape(word)}"


def _plain(words):
    patterns = [re.compile(_word_start(w.casefold())) for w in words]

    def matching(queryset, text_of):
        found = []
        for obj in queryset.order_by("pk"):
            text = text_of(obj).casefold()
            if all(pattern.search(text) for pattern in patterns):
                found.append(obj)
                if len(found) == LIMIT:
                    break
        return found

    goals, milestones, sections = _public()
    return (
        matching(goals, lambda g: f"{g.number} {g.title} {g.description} {g.national_goal}"),
        matching(milestones, lambda m: m.text),
        matching(sections, lambda s: f"{s.heading} {plain_text(s.body)}"),
    )


def _snippet(text, words):
    """Up to SNIPPET_CHARS of `text` around the first word found, escaped, the words marked."""
    text = " ".join(text.split())
    # PostgreSQL finds inflected forms too, so a word is looked for by its first letters.
    stems = sorted({w.casefold()[: max(4, len(w) - 2)] for w in words}, key=len, reverse=True)
    pattern = re.compile("|".join(rf"{_word_start(stem)}\w*" for stem in stems), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - SNIPPET_CHARS // 3) if first else 0
    if start:  # begin and end on whole words
        start = text.find(" ", start) + 1 or start
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    excerpt = text[start:end]
    parts, pos = [], 0
    for match in pattern.finditer(excerpt):
        parts += [escape(excerpt[pos : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        pos = match.end()
    parts.append(escape(excerpt[pos:]))
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts) + suffix)
