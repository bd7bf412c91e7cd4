"""Forms of the reporting and review pages: the municipality's report form (one block per
goal, one set of fields per milestone line and per indicator), the evidence upload check, and
the secretariat's review, joint progress, decision and round forms.

Forms only validate and hand plain values to `goals.rounds`; they never save models
themselves, so the web form and the API cannot disagree.
"""

import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from goals import rounds
from goals.evidence import EVIDENCE_ACCEPT
from goals.evidence import CheckBudget
from goals.evidence import validate_evidence
from goals.models import GoalDecision
from goals.models import MilestoneStatus
from goals.models import StatusRound


class AmountField(forms.DecimalField):
    """A number as Danes type it: decimal comma ("12,5"), and thousands grouped with dots or
    spaces ("1.250", "1 250"), in words a user understands when it does not fit."""

    # Only a dot followed by groups of exactly three digits is read as a thousands separator;
    # "1.5" stays one and a half.
    GROUPED = re.compile(r"^-?\d{1,3}([.\s]\d{3})+(,\d*)?$")

    def __init__(self, *, percent=False, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        whole = kwargs["max_digits"] - kwargs["decimal_places"]
        kwargs.setdefault("min_value", 0)
        if percent:
            kwargs.setdefault("max_value", 100)
        kwargs["error_messages"] = {
            "min_value": _("Tallet må ikke være negativt."),
            "max_value": _("En procentdel kan højst være 100."),
            "max_digits": _("Tallet er for stort. Det må højst have %(whole)s cifre før kommaet.")
            % {"whole": whole},
            "max_whole_digits": _(
                "Tallet er for stort. Det må højst have %(whole)s cifre før kommaet."
            )
            % {"whole": whole},
            "max_decimal_places": _("Angiv højst %(places)s decimaler.")
            % {"places": kwargs["decimal_places"]},
            **kwargs.get("error_messages", {}),
        }
        super().__init__(localize=True, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u00a0", " ")
            if self.GROUPED.match(value):
                value = re.sub(r"[.\s]", "", value)
        return super().to_python(value)


class WebLinkField(forms.URLField):
    """A link a reader of the report can open: http or https only (browsers no longer open
    ftp://, and javascript: or data: links are never evidence)."""

    default_error_messages = {
        "scheme": _("Angiv et link, der begynder med https:// eller http://."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value and not value.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(self.error_messages["scheme"], code="scheme")
        return value


class EvidenceFileField(forms.FileField):
    """An evidence upload, checked by `validate_evidence` within `budget`, the time the
    checks of the whole save share (the report form gives all its lines one)."""

    widget = forms.FileInput(attrs={"accept": EVIDENCE_ACCEPT})
    budget = None

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded is not initial and hasattr(uploaded, "seek"):
            validate_evidence(uploaded, self.budget)
        return uploaded


def disable_fields(form, copyable=False):
    """Disable the form's fields; with `copyable`, leave text fields selectable (readonly,
    not disabled), so a user whose input was refused can copy what they typed."""
    text_widgets = (forms.TextInput, forms.URLInput, forms.Textarea)
    for form_field in form.fields.values():
        if copyable and isinstance(form_field.widget, text_widgets):
            form_field.widget.attrs["readonly"] = True
        else:
            form_field.disabled = True


def comment_field(label, rows, **kwargs):
    """A free-text answer: optional, at most 5,000 characters."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def seen_choice_field(label, blank, choices):
    """An optional choice on a shared secretariat page, `blank` meaning none yet; it keeps
    what the page showed (see SeenRowForm)."""
    return forms.ChoiceField(
        label=label, choices=[("", blank), *choices], required=False, show_hidden_initial=True
    )


class LineForm(forms.Form):
    """One line of the report: the municipality's status, comment, link and file for one
    milestone. Its prefix `line-<milestone id>` gives the fields their names on the page."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=MilestoneStatus.Status.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = comment_field(_("Kommentar"), 2)
    evidence_url = WebLinkField(
        label=_("Link til dokumentation"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    evidence_file = EvidenceFileField(label=_("Upload dokumentation"), required=False)
    clear_evidence_file = forms.BooleanField(label=_("Fjern den gemte fil"), required=False)

    def __init__(self, *args, line, submitting=False, **kwargs):
        initial = {name: getattr(line, name) for name in rounds.LINE_FIELDS}
        super().__init__(*args, prefix=f"line-{line.milestone_id}", initial=initial, **kwargs)
        self.line = line
        self.submitting = submitting
        limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
        evidence_file = self.fields["evidence_file"]
        evidence_file.help_text = _("PDF, Word, Excel, PNG eller JPEG, højst %(limit)s.") % {
            "limit": limit
        }
        # Checked in the browser as the file is chosen (static/js/report-form.js), so a file
        # too large is never sent with the typing, which the server would then refuse whole.
        evidence_file.widget.attrs["data-max-bytes"] = settings.EVIDENCE_MAX_BYTES
        evidence_file.widget.attrs["data-too-large"] = _(
            "Filen er for stor ({name}). Den må højst fylde %(limit)s. Vælg en mindre fil; "
            "det, du har skrevet, er ikke rørt."
        ) % {"limit": limit}
        if not line.evidence_file:
            del self.fields["clear_evidence_file"]

    def clean(self):
        cleaned = super().clean()
        if self.submitting and "status" not in self.errors and self.as_typed().is_blank:
            self.add_error("status", _("Vælg en status, før du indsender."))
        return cleaned

    def as_typed(self):
        """The line with the status as typed (a copy, never saved), for the model's rules
        (`MilestoneStatus.is_blank`, `StatusReport.blank_lines`)."""
        return MilestoneStatus(
            report_id=self.line.report_id,
            milestone_id=self.line.milestone_id,
            status=self.cleaned_data.get("status") or "",
        )


class ReportForm(forms.Form):
    """The municipality's answers: a `LineForm` per line and, on this form, a value per
    indicator (`value-<indicator id>`). Built from the report's lines and values so only the
    municipality's own lines can ever be posted."""

    # Which saved version the user's page shows (lost-update guard, see rounds.save_report).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(
        self,
        data=None,
        files=None,
        *,
        lines,
        values,
        previous_lines=None,
        previous_values=None,
        submitting=False,
        read_only=False,
        copyable=False,
        **kwargs,
    ):
        """`copyable`: see `disable_fields`."""
        super().__init__(data, files, **kwargs)
        # {(kind, object id, field name): value saved by somebody else}, set after a conflict.
        self.clashes = {}
        self.values = values
        self.previous_lines = previous_lines or {}
        self.previous_values = previous_values or {}
        # An unbound report form (a refused input shown again) shows its input as initial.
        line_initial = kwargs.get("initial") if data is None else None
        self.line_forms = [
            LineForm(data, files, line=line, submitting=submitting) for line in lines
        ]
        budget = CheckBudget()
        for line_form in self.line_forms:
            line_form.fields["evidence_file"].budget = budget
        if line_initial:
            for line_form in self.line_forms:
                line_form.initial.update(
                    {
                        name: line_initial[line_form.add_prefix(name)]
                        for name in rounds.LINE_FIELDS
                        if line_form.add_prefix(name) in line_initial
                    }
                )
        for value in values:
            indicator = value.indicator
            self.fields[f"value-{indicator.pk}"] = AmountField(
                label=indicator.name,
                required=False,
                percent=indicator.unit.strip() == "%",
                initial=value.value,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "number"}),
                help_text=indicator.unit,
            )
        if read_only:
            for form in (self, *self.line_forms):
                disable_fields(form, copyable)

    def is_valid(self):
        # Every form, so each shows its own errors.
        return all([super().is_valid(), *[form.is_valid() for form in self.line_forms]])

    def clean(self):
        cleaned = super().clean()
        if self.has_error("version"):
            # A hidden field: its own error would show nowhere. Without it there is no telling
            # whether somebody else saved in between, so nothing is saved.
            self.add_error(
                None,
                _(
                    "Siden mangler oplysninger om, hvilken udgave af indberetningen du "
                    "redigerede, så intet er gemt. Dine indtastninger står herunder: åbn "
                    "indberetningen igen, og indtast dem på ny."
                ),
            )
        return cleaned

    def lines_payload(self):
        return {form.line.milestone_id: form.cleaned_data for form in self.line_forms}

    def values_payload(self):
        return {v.indicator_id: self.cleaned_data[f"value-{v.indicator_id}"] for v in self.values}

    def bound_field(self, kind, object_id, name):
        """The field a `rounds.Change` of `kind` ("line" or "value") is about."""
        if kind == "value":
            return self[f"value-{object_id}"]
        form = next(f for f in self.line_forms if f.line.milestone_id == object_id)
        return form[name]

    def typed(self, kind, object_id, name):
        """What the user's valid input holds for that field."""
        if kind == "value":
            return self.cleaned_data.get(f"value-{object_id}")
        form = next(f for f in self.line_forms if f.line.milestone_id == object_id)
        return form.cleaned_data.get(name)

    def _clashes(self, kind, object_id):
        """[(label, value saved by the other person)] for the fields of one line or value."""
        found = []
        for (clash_kind, clash_id, name), now in self.clashes.items():
            if (clash_kind, clash_id) != (kind, object_id):
                continue
            if name == "status":
                now = MilestoneStatus.Status(now).label if now else _("ingen status")
            label = self.bound_field(kind, object_id, name).label
            found.append((label, now if now not in (None, "") else "–"))
        return found

    def blocks(self):
        """The form laid out as the page shows it: one block per goal with its lines (each
        with last round's answer beside it) and its indicator values."""
        by_goal = {}
        for form in self.line_forms:
            line = form.line
            goal = line.milestone.goal
            block = by_goal.setdefault(goal.pk, {"goal": goal, "lines": [], "values": []})
            block["lines"].append(
                {
                    "line": line,
                    "milestone": line.milestone,
                    "repeats_goal": line.milestone.repeats_goal,
                    "previous": self.previous_lines.get(line.milestone_id),
                    "status": form["status"],
                    "comment": form["comment"],
                    "evidence_url": form["evidence_url"],
                    "evidence_file": form["evidence_file"],
                    "clear_evidence_file": (
                        form["clear_evidence_file"] if line.evidence_file else None
                    ),
                    "file_name": line.file_name,
                    "clashes": self._clashes("line", line.milestone_id),
                }
            )
        for value in self.values:
            goal = value.indicator.goal
            block = by_goal.setdefault(goal.pk, {"goal": goal, "lines": [], "values": []})
            block["values"].append(
                {
                    "indicator": value.indicator,
                    "field": self[f"value-{value.indicator_id}"],
                    "previous": self.previous_values.get(value.indicator_id),
                    "clashes": self._clashes("value", value.indicator_id),
                }
            )
        return sorted(by_goal.values(), key=lambda b: (b["goal"].order, b["goal"].number))


class ConfirmSubmitForm(forms.Form):
    """The version of the report the summary showed, sent by "Bekræft indsendelse"."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ReviewForm(forms.Form):
    """Approve, or return with a comment (required when returning)."""

    action = forms.ChoiceField(choices=[("approve", _("Godkend")), ("return", _("Send retur"))])
    comment = comment_field(
        _("Kommentar til kommunen"),
        4,
        help_text=_("Skal udfyldes, når indberetningen sendes retur."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "return" and not cleaned.get("comment", "").strip():
            self.add_error(
                "comment", _("Skriv en kommentar, så kommunen ved, hvad der skal rettes.")
            )
        return cleaned


class SeenRowForm(forms.Form):
    """One row of a page several colleagues edit at once (joint progress, decisions).

    Each field carries the value the page showed in a hidden input (`show_hidden_initial`), so
    "changed" means changed by this user, not "differs from the database by now": a row the
    user left alone is never written back over a colleague's newer save, and a row both
    changed is caught by `goals.rounds` comparing `seen()` with the row under its lock.
    """

    def make_read_only(self):
        disable_fields(self)

    def seen(self):
        """The row's values as the user's page showed them."""
        values = {}
        for name, field in self.fields.items():
            raw = field.hidden_widget().value_from_datadict(
                self.data, self.files, self.add_initial_prefix(name)
            )
            try:
                values[name] = field.to_python(raw)
            except forms.ValidationError:
                values[name] = None
        return values

    def describe(self, values):
        """`values` in words, as the page's fields would show them ("Status: i gang; …")."""
        parts = []
        for name, value in values.items():
            field = self.fields.get(name)
            if field is None:
                continue  # a field this row does not have (an adoption names no new goal)
            shown = dict(getattr(field, "choices", ())).get(value, value) if value else "–"
            parts.append(f"{field.label}: {shown}")
        return "; ".join(parts)

    def rebase(self, data, saved):
        """`data` (the posted QueryDict, copied) updated to `saved`, the row as saved now:
        it becomes what the page has seen, and the value itself wherever the user typed
        nothing new. The user's own changes stay as typed."""
        changed = set(self.changed_data)
        for name, now in saved.items():
            if name not in changed:
                data[self.add_prefix(name)] = now
            data[self.add_initial_prefix(name)] = now
        return data


class JointProgressForm(SeenRowForm):
    status = seen_choice_field(_("Status"), _("Ikke vurderet"), MilestoneStatus.Status.choices)
    comment = comment_field(_("Kommentar"), 2, show_hidden_initial=True)


class RevisionChoiceField(forms.ChoiceField):
    """Offers the goals that fit, but takes any goal of the region, so that one that does
    not fit gets the reason (`Goal.revision_refusal`) rather than "invalid choice"."""

    known = ()

    def valid_value(self, value):
        return value in self.known or super().valid_value(value)


class DecisionForm(SeenRowForm):
    decision = seen_choice_field(
        _("Beslutning"), _("Ingen beslutning endnu"), GoalDecision.Decision.choices
    )
    # Its help is said once, above every goal (templates/secretariat/decisions.html).
    new_goal = RevisionChoiceField(
        label=_("Revideret mål"), required=False, show_hidden_initial=True
    )
    comment = comment_field(_("Begrundelse"), 2, show_hidden_initial=True)

    def __init__(self, *args, status_round, goal, goal_choices, **kwargs):
        """`goal_choices`: the region's goals, read once for every form on the page; this
        form offers those that fit its goal (`Goal.can_revise`) and the one already chosen."""
        super().__init__(*args, **kwargs)
        self.status_round = status_round
        self.goal = goal
        offered = rounds.decisions_offered(goal, self.initial.get("decision") or "")
        self.fields["decision"].choices = [
            choice for choice in self.fields["decision"].choices if choice[0] in ("", *offered)
        ]
        if GoalDecision.Decision.REVISE in offered:
            self._offer_revisions(goal_choices)
        else:
            del self.fields["new_goal"]  # adopting a goal names no goal it replaces

    def _offer_revisions(self, goal_choices):
        chosen = str(self.initial.get("new_goal") or "")
        self.goal_choices = {str(g.pk): g for g in goal_choices}
        self.fields["new_goal"].known = self.goal_choices
        self.fields["new_goal"].choices = [("", _("Intet"))] + [
            (pk, f"{g.number} {Truncator(g.title).chars(70)} ({g.paper.title})")
            for pk, g in self.goal_choices.items()
            if g.can_revise(self.goal) or pk == chosen
        ]

    def clean_new_goal(self):
        return self.goal_choices.get(self.cleaned_data["new_goal"])

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if not decision and self.has_changed():
            # A reason or a goal typed without a decision has nothing to be saved with: said
            # beside the field rather than dropped while the page says "saved".
            self.add_error("decision", self._undecided())
        if decision and (
            refusal := rounds.decision_refusal(
                self.status_round, self.goal, decision, cleaned.get("new_goal")
            )
        ):
            self.add_error("new_goal", refusal)
        return cleaned

    def _undecided(self):
        if self.seen().get("decision"):
            return _(
                "En truffet beslutning kan ændres, men ikke fjernes. Vælg den beslutning, der "
                "gælder."
            )
        return _("Vælg en beslutning, så begrundelsen kan gemmes med den.")


def check_distinct_revisions(decision_forms):
    """Mark every decision that names a new goal an earlier form on the page already names:
    a goal replaces at most one other, so rounds.decide_goal would refuse the second one.
    Returns whether every form is valid."""
    # Each form first, so every one has its own errors and cleaned data.
    results = [form.is_valid() for form in decision_forms]
    first = {}
    for form in decision_forms:
        data = getattr(form, "cleaned_data", {})  # none on an unbound form
        new_goal = data.get("new_goal")
        if data.get("decision") != GoalDecision.Decision.REVISE or new_goal is None:
            continue
        if new_goal.pk in first:
            form.add_error(
                "new_goal",
                _(
                    "Mål %(new)s er allerede valgt som revision af mål %(other)s. "
                    "Et mål kan kun erstatte ét andet mål."
                )
                % {"new": new_goal.number, "other": first[new_goal.pk].number},
            )
        else:
            first[new_goal.pk] = form.goal
    return all(results) and all(form.is_valid() for form in decision_forms)


def duplicate_round(year):
    return _("Der er allerede en statusrunde for %(year)s for dette målpapir.") % {"year": year}


class RoundRulesForm(forms.ModelForm):
    """What a status round's paper and year must meet, in words, for the round forms of the
    site and the admin. The year's range and the dates' order are the model's own
    (`YearField`, the constraints' messages)."""

    def clean(self):
        cleaned = super().clean()
        # Paper and year are read-only on an open round in the admin: use the saved ones.
        paper = cleaned.get("paper") if "paper" in self.fields else self.instance.paper
        year = cleaned.get("year") if "year" in self.fields else self.instance.year
        if paper is not None and year is not None:
            taken = StatusRound.objects.filter(paper=paper, year=year).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("year" if "year" in self.fields else None, duplicate_round(year))
        refusal = paper.round_refusal() if paper is not None else None
        if refusal and "paper" in self.fields:
            self.add_error("paper", refusal)
        return cleaned


class RoundForm(RoundRulesForm):
    """A new status round for one of the user's papers."""

    class Meta:
        model = StatusRound
        fields = ["paper", "year", "opens", "deadline"]
        widgets = {
            "opens": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, papers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].queryset = papers.taking_rounds()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse for genåbning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Skriv en begrundelse for at genåbne runden.")},
    )
