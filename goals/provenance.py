"""What the portal adds to a paper, read from a row's `provenance`: a value the paper does not
print is either the portal's estimate ("år anslået") or taken from a named source ("klyngenavn:
portalens navn efter …"). The fixtures record it (`goals.loading`), the public pages show it
beside the value (the `added` template filter)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# What an estimate of each field is called on the page.
ESTIMATED = {
    "adopted_year": _("år anslået"),
    "first_year": _("periode anslået"),
    "last_year": _("periode anslået"),
    "due": _("år anslået"),
    "baseline_year": _("år anslået"),
}
# What each field is called when its value comes from somewhere other than the paper.
SOURCED = {
    "name": _("klyngenavn"),
    "description": _("beskrivelse"),
    "municipalities": _("kommunernes klynge"),
    "state": _("tilstand"),
    "replaces": _("sammenhæng"),
    "adopted_year": _("år"),
    "number": _("nummer"),
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
            str(ESTIMATED.get(field, _("anslået af portalen"))), note.get("note", ""), True
        )
    what = SOURCED.get(field, _("ikke fra papiret"))
    return Addition(f"{what}: {note.get('source', '')}", note.get("note", ""), False)


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
