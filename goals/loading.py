"""Loads the reference data and the source papers from `fixtures/` into the database.

The fixtures are nested JSON (a region with its clusters and municipalities; a paper with its
themes, goals, sub-goals, milestones, indicators and full text in sections) so that they read
like the papers they come from. A value the paper does not print is wrapped with where it comes
from: `{"value": 2017, "estimated": true, "note": "…"}` or `{"value": "Fyn", "source": "…"}`; the
loader stores the value in its field and the rest in the row's `provenance`, which the public
pages show beside the value.

Every object is found by its natural key (region slug, kommunekode, paper source, theme and
section order, goal number, milestone order), so loading is idempotent: a second run finds
everything and changes nothing. Rows that exist are left alone unless `update=True`, which
brings them to the fixtures without undoing what people did since: a field a person changed
(the history says who changed what) keeps the person's value, and a row the fixtures no longer
hold is deleted only when the loader made it, nobody edited it and no report refers to it.
"""

import datetime
import json
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import Milestone
from goals.models import PaperSection
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"

# The keys that say where a wrapped fixture value comes from.
PROVENANCE_KEYS = ("source", "estimated", "derived", "note")


@dataclass
class LoadResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)
    # Lines for the operator: edits kept, rows kept because reports refer to them.
    kept: list = field(default_factory=list)

    def count(self, bucket, model):
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self):
        return bool(self.created or self.updated or self.deleted)

    def __str__(self):
        if not self.changed:
            lines = ["Intet at ændre: alle data er indlæst."]
        else:
            parts = [f"{n} {name} oprettet" for name, n in self.created.items()]
            parts += [f"{n} {name} opdateret" for name, n in self.updated.items()]
            parts += [f"{n} {name} slettet" for name, n in self.deleted.items()]
            lines = [", ".join(parts) + "."]
        return "\n".join(lines + self.kept)


def unwrap(value):
    """A fixture value and where it comes from: (value, {"source": …} or {} when printed)."""
    if isinstance(value, dict) and "value" in value:
        return value["value"], {k: value[k] for k in PROVENANCE_KEYS if k in value}
    return value, {}


def _unwrap_all(data, names):
    """The named fields of a fixture object, unwrapped, and the provenance of the wrapped ones."""
    values, provenance = {}, {}
    for name in names:
        if name in data:
            values[name], note = unwrap(data[name])
            if note:
                provenance[name] = note
    return values, provenance


def people_edited(obj, names):
    """The fields among `names` whose current value a person set, read from the row's history.

    Walking the records in order, each field is owned by whoever last changed its value: a
    record with a user is a person (admin, secretariat pages, round decisions); one without is
    the loader or another command. A row a person created is theirs in every field."""
    attnames = {name: obj._meta.get_field(name).attname for name in names}
    records = obj.history.order_by("history_date", "history_id").values(
        "history_user_id", *attnames.values()
    )
    owner, previous = {}, None
    for record in records:
        by_person = record["history_user_id"] is not None
        for name, attname in attnames.items():
            if previous is None or record[attname] != previous[attname]:
                owner[name] = by_person
        previous = record
    return {name for name, by_person in owner.items() if by_person}


