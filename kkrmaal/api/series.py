"""API of the indicator series (issue 25): what Statistikbanken, eSundhed and the like publish
per municipality and year for an indicator of a public paper's goal, as imported by the
secretariat (`goals.series_import`), with its source.

    /api/v1/series/                       the series (filters: region, paper, goal, indicator)
    /api/v1/series/<id>/                  one series, with its source and years
    /api/v1/series/<id>/observations/     its values, one per area and year; also
    /api/v1/series/<id>/observations.csv  the whole series as CSV (and .xlsx), `reports.exports`
"""

from django.db.models import Count
from django.db.models import Max
from django.db.models import Min
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from goals.models import IndicatorObservation
from goals.models import IndicatorSeries
from kkrmaal.api.common import FileNegotiation
from kkrmaal.api.common import IdFilter
from kkrmaal.api.common import cached_answer
from kkrmaal.api.common import errors
from kkrmaal.api.common import paging_openapi_parameters
from kkrmaal.api.common import region_field
from kkrmaal.api.common import region_filterset
from kkrmaal.api.rounds import CSVRenderer
from kkrmaal.api.rounds import XLSXRenderer
from kkrmaal.api.viewsets import PublicViewSet
from reports import exports


class SeriesSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Seriens id."))
    region = region_field("indicator.goal.paper.region")
    paper = serializers.IntegerField(
        source="indicator.goal.paper_id", help_text=_("Målpapirets id.")
    )
    goal = serializers.IntegerField(source="indicator.goal_id", help_text=_("Målets id."))
    goal_number = serializers.CharField(
        source="indicator.goal.number", help_text=_("Målets nummer.")
    )
    indicator = serializers.IntegerField(source="indicator_id", help_text=_("Indikatorens id."))
    indicator_name = serializers.CharField(
        source="indicator.name", help_text=_("Indikatorens navn.")
    )
    title = serializers.CharField(help_text=_("Tabellens overskrift i kilden."))
    unit = serializers.CharField(help_text=_("Enheden, som kilden angiver den."))
    source_name = serializers.CharField(help_text=_("Kilden, fx Danmarks Statistik."))
    source_url = serializers.CharField(help_text=_("Kildens webadresse, eller tom."))
    table_id = serializers.CharField(help_text=_("Tabellens id i kilden, eller tom."))
    fetched_on = serializers.DateField(help_text=_("Den dag tallene blev hentet fra kilden."))
    first_year = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Første år med en værdi.")
    )
    last_year = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Sidste år med en værdi.")
    )
    value_count = serializers.IntegerField(read_only=True, help_text=_("Antal værdier."))
    links = serializers.SerializerMethodField(help_text=_("Adresser på seriens værdier."))

    class Meta:
        model = IndicatorSeries
        fields = [
            "id",
            "region",
            "paper",
            "goal",
            "goal_number",
            "indicator",
            "indicator_name",
            "title",
            "unit",
            "source_name",
            "source_url",
            "table_id",
            "fetched_on",
            "first_year",
            "last_year",
            "value_count",
            "links",
        ]

    def get_links(self, series) -> dict[str, str]:
        request = self.context.get("request")
        url = reverse("api:series-observations", args=[series.pk])

        def absolute(address):
            return request.build_absolute_uri(address) if request else address

        return {
            "observations": absolute(url),
            "csv": absolute(reverse("api:series-observations-csv", args=[series.pk])),
            "xlsx": absolute(reverse("api:series-observations-xlsx", args=[series.pk])),
        }


class ObservationSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Året."))
    level = serializers.ChoiceField(
        choices=IndicatorObservation.Level.choices,
        help_text=_("municipality (en kommune), region (regionen) eller national (hele landet)."),
    )
    kommunekode = serializers.SerializerMethodField(
        help_text=_("Kommunens kode, eller null for regionen og hele landet.")
    )
    area = serializers.CharField(help_text=_("Kommunens eller områdets navn."))
    value = serializers.DecimalField(
        max_digits=16, decimal_places=4, coerce_to_string=False, help_text=_("Værdien.")
    )

    def get_kommunekode(self, row) -> int | None:
        return row["kommunekode"] or None


class ObservationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Antal værdier i alt."))
    next = serializers.URLField(allow_null=True, help_text=_("Næste side, eller null."))
    previous = serializers.URLField(allow_null=True, help_text=_("Forrige side, eller null."))
    results = ObservationSerializer(many=True, help_text=_("Værdierne på denne side."))


