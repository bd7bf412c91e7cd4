"""What the portal adds to a paper, read from a row's `provenance`: a value the paper does not
print is the secretariat's estimate ("årstal anslået af sekretariatet"), read off the paper's
deadlines ("periode udledt af fristerne") or taken from a named source ("klyngenavn: navngivet
af sekretariatet"), each in words the public knows. The fixtures record it (`goals.loading`), the public pages show it
beside the value (the `added` template filter)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# What an estimate of each field is called on the page, in the words the public uses.
ESTIMATED = {
    "adopted_year": _("årstal anslået af sekretariatet"),
    "first_year": _("periode anslået af sekretariatet"),
    "last_year": _("periode anslået af sekretariatet"),
    "due": _("årstal anslået af sekretariatet"),
    "baseline_year": _("årstal anslået af sekretariatet"),
}
# What a value read off the paper's deadlines is called (the period of a paper that names
# none: from its first to its last deadline).
DERIVED = {
    "first_year": _("periode udledt af fristerne"),
    "last_year": _("periode udledt af fristerne"),
}
# What each field is called when its value comes from somewhere other than the paper, and
# the fixtures' sources in the public's words (a source not named here is shown as written).
SOURCED = {
    "name": _("klyngenavn"),
    "description": _("beskrivelse"),
    "municipalities": _("kommunernes klynge"),
    "state": _("tilstand"),
    "replaces": _("sammenhæng"),
    "adopted_year": _("år"),
    "number": _("nummer"),
}
SOURCES = {
    "portalens nummerering": _("nummereret af sekretariatet"),
    "portalens læsning": _("sekretariatets læsning af papirerne"),
    "portalens tildeling": _("fordelt af sekretariatet"),
    "portalens eget navn": _("navngivet af sekretariatet"),
}


@dataclass(frozen=True)
class Addition:
    label: str
    detail: str
    estimated: bool


def addition(obj, field):
    """The portal's addition to `obj.field`, or None when the value is the paper's own."""
    note = (getattr(obj, "provenance", None) or {}).get(field)
    if not note:
        return None
    if note.get("estimated"):
        return Addition(
            str(ESTIMATED.get(field, _("anslået af sekretariatet"))), note.get("note", ""), True
        )
    if note.get("derived"):
        return Addition(
            str(DERIVED.get(field, _("udledt af fristerne"))), note.get("note", ""), True
        )
    what = SOURCED.get(field, _("ikke fra papiret"))
    source = note.get("source", "")
    return Addition(f"{what}: {SOURCES.get(source, source)}", note.get("note", ""), False)


def additions_of(paper):
    """Everything the portal adds to `paper`, as (where, Addition) pairs: the paper's own
    values, then its goals' and their milestones' (prefetch `goals__milestones`)."""
    found = [(paper.title, addition(paper, name)) for name in paper.provenance]
    for goal in paper.goals.all():
        label = _("Mål %(number)s") % {"number": goal.number}
        found += [(label, addition(goal, name)) for name in goal.provenance]
        for milestone in goal.milestones.all():
            where = _("Mål %(number)s, milepæl %(n)s") % {
                "number": goal.number,
                "n": milestone.order,
            }
            found += [(where, addition(milestone, name)) for name in milestone.provenance]
    return [(where, note) for where, note in found if note]