class _Loader:
    def __init__(self, update):
        self.update = update
        self.result = LoadResult()
        # (goal number, paper, {"source", "number"}) of revisions, linked once every paper is in.
        self.revisions = []
        # The rows each paper's fixture holds, so --update can tell which ones it dropped.
        self.seen = {Goal: set(), Milestone: set(), Indicator: set(), PaperSection: set()}

    def sync(self, model, lookup, values, provenance=None):
        """Find the row by `lookup`; create it from `values` or (with update) bring it to them,
        keeping every field a person changed."""
        if provenance is not None:
            values = {**values, "provenance": provenance}
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            self.result.count(self.result.created, model)
        elif self.update:
            self._bring_up_to_date(obj, values)
        if model in self.seen:
            self.seen[model].add(obj.pk)
        return obj

    def _bring_up_to_date(self, obj, values):
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            return
        if hasattr(obj, "history"):
            kept = people_edited(obj, changed)
            if kept:
                self.result.kept.append(
                    f"Beholdt rettelse i {obj._meta.verbose_name} “{obj}”: {', '.join(sorted(kept))}."
                )
            if "scope" in changed and "scope" not in kept and _answered(obj):
                # Reports were made under the old scope; changing it would make them count
                # differently, published rounds included.
                kept.add("scope")
                self.result.kept.append(
                    f"Beholdt omfanget af {obj._meta.verbose_name} “{obj}”: der er indberettet "
                    "efter det."
                )
            if kept and "provenance" in values and "provenance" not in kept:
                # A value a person set is theirs now, not the portal's estimate or source.
                values["provenance"] = {
                    k: v for k, v in values["provenance"].items() if k not in kept
                }
            changed = [
                name for name in changed if name not in kept and getattr(obj, name) != values[name]
            ]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
            self.result.count(self.result.updated, type(obj))

    def region(self, data):
        region = self.sync(
            Region, {"slug": data["slug"]}, {"name": data["name"], "code": data["code"]}
        )
        cluster_of = {}
        for order, cluster_data in enumerate(data.get("clusters", []), start=1):
            values, provenance = _unwrap_all(cluster_data, ["name", "description"])
            members, note = unwrap(cluster_data["municipalities"])
            if note:
                provenance["municipalities"] = note
            cluster = self.sync(
                Cluster,
                {"region": region, "name": values["name"]},
                {"description": values.get("description", ""), "order": order},
                provenance,
            )
            cluster_of.update(dict.fromkeys(members, cluster))
        for code, name in data["municipalities"]:
            self.sync(
                Municipality,
                {"kommunekode": code},
                {"name": name, "region": region, "cluster": cluster_of.get(code)},
            )

    def paper(self, data):
        region = Region.objects.get(slug=data["region"])
        values, provenance = _unwrap_all(
            data,
            ["title", "kind", "adopted_year", "adopted_on", "first_year", "last_year", "summary"],
        )
        state, note = unwrap(data.get("state", GoalPaper.State.ADOPTED))
        if note:
            provenance["state"] = note
        values["adopted_on"] = _date(values.get("adopted_on"))
        values.setdefault("summary", "")
        paper = self.sync(
            GoalPaper,
            {"source": data["source"]},
            {"region": region, "state": state, **values},
            provenance,
        )
        order = iter(range(1, 10_000))
        for theme_order, theme_data in enumerate(data.get("themes", []), start=1):
            theme = self.sync(
                Theme,
                {"paper": paper, "order": theme_order},
                {"title": theme_data["title"], "intro": theme_data.get("intro", "")},
            )
            for goal_data in theme_data.get("goals", []):
                self.goal(paper, theme, None, goal_data, order)
        for goal_data in data.get("goals", []):
            self.goal(paper, None, None, goal_data, order)
        for section_order, section in enumerate(data.get("sections", []), start=1):
            self.sync(
                PaperSection,
                {"paper": paper, "order": section_order},
                {"heading": section["heading"], "body": section["body"]},
            )
        return paper

    def goal(self, paper, theme, parent, data, order):
        values, provenance = _unwrap_all(data, ["number", "title", "description", "kind", "state"])
        if data.get("replaces"):
            ref, note = unwrap(data["replaces"])
            self.revisions.append((values["number"], paper, ref))
            if note:
                provenance["replaces"] = note
        goal = self.sync(
            Goal,
            {"paper": paper, "number": values["number"]},
            {
                "theme": theme,
                "parent": parent,
                "order": next(order),
                "title": values["title"],
                "description": values.get("description", ""),
                "kind": values.get("kind", Goal.Kind.COMMITMENT),
                "state": values.get("state", Goal.State.ACTIVE),
                "national_goal": data.get("national_goal", ""),
            },
            provenance,
        )
        for milestone_order, item in enumerate(data.get("milestones", []), start=1):
            self.milestone(goal, milestone_order, item)
        for indicator_order, item in enumerate(data.get("indicators", []), start=1):
            self.sync(
                Indicator,
                {"goal": goal, "order": indicator_order},
                {
                    "name": item["name"],
                    "unit": item.get("unit", ""),
                    "target": _decimal(item.get("target")),
                    "direction": item.get("direction", Indicator.Direction.HIGHER),
                    "description": item.get("description", ""),
                },
            )
        for child in data.get("children", []):
            self.goal(paper, theme, goal, child, order)

    def milestone(self, goal, order, item):
        values, provenance = _unwrap_all(item, ["text", "due", "due_text", "scope", "lead"])
        baseline, note = unwrap(item.get("baseline") or {})
        if note:
            provenance["baseline"] = note
        self.sync(
            Milestone,
            {"goal": goal, "order": order},
            {
                "text": values["text"],
                "due": _date(values.get("due")),
                "due_approximate": item.get("due_approximate", False),
                "due_text": values.get("due_text", ""),
                "scope": values.get("scope", Milestone.Scope.MUNICIPALITY),
                "lead": values.get("lead", ""),
                "baseline_count": baseline.get("count"),
                "baseline_of": baseline.get("of"),
                "baseline_year": baseline.get("year"),
            },
            provenance,
        )

    def link_revisions(self):
        """A revised goal points at the goal it replaced, which may stand in an older paper."""
        for number, paper, ref in self.revisions:
            goal = Goal.objects.get(paper=paper, number=number)
            old = Goal.objects.get(paper__source=ref["source"], number=ref["number"])
            if goal.replaces_id is None:
                goal.replaces = old
                goal.save(update_fields=["replaces"])
                self.result.count(self.result.updated, Goal)
            elif self.update and goal.replaces_id != old.pk:
                self._bring_up_to_date(goal, {"replaces": old})

    def drop_what_the_fixtures_left(self, papers):
        """With update: rows of the loaded papers that the fixtures no longer hold. Deleted when
        the loader made them and nobody changed them since; kept, with a line saying why, when
        a person made or edited them or a report, decision or indicator value refers to them."""
        owners = {
            Goal: "paper__in",
            Milestone: "goal__paper__in",
            Indicator: "goal__paper__in",
            PaperSection: "paper__in",
        }
        for model, lookup in owners.items():
            stale = model.objects.filter(**{lookup: papers}).exclude(pk__in=self.seen[model])
            for obj in stale.order_by("-pk"):
                label = f"{obj._meta.verbose_name} “{obj}”"
                if obj.history.exclude(history_user=None).exists():
                    self.result.kept.append(f"Beholdt {label}: oprettet eller rettet af en bruger.")
                    continue
                try:
                    with transaction.atomic():
                        obj.delete()
                except ProtectedError:
                    self.result.kept.append(
                        f"Beholdt {label}: står ikke længere i papiret, men indberetninger "
                        "eller beslutninger henviser til den."
                    )
                    continue
                self.result.count(self.result.deleted, model)


def _answered(milestone):
    return milestone.statuses.exists() or milestone.joint_progress.exists()


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def paper_files(fixtures_dir=FIXTURES_DIR):
    return sorted((Path(fixtures_dir) / "papers").glob("*.json"))


def region_fixtures(fixtures_dir=FIXTURES_DIR):
    """The regions as `fixtures/regions.json` has them, each with its clusters and
    municipalities."""
    return _read(Path(fixtures_dir) / "regions.json")["regions"]


@transaction.atomic
def load_kkr_data(update=False, fixtures_dir=FIXTURES_DIR, *, papers=True):
    """Load every region, cluster and municipality, then (unless `papers` is false) every
    paper in `fixtures/papers/`."""
    loader = _Loader(update)
    for region in region_fixtures(fixtures_dir):
        loader.region(region)
    if papers:
        loaded = [loader.paper(_read(path)) for path in paper_files(fixtures_dir)]
        loader.link_revisions()
        if update:
            loader.drop_what_the_fixtures_left(loaded)
    return loader.result