SeriesFilter = region_filterset(
    IndicatorSeries,
    "indicator__goal__paper__region__slug",
    _("Kun serier fra regionen (kort navn)."),
    paper=IdFilter(
        field_name="indicator__goal__paper", help_text=_("Kun serier for målpapiret (id).")
    ),
    goal=IdFilter(field_name="indicator__goal", help_text=_("Kun serier for målet (id).")),
    indicator=IdFilter(help_text=_("Kun serier for indikatoren (id).")),
)

SERIES_FILES = {
    "csv": (
        "text/csv",
        format_lazy(
            "{} {}.",
            _(
                "Hele serien som CSV: UTF-8 med BOM, semikolon mellem felterne, decimalkomma; "
                "kilden på hver række. Første række er kolonnernes navne, de samme på alle "
                "sprog (datapakkens tabel indicator-series beskriver dem):"
            ),
            ", ".join(column.name for column in exports.series_columns()),
        ),
    ),
    "xlsx": (
        exports.XLSX_TYPE,
        _(
            "Hele serien som Excel-projektmappe; kilden på hver række. Første række er "
            "kolonnernes navne (som i CSV-filen), arket Kolonner beskriver dem."
        ),
    ),
}


def _file_schema(fmt):
    media_type, description = SERIES_FILES[fmt]
    kind = OpenApiTypes.STR if fmt == "csv" else OpenApiTypes.BINARY
    return extend_schema(
        operation_id=f"series_observations_{fmt}",
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Seriens id."))
        ],
        responses={
            (200, media_type): OpenApiResponse(kind, description=description),
            **errors(404, 429),
        },
    )


class SeriesViewSet(PublicViewSet):
    """The indicator series of the public papers' goals: a source's figures per municipality
    (and for the region and the whole country) per year, with the source named."""

    queryset = (
        IndicatorSeries.objects.public()
        .select_related("indicator__goal__paper__region")
        .annotate(
            first_year=Min("observations__year"),
            last_year=Max("observations__year"),
            value_count=Count("observations"),
        )
    )
    serializer_class = SeriesSerializer
    filterset_class = SeriesFilter
    ordering_fields = ["fetched_on", "id"]
    ordering = ["indicator__goal__paper__region__name", "indicator__goal__order", "id"]

    @extend_schema(responses={200: SeriesSerializer, **errors(404, 429)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={200: SeriesSerializer(many=True), **errors(400, 429)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_renderers(self):
        action = getattr(self, "action", None)  # not yet set while DRF reads the request
        if action in ("observations_csv", "observations_xlsx"):
            return [CSVRenderer() if action == "observations_csv" else XLSXRenderer()]
        return super().get_renderers()

    def get_content_negotiator(self):
        if getattr(self, "action", None) in ("observations_csv", "observations_xlsx"):
            return FileNegotiation()
        return super().get_content_negotiator()

    @extend_schema(
        operation_id="series_observations_list",
        parameters=[*paging_openapi_parameters()],
        responses={200: ObservationPageSerializer, **errors(400, 404, 429)},
    )
    @action(detail=True, filter_backends=[], query_parameters=("page", "page_size"))
    def observations(self, request, *args, **kwargs):
        """The series' values: the whole country and the region first, then the
        municipalities by name, year by year, page by page. The whole series with its source
        on every row: `observations.csv` or `observations.xlsx`."""

        def make():
            page = self.paginate_queryset(exports.series_rows(self.get_object()))
            return self.get_paginated_response(ObservationSerializer(page, many=True).data)

        return cached_answer(self, request, make)

    @_file_schema("csv")
    def observations_csv(self, request, *args, **kwargs):
        return self._file(request, "csv")

    @_file_schema("xlsx")
    def observations_xlsx(self, request, *args, **kwargs):
        return self._file(request, "xlsx")

    def _file(self, request, fmt):
        def make():
            series = self.get_object()
            return exports.table_response(
                fmt,
                f"indikator-{series.indicator_id}-serie-{series.pk}",
                f"Serie {series.pk}",  # a sheet's name takes no : / ? * [ ]
                exports.series_columns(),
                exports.series_rows(series),
            )

        return cached_answer(self, request, make)
