"""The secretariat's shared pages: many rows on one page that colleagues edit at the same
time (the joint progress of a round, the decisions on its goals).

Each row's form remembers what the page showed (`SeenRowForm`); saving writes every changed
row in one transaction, or none when a colleague saved one of them meanwhile, and then shows
the page again with the colleague's values beside what the user typed, which stays typed in.

Why not Django's formsets (issue 18, weighed and kept): a formset names its forms by position
(`form-0-status`) and needs its management form (TOTAL_FORMS, INITIAL_FORMS) in every POST.
Here each row's fields carry the row's id (`p<id>-`, `g<id>-`), so what was typed reaches that
row even when the round's rows changed between loading the page and saving it (a goal added to
the paper meanwhile), fields naming a row that is not the page's (another region's) reach
nothing, and a POST of just the rows somebody touched is complete: rows not sent are left
alone (tests/test_decisions.py, test_attacks.py and test_round_lifecycle.py post one row's
fields). A formset would refuse those POSTs ("ManagementForm data is missing"), tie the data
to the order of the rows, and still need `get_form_kwargs(index)` for each row's own form
arguments (the goal, its choices, its initial values). What it would add, adding and deleting
forms, the rows never do: a round has them. The part that is this page's own (what the page
showed, the row under its lock, all or nothing, the colleague's value beside the typed one:
`SeenRowForm`, `_save_rows`, `_after_stale_rows`) would stay as it is in either case.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from goals import rounds
from goals.forms import DecisionForm
from goals.forms import JointProgressForm
from goals.forms import check_distinct_revisions
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import JointProgress
from reports import progress


class SharedRowsPage:
    """One shared page of a round. Subclasses say which rows it has (`rows(data)`, each
    with a `form`), how a row is saved (`save(row)`) and what a row holds now
    (`saved_values()`, a function of the row)."""

    template = ""
    rows_name = "rows"
    saved_message = ""
    invalid_message = ""
    refused_message = ""  # with %(why)s, the workflow's reason

    def __init__(self, request, status_round):
        self.request = request
        self.round = status_round
        self.refusal = status_round.secretariat_refusal()
        self.read_only = bool(self.refusal)

    def respond(self):
        rows = self.rows(self.request.POST or None)
        if self.request.method == "POST" and self.read_only:
            # A page opened before the round was published: nothing is saved, and the page
            # says why, with what the user typed still in its fields.
            messages.error(self.request, self.refused_message % {"why": self.refusal})
        elif self.request.method == "POST":
            if self.valid(rows):
                rows = self.saved(rows)
                if rows is None:
                    messages.success(self.request, self.saved_text())
                    return redirect(self.request.path)
            else:
                messages.error(self.request, self.invalid_text())
        context = {"round": self.round, self.rows_name: rows, "read_only": self.read_only}
        return render(self.request, self.template, {**context, **self.extra_context(rows)})

    def valid(self, rows):
        return all(row.form.is_valid() for row in rows)

    def saved(self, rows):
        """None when every row is saved; else the rows to show again, as the user typed them."""
        try:
            stale = _save_rows(rows, self.save)
        except rounds.TransitionError as error:
            # Saving may have changed the rows in memory; show them as the database has them.
            for row in rows:
                row.refresh_from_db()
            messages.error(self.request, self.refused_message % {"why": error.text})
            return rows
        if not stale:
            return None
        return _after_stale_rows(self.request, rows, self.saved_values(), self.rows, stale)

    def saved_text(self):
        return self.saved_message

    def invalid_text(self):
        return self.invalid_message

    def extra_context(self, rows):
        return {}

    def make_read_only(self, rows):
        # Not on a refused POST (`respond`): its fields keep what the user typed.
        if self.read_only and self.request.method != "POST":
            for row in rows:
                row.form.make_read_only()
        return rows


class JointProgressPage(SharedRowsPage):
    """The secretariat's answers to the joint and cluster milestones of a round."""

    template = "secretariat/joint_progress.html"
    saved_message = gettext_lazy("Den fælles fremdrift er gemt.")
    invalid_message = gettext_lazy("Fremdriften er ikke gemt. Ret venligst fejlene herunder.")
    refused_message = gettext_lazy(
        "Fremdriften er ikke gemt: %(why)s Dine indtastninger står herunder."
    )

    def rows(self, data):
        rows = list(
            self.round.joint_progress.select_related("milestone__goal", "cluster", "updated_by")
        )
        for row in rows:
            row.form = JointProgressForm(
                data,
                prefix=f"p{row.pk}",
                initial={"status": row.status, "comment": row.comment},
            )
        return self.make_read_only(rows)

    def save(self, row):
        if row.form.has_changed():
            rounds.record_joint_progress(
                row, by=self.request.user, seen=row.form.seen(), **row.form.cleaned_data
            )

    def saved_values(self):
        fresh = {p.pk: p for p in JointProgress.objects.filter(round=self.round)}
        return lambda row: {"status": fresh[row.pk].status, "comment": fresh[row.pk].comment}


