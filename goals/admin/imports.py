"""The admin's two imports: "Importér målpapir" (a paper from a spreadsheet, as a draft) and
"Importér indikatorserie" (a source's figures for an indicator).

Each is upload → preview → import. The preview reads the file once (`goals.sheets`) and shows
what would be made and every error, one per row and cell; nothing is saved. The confirmation
sends back the sheet as signed data (for this user only, for PREVIEW_MAX_AGE) with the choices
made, which are checked again (a region or indicator of the user's own, the rows against the
database of the moment) before anything is written, all or nothing. A file that fails leaves
the database as it was.

Who may: a paper goes only into a region whose secretariat the user is on
(`Region.objects.staffed_by`), a series only onto an indicator of such a region
(`municipalities.scoping.scope_to_regions`); anything else is not offered and not accepted.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals import evidence
from goals.models import FIRST_YEAR
from goals.models import LAST_YEAR
from goals.models import YEAR_MESSAGE
from goals.models import GoalPaper
from goals.models import Indicator
from goals.paper_import import COLUMNS
from goals.paper_import import DraftExists
from goals.paper_import import draft_refusal
from goals.paper_import import import_paper
from goals.paper_import import read_paper
from goals.series_import import existing_series
from goals.series_import import read_series
from goals.series_import import store_series
from goals.sheets import IMPORT_ACCEPT
from goals.sheets import IMPORT_MAX_BYTES
from goals.sheets import RowError
from goals.sheets import Sheet
from goals.sheets import SheetError
from goals.sheets import read_sheet
from municipalities.models import Region
from municipalities.scoping import scope_to_regions

PREVIEW, IMPORT = "preview", "import"


def _year_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
        },
    )


class _ImportForm(forms.Form):
    """The upload (first step) or the signed sheet of the preview (second step)."""

    salt = ""
    file = forms.FileField(
        label=gettext_lazy("Fil"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMPORT_ACCEPT}),
    )
    sheet = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.step = (self.data.get("step") or PREVIEW) if self.is_bound else PREVIEW
        self.fields["file"].help_text = _(
            "Excel (.xlsx) eller CSV med semikolon, højst %(limit)s."
        ) % {"limit": filesizeformat(IMPORT_MAX_BYTES)}

    def user_salt(self):
        return f"{self.salt}:{self.request.user.pk}"

    def clean(self):
        cleaned = super().clean()
        refused = evidence.refused_upload(self.request)
        if refused is not None:
            raise forms.ValidationError(
                _("Filen er for stor. Den må højst fylde %(limit)s. Intet er gemt.")
                % {"limit": filesizeformat(IMPORT_MAX_BYTES)}
            )
        try:
            if self.step == IMPORT and cleaned.get("sheet"):
                cleaned["parsed"] = Sheet.loads(cleaned["sheet"], self.user_salt())
            elif cleaned.get("file"):
                cleaned["parsed"] = read_sheet(cleaned["file"])
            elif "file" not in self.errors:
                self.add_error("file", _("Vælg den fil, der skal importeres."))
        except SheetError as error:
            self.add_error("file" if self.step == PREVIEW else None, str(error))
        return cleaned

    def signed_sheet(self):
        return self.cleaned_data["parsed"].dumps(self.user_salt())


class PaperImportForm(_ImportForm):
    salt = "goals.paper_import"
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Vælg en region, hvis sekretariat du er med i. Kun dem kan du importere til."
            )
        },
    )
    title = forms.CharField(label=gettext_lazy("Målpapirets titel"), max_length=250)
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=GoalPaper.Kind.choices, initial=GoalPaper.Kind.KKR_GOALS
    )
    first_year = _year_field(gettext_lazy("Første år"))
    last_year = _year_field(gettext_lazy("Sidste år"))
    adopted_year = _year_field(gettext_lazy("Vedtaget år"))

    field_order = ["region", "title", "kind", "first_year", "last_year", "adopted_year", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.staffed_by(self.request.user).order_by("name")
        self.fields["region"].queryset = regions
        if len(regions) == 1:
            self.fields["region"].initial = regions[0]
        for name in ("first_year", "last_year", "adopted_year"):
            self.fields[name].help_text = _("Tomt: ud fra fristerne i filen.")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if first and last and first > last:
            self.add_error("last_year", _("Det sidste år kan ikke ligge før det første."))
        region, title = cleaned.get("region"), cleaned.get("title")
        refusal = draft_refusal(region, title) if region and title else None
        if refusal:
            self.add_error("title", refusal)
        return cleaned

    def years(self):
        data = self.cleaned_data
        return (data.get("adopted_year"), data.get("first_year"), data.get("last_year"))


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, indicator):
        goal = indicator.goal
        return f"{goal.paper.region.name} · {goal.paper.title} · {_('Mål')} {goal.number} · {indicator}"


class SeriesImportForm(_ImportForm):
    salt = "goals.series_import"
    indicator = IndicatorChoiceField(
        label=gettext_lazy("Indikator"),
        queryset=Indicator.objects.none(),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Vælg en indikator i en region, hvis sekretariat du er med i."
            )
        },
    )
    value_column = forms.CharField(
        label=gettext_lazy("Kolonne med værdien"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Kun når tabellen har årene i rækkerne og flere kolonner med tal, fx “Andel (pct.)”."
        ),
    )
    source_name = forms.CharField(
        label=gettext_lazy("Kilde"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Fx “Danmarks Statistik, Statistikbanken”. Tomt: som filen angiver (“Kilde: …”)."
        ),
    )
    source_url = forms.URLField(
        label=gettext_lazy("Kildens adresse"), required=False, max_length=500, assume_scheme="https"
    )
    table_id = forms.CharField(label=gettext_lazy("Tabel"), required=False, max_length=80)
    fetched_on = forms.DateField(
        label=gettext_lazy("Hentet"),
        required=False,
        input_formats=["%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"],
        help_text=gettext_lazy("Fx 02.04.2024. Tomt: som filen angiver, ellers i dag."),
        error_messages={"invalid": gettext_lazy("Skriv datoen som 02.04.2024.")},
    )

    field_order = [
        "indicator",
        "file",
        "value_column",
        "source_name",
        "source_url",
        "table_id",
        "fetched_on",
    ]

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        indicators = Indicator.objects.select_related("goal__paper__region").order_by(
            "goal__paper__region__name", "goal__paper__title", "goal__order", "order"
        )
        self.fields["indicator"].queryset = scope_to_regions(admin_site, self.request, indicators)

    def given(self):
        data = self.cleaned_data
        return {
            name: data.get(name) for name in ("source_name", "source_url", "table_id", "fetched_on")
        }


# Room in the confirmation's request for the fields beside the signed sheet.
_CONFIRMATION_ROOM = 64 * 1024


def _hidden_copy(form, plan):
    """The choices of a valid form as hidden fields for the confirmation, the file replaced
    by its signed sheet; None when the plan has errors. A sheet too large to come back in
    the confirmation (DATA_UPLOAD_MAX_MEMORY_SIZE) is one more error of the plan, said now
    rather than as a bare "Bad request" when the user confirms."""
    if plan.errors:
        return None
    signed = form.signed_sheet()
    if len(signed) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE - _CONFIRMATION_ROOM:
        plan.errors.append(
            RowError(
                _(
                    "Filen rummer for meget tekst til at blive importeret på én gang. Del den "
                    "op i mindre filer, eller slet de kolonner, der ikke skal importeres."
                )
            )
        )
        return None
    hidden = {name: value for name, value in form.data.items() if name in form.fields}
    hidden.pop("file", None)
    hidden.pop("csrfmiddlewaretoken", None)
    hidden["sheet"] = signed
    return hidden


def _render(model_admin, request, template, context):
    opts = model_admin.model._meta
    return TemplateResponse(
        request,
        template,
        {**model_admin.admin_site.each_context(request), "opts": opts, **context},
    )


def paper_import_view(model_admin, request):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = PaperImportForm(request.POST or None, request.FILES or None, request=request)
    context = {"title": _("Importér målpapir"), "form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        sheet = form.cleaned_data["parsed"]
        region = form.cleaned_data["region"]
        plan = read_paper(sheet, region)
        if form.step == IMPORT and not plan.errors:
            try:
                paper = import_paper(
                    plan,
                    region=region,
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    years=form.years(),
                    by=request.user,
                    source=sheet.name,
                )
            except DraftExists as refused:
                form.add_error("title", refused.text)
                return _render(model_admin, request, "admin/goals/goalpaper/import.html", context)
            messages.success(
                request,
                _(
                    "Målpapiret er importeret som udkast: %(summary)s. Gennemgå det, og sæt det "
                    "til vedtaget, når KKR har vedtaget det."
                )
                % {"summary": plan.summary()},
            )
            return redirect(reverse("admin:goals_goalpaper_change", args=[paper.pk]))
        hidden = _hidden_copy(form, plan)
        context.update(plan=plan, sheet_name=sheet.name, region=region, hidden=hidden)
    return _render(model_admin, request, "admin/goals/goalpaper/import.html", context)


def series_import_view(model_admin, request):
    if not model_admin.is_region_staff(request):
        raise PermissionDenied
    initial = {}
    if request.method == "GET" and request.GET.get("indicator", "").isdigit():
        initial["indicator"] = request.GET["indicator"]
    form = SeriesImportForm(
        request.POST or None,
        request.FILES or None,
        request=request,
        admin_site=model_admin.admin_site,
        initial=initial,
    )
    context = {"title": _("Importér indikatorserie"), "form": form}
    if request.method == "POST" and form.is_valid():
        sheet = form.cleaned_data["parsed"]
        plan = read_series(
            sheet,
            form.cleaned_data["indicator"],
            value_column=form.cleaned_data["value_column"],
            given=form.given(),
        )
        if form.step == IMPORT and not plan.errors:
            series, replaced = store_series(plan, by=request.user, file_name=sheet.name)
            text = _("Serien er gemt for “%(indicator)s”: %(summary)s. Kilde: %(source)s.") % {
                "indicator": series.indicator.name,
                "summary": plan.summary(),
                "source": series.source_label,
            }
            if replaced:
                text += " " + _("%(n)s tidligere værdier er erstattet.") % {"n": replaced}
            messages.success(request, text)
            return redirect(reverse("admin:goals_indicatorseries_change", args=[series.pk]))
        hidden = _hidden_copy(form, plan)
        context.update(
            plan=plan,
            sheet_name=sheet.name,
            replacing=existing_series(plan) if not plan.errors else None,
            hidden=hidden,
        )
    return _render(model_admin, request, "admin/goals/indicatorseries/import.html", context)
