"""Loads the reference data and the source papers from `fixtures/` into the database.

The fixtures are nested JSON (a region with its clusters and municipalities; a paper with its
themes, goals, sub-goals, milestones and indicators) so that they read like the papers they
come from. Every object is found by its natural key (region slug, kommunekode, paper source,
theme order, goal number, milestone order), so loading is idempotent: a second run finds
everything and changes nothing. Rows that exist are left as the secretariat edited them unless
`update=True` asks to reset them to the fixture.
"""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from goals.models import Goal, GoalPaper, Indicator, Milestone, Theme
from municipalities.models import Cluster, Municipality, Region

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
REGIONS_FILE = FIXTURES_DIR / "regions.json"
PAPERS_DIR = FIXTURES_DIR / "papers"


@dataclass
class LoadResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, bucket, model):
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def __str__(self):
        if not self.changed:
            return "Intet at ændre: alle data er indlæst."
        parts = [f"{n} {name} oprettet" for name, n in self.created.items()]
        parts += [f"{n} {name} opdateret" for name, n in self.updated.items()]
        return ", ".join(parts) + "."


class _Loader:
    def __init__(self, update):
        self.update = update
        self.result = LoadResult()
        # (goal, {"source", "number"}) pairs, linked once every paper is in.
        self.revisions = []

    def sync(self, model, lookup, values):
        """Find the row by `lookup`; create it from `values` or (with update) reset it."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **values)
            self.result.count(self.result.created, model)
            return obj
        if self.update:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.save()
                self.result.count(self.result.updated, model)
        return obj

    def region(self, data):
        region = self.sync(
            Region, {"slug": data["slug"]}, {"name": data["name"], "code": data["code"]}
        )
        clusters = {}
        for order, cluster in enumerate(data.get("clusters", []), start=1):
            clusters[cluster["name"]] = self.sync(
                Cluster,
                {"region": region, "name": cluster["name"]},
                {"description": cluster.get("description", ""), "order": order},
            )
        cluster_of = {
            code: clusters[cluster["name"]]
            for cluster in data.get("clusters", [])
            for code in cluster["municipalities"]
        }
        for code, name in data["municipalities"]:
            self.sync(
                Municipality,
                {"kommunekode": code},
                {"name": name, "region": region, "cluster": cluster_of.get(code)},
            )

    def paper(self, data):
        region = Region.objects.get(slug=data["region"])
        paper = self.sync(
            GoalPaper,
            {"source": data["source"]},
            {
                "region": region,
                "title": data["title"],
                "kind": data["kind"],
                "adopted_year": data["adopted_year"],
                "adopted_on": _date(data.get("adopted_on")),
                "first_year": data["first_year"],
                "last_year": data["last_year"],
                "summary": data.get("summary", ""),
                "state": data.get("state", GoalPaper.State.ADOPTED),
            },
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

    def goal(self, paper, theme, parent, data, order):
        goal = self.sync(
            Goal,
            {"paper": paper, "number": data["number"]},
            {
                "theme": theme,
                "parent": parent,
                "order": next(order),
                "title": data["title"],
                "description": data.get("description", ""),
                "kind": data.get("kind", Goal.Kind.COMMITMENT),
                "state": data.get("state", Goal.State.ACTIVE),
                "national_goal": data.get("national_goal", ""),
            },
        )
        for milestone_order, item in enumerate(data.get("milestones", []), start=1):
            baseline = item.get("baseline") or {}
            self.sync(
                Milestone,
                {"goal": goal, "order": milestone_order},
                {
                    "text": item["text"],
                    "due": _date(item.get("due")),
                    "due_approximate": item.get("due_approximate", False),
                    "due_text": item.get("due_text", ""),
                    "scope": item.get("scope", Milestone.Scope.MUNICIPALITY),
                    "lead": item.get("lead", ""),
                    "baseline_count": baseline.get("count"),
                    "baseline_of": baseline.get("of"),
                    "baseline_year": baseline.get("year"),
                },
            )
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
        if data.get("replaces"):
            self.revisions.append((goal, data["replaces"]))
        for child in data.get("children", []):
            self.goal(paper, theme, goal, child, order)

    def link_revisions(self):
        """A revised goal points at the goal it replaced, which may stand in an older paper."""
        for goal, ref in self.revisions:
            old = Goal.objects.get(paper__source=ref["source"], number=ref["number"])
            if goal.replaces_id is None or (self.update and goal.replaces_id != old.pk):
                goal.replaces = old
                goal.save(update_fields=["replaces"])
                self.result.count(self.result.updated, Goal)


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def paper_files():
    return sorted(PAPERS_DIR.glob("*.json"))


def region_fixtures():
    """The regions as `fixtures/regions.json` has them, each with its clusters and
    municipalities."""
    return _read(REGIONS_FILE)["regions"]


@transaction.atomic
def load_kkr_data(update=False, *, papers=True):
    """Load every region, cluster and municipality, then (unless `papers` is false) every
    paper in `fixtures/papers/`."""
    loader = _Loader(update)
    for region in region_fixtures():
        loader.region(region)
    if papers:
        for path in paper_files():
            loader.paper(_read(path))
        loader.link_revisions()
    return loader.result