class DecisionsPage(SharedRowsPage):
    """The round's decision on each goal of its paper, beside the goal's figures."""

    template = "secretariat/decisions.html"
    rows_name = "goals"
    # All or nothing: one goal in error keeps every other goal's change from being saved too.
    invalid_message = gettext_lazy(
        "Beslutningerne er ikke gemt, heller ikke for målene uden fejl. Ret venligst fejlene "
        "ved de markerede mål herunder og gem igen; det, du har skrevet, står der stadig."
    )
    refused_message = gettext_lazy("Beslutningerne er ikke gemt: %(why)s Dine valg står herunder.")

    def __init__(self, request, status_round):
        super().__init__(request, status_round)
        self.written = []  # the goals whose decision this POST saved
        self.gone = []  # (number, typed reason) of goals that left the page (`left_the_page`)
        # Each goal's figures beside its decision: this round, the last one and the
        # evaluation, as the public pages and the PDF will count them.
        self.figures = {gp.goal.pk: gp for gp in progress.round_progress(status_round).goals}

    def rows(self, data):
        existing = {
            d.goal_id: d for d in self.round.decisions.select_related("new_goal", "decided_by")
        }
        goals = self.round.paper.goals.order_by("order", "number")
        adoptable = list(goals.adoptable(self.round))
        for goal in adoptable:
            goal.adoptable = True  # shown in a section of its own, below the others
        goals = list(goals.awaiting_decision(self.round)) + adoptable
        # Read once for every form on the page; each form offers those that fit its goal.
        goal_choices = list(
            Goal.objects.in_region(self.round.paper.region)
            .select_related("paper")
            .order_by("paper__title", "order", "number")
        )
        for goal in goals:
            goal.paper = self.round.paper  # already loaded; saves a query per goal
            goal.decision = existing.get(goal.pk)
            goal.figures = self.figures.get(goal.pk)
            goal.form = DecisionForm(
                data,
                prefix=f"g{goal.pk}",
                status_round=self.round,
                goal=goal,
                goal_choices=goal_choices,
                initial=rounds.decision_values(goal.decision),
            )
        return self.make_read_only(goals)

    def valid(self, goals):
        self.gone = self.left_the_page(goals)
        return check_distinct_revisions([goal.form for goal in goals]) and not self.gone

    def left_the_page(self, goals):
        """The paper's goals this POST typed a decision or a reason for that the page no
        longer asks about (ticked off in another round or in the admin while it was open),
        by number: saving the rest would drop what was typed for them without a word."""
        shown = {goal.pk for goal in goals}
        typed = {
            int(name[1:].split("-", 1)[0])
            for name, value in self.request.POST.items()
            if value.strip()
            and name.startswith("g")
            and name.split("-", 1)[0][1:].isdigit()
            and name.endswith(("-decision", "-comment", "-new_goal"))
        }
        if not typed - shown:
            return []
        gone = self.round.paper.goals.filter(pk__in=typed - shown).order_by("order", "number")
        return [(goal.number, self.request.POST.get(f"g{goal.pk}-comment", "")) for goal in gone]

    def invalid_text(self):
        if not self.gone:
            return self.invalid_message
        return _(
            "Intet er gemt. Mål %(numbers)s er ikke længere med på siden (det er ændret, mens "
            "du redigerede), så det, du valgte for det, kan ikke gemmes her. Det, du "
            "skrev: %(typed)s. Dine indtastninger for de andre mål står herunder: gem igen."
        ) % {
            "numbers": ", ".join(number for number, _typed in self.gone),
            "typed": "; ".join(f"»{typed}«" for _number, typed in self.gone if typed) or "-",
        }

    def save(self, goal):
        data = goal.form.cleaned_data
        # The form refuses a change without a decision (`DecisionForm.clean`).
        if goal.form.has_changed():
            rounds.decide_goal(
                self.round, goal, by=self.request.user, seen=goal.form.seen(), **data
            )
            self.written.append(goal)

    def saved_text(self):
        """What was saved, goal by goal, or that nothing needed to be."""
        if not self.written:
            return _("Der var ingen ændringer at gemme.")
        numbers = ", ".join(goal.number for goal in self.written)
        return ngettext(
            "Beslutningen om mål %(numbers)s er gemt.",
            "Beslutningerne om mål %(numbers)s er gemt.",
            len(self.written),
        ) % {"numbers": numbers}

    def saved_values(self):
        fresh = {d.goal_id: d for d in GoalDecision.objects.filter(round=self.round)}
        return lambda goal: rounds.decision_values(fresh.get(goal.pk))

    def extra_context(self, goals):
        adoptable = [goal for goal in goals if getattr(goal, "adoptable", False)]
        return {
            "decision_labels": dict(GoalDecision.Decision.choices),
            "decided": [goal for goal in goals if goal not in adoptable],
            "adoptable": adoptable,
            # Folded, unless one of its goals needs the user's attention.
            "adoptable_open": any(
                goal.form.errors or getattr(goal, "stale", None) for goal in adoptable
            ),
        }


def _save_rows(items, save):
    """`save(item)` for each row of a shared page, in one transaction. Rows a colleague saved
    meanwhile come back as {pk: why}, and then none is saved (all or nothing)."""
    stale = {}
    with transaction.atomic():
        for item in items:
            try:
                save(item)
            except rounds.StaleRow as error:
                stale[item.pk] = error.text
        if stale:
            transaction.set_rollback(True)
    return stale


def _after_stale_rows(request, items, saved_values, rebuild, stale):
    """The shared page again after `_save_rows` found stale rows: every row shows what is
    saved now except what the user changed, which stays as typed; the clashing rows are
    marked. `saved_values(item)` is the row as saved now, `rebuild(data)` the page's rows."""
    data = request.POST.copy()
    saved = {}
    for item in items:
        saved[item.pk] = saved_values(item)
        item.form.rebase(data, saved[item.pk])
    items = rebuild(data)
    for item in items:
        item.form.is_valid()
        if item.pk in stale:
            item.stale = stale[item.pk]
            item.saved_now = item.form.describe(saved[item.pk])
    messages.error(
        request,
        _(
            "Intet er gemt: en kollega har ændret de markerede rækker, mens du redigerede. "
            "Dine indtastninger står herunder sammen med de nye værdier; gem igen for at "
            "beholde dine."
        ),
    )
    return items
