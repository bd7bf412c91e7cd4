"""Admin of the indicator series: the sources' figures per municipality and year for an
indicator (`goals.series_import`). A series comes in through "Importér indikatorserie"
(`goals/admin/imports.py`), never typed in: its page shows the figures and lets the
secretariat correct how the source is named, or delete the series. Region scoped through
the indicator's goal's paper."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.db.models import Max
from django.db.models import Min
from django.urls import path
from django.utils.html import format_html
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from goals.admin.imports import series_import_view
from goals.models import IndicatorObservation
from municipalities.scoping import RegionScopedHistoryAdmin

RegionFilter = admin.RelatedOnlyFieldListFilter


class IndicatorSeriesAdmin(RegionScopedHistoryAdmin):
    region_path = "indicator__goal__paper__region"
    list_display = [
        "indicator_name",
        "goal_number",
        "source_name",
        "table_id",
        "fetched_on",
        "years",
        "value_count",
    ]
    list_filter = [
        ("indicator__goal__paper__region", RegionFilter),
        ("indicator__goal__paper", RegionFilter),
    ]
    list_select_related = ["indicator__goal"]
    search_fields = ["indicator__name", "source_name", "table_id", "title"]
    fields = [
        "indicator",
        "title",
        "unit",
        "source_name",
        "source_url",
        "table_id",
        "fetched_on",
        "file_name",
        "imported_at",
        "imported_by",
        "figures",
    ]
    readonly_fields = ["indicator", "file_name", "imported_at", "imported_by", "figures"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: series_import_view(self, request))
        return [path("import/", view, name="goals_indicatorseries_import"), *super().get_urls()]

    def has_add_permission(self, request):
        return False  # "Importér indikatorserie" makes them, from a file

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _values=Count("observations"),
                _first=Min("observations__year"),
                _last=Max("observations__year"),
            )
            .order_by("indicator__goal__paper__region__name", "indicator__goal__order", "pk")
        )

    @admin.display(description=_("indikator"), ordering="indicator__name")
    def indicator_name(self, obj):
        return obj.indicator.name

    @admin.display(description=_("mål"), ordering="indicator__goal__order")
    def goal_number(self, obj):
        return obj.indicator.goal.number

    @admin.display(description=_("år"))
    def years(self, obj):
        return f"{obj._first}–{obj._last}" if obj._first else "–"

    @admin.display(description=_("værdier"), ordering="_values")
    def value_count(self, obj):
        return obj._values

    @admin.display(description=_("tallene"))
    def figures(self, obj):
        observations = list(
            IndicatorObservation.objects.filter(series=obj).select_related("municipality", "region")
        )
        years = sorted({o.year for o in observations})
        areas = {}
        order = {"national": 0, "region": 1, "municipality": 2}
        for o in observations:
            areas.setdefault((order[o.level], o.area_name), {})[o.year] = format(
                o.value.normalize(), "f"
            )
        head = format_html_join("", "<th>{}</th>", ((year,) for year in years))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (
                    name,
                    format_html_join(
                        "", "<td>{}</td>", ((values.get(year, "–"),) for year in years)
                    ),
                )
                for (_level, name), values in sorted(areas.items())
            ),
        )
        return format_html(
            '<div class="series-figures"><table><thead><tr><th></th>{}</tr></thead>'
            "<tbody>{}</tbody></table></div>",
            head,
            body,
        )
