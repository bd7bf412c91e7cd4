"""API of the read side: the published status rounds, their progress (per goal, cluster and
municipality, with the evaluation) and their lines, also as CSV or Excel (`lines.csv` /
`lines.xlsx`, made by `reports.exports`; the old `lines/?format=csv` leads there).

Only public rounds exist here (`reports.models.public_rounds`: those with a publication, as the
public pages), as their latest publication froze them; every figure comes from
`reports.progress.published_progress` (through `published_progress` below), so the API, the
pages, the exports and the PDFs cannot disagree. Published data is read-only: its answers
carry ETag and Last-Modified and a matching conditional GET gets 304.
"""

from django.http import Http404
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from goals.evaluation import EVALUATIONS
from goals.models import StatusRound
from kkrmaal.api.common import FileNegotiation
from kkrmaal.api.common import FilterSet
from kkrmaal.api.common import IdFilter
from kkrmaal.api.common import RegionFilter
from kkrmaal.api.common import cached_answer
from kkrmaal.api.common import conditional
from kkrmaal.api.common import errors
from kkrmaal.api.common import paging_openapi_parameters
from kkrmaal.api.common import region_field
from kkrmaal.api.common import with_validators
from kkrmaal.api.enums import enum_field
from kkrmaal.api.viewsets import PublicViewSet
from reports import exports
from reports import progress
from reports.models import Publication
from reports.models import public_rounds


def published_progress(status_round):
    """The published record of a round, as the public sees it: its latest publication,
    frozen at publishing (`reports.progress.published_progress`)."""
    found = progress.published_progress(status_round)
    if found is None:
        raise Http404
    return found


def published_stamp(status_round):
    """(ETag, Last-Modified) of a published round: its latest publication's version and
    time, so a republished round is fetched anew."""
    publication = Publication.objects.latest_for(status_round)
    if publication is None:
        raise Http404
    return (
        f'"round-{status_round.pk}-v{publication.version}"',
        publication.published_at,
    )


# --- serializers ---------------------------------------------------------------------------


class RoundLinksSerializer(serializers.Serializer):
    progress = serializers.URLField(help_text=_("Rundens fremdrift (JSON)."))
    lines = serializers.URLField(help_text=_("Rundens linjer, sidevis (JSON)."))
    csv = serializers.URLField(help_text=_("Rundens linjer som CSV."))
    xlsx = serializers.URLField(help_text=_("Rundens linjer som Excel-regneark."))
    paper_pdf = serializers.URLField(help_text=_("Regionens statuspapir (PDF)."))
    datapackage = serializers.URLField(
        help_text=_("Regionens hele offentlige materiale som Frictionless Data Package (zip).")
    )


class RoundSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Statusrundens id."))
    region = region_field("paper.region")
    paper = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("Målpapirets id."))
    paper_title = serializers.CharField(source="paper.title", help_text=_("Målpapirets titel."))
    year = serializers.IntegerField(help_text=_("Året, der gøres status for."))
    opens = serializers.DateField(help_text=_("Dagen, runden åbnede for indberetning."))
    deadline = serializers.DateField(help_text=_("Kommunernes frist."))
    published_at = serializers.DateTimeField(
        source="last_published_at", help_text=_("Hvornår runden blev offentliggjort.")
    )
    version = serializers.IntegerField(
        source="publication_version",
        help_text=_("Offentliggørelsens version: 1, og 2, 3 … når runden er rettet."),
    )
    links = serializers.SerializerMethodField(
        help_text=_("Adresser på rundens fremdrift, linjer, regneark, statuspapir og datapakke.")
    )

    class Meta:
        model = StatusRound
        fields = [
            "id",
            "region",
            "paper",
            "paper_title",
            "year",
            "opens",
            "deadline",
            "published_at",
            "version",
            "links",
        ]

    @extend_schema_field(RoundLinksSerializer)
    def get_links(self, status_round):
        request = self.context.get("request")
        region = status_round.paper.region.slug

        def absolute(url):
            return request.build_absolute_uri(url) if request else url

        return {
            "progress": absolute(reverse("api:round-progress", args=[status_round.pk])),
            "lines": absolute(reverse("api:round-lines", args=[status_round.pk])),
            "csv": absolute(reverse("api:round-lines-csv", args=[status_round.pk])),
            "xlsx": absolute(reverse("api:round-lines-xlsx", args=[status_round.pk])),
            "paper_pdf": absolute(
                reverse("reports:region_paper_pdf", args=[region, status_round.year])
            ),
            "datapackage": absolute(reverse("api:region-datapackage", args=[region])),
        }


class TallySerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text=_("Opfyldt."))
    on_track = serializers.IntegerField(help_text=_("På vej: ikke opfyldt, fristen ikke nået."))
    overdue = serializers.IntegerField(help_text=_("Forsinket: fristen er overskredet."))
    missing = serializers.IntegerField(help_text=_("Ikke indberettet."))
    not_relevant = serializers.IntegerField(help_text=_("Ikke relevant."))
    total = serializers.IntegerField(help_text=_("I alt."))


def _tally(tally):
    return {**{e: tally[e] for e in EVALUATIONS}, "total": tally.total}


class CellSerializer(serializers.Serializer):
    cluster = serializers.IntegerField(
        allow_null=True, help_text=_("Klyngens id; null for en fælles milepæl.")
    )
    cluster_name = serializers.CharField(help_text=_("Klyngens navn; tom for en fælles milepæl."))
    status = enum_field(
        "LineStatusEnum", help_text=_("Den indberettede status; tom, når den ikke er besvaret.")
    )
    evaluation = enum_field("EvaluationEnum", help_text=_("Portalens vurdering."))
    evaluation_label = serializers.CharField(help_text=_("Vurderingen i ord."))
    comment = serializers.CharField(help_text=_("Kommentar."))


class MilestoneProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Milepælens id."))
    key = serializers.CharField(help_text=_("Milepælens faste nøgle (papir:målnummer:plads)."))
    text = serializers.CharField(help_text=_("Milepælen."))
    scope = enum_field("MilestoneScopeEnum", help_text=_("Hvem der svarer."))
    due = serializers.DateField(allow_null=True, help_text=_("Fristen, eller null."))
    asked = serializers.BooleanField(help_text=_("Om runden spurgte til milepælen."))
    tally = TallySerializer(help_text=_("Antal svar pr. vurdering."))
    statuses = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_(
            "Antal kommuner pr. indberettet status (nøgle: status, jf. LineStatusEnum; kun "
            "milepæle for hver kommune)."
        ),
    )
    answers = CellSerializer(
        many=True, help_text=_("Sekretariatets svar for klynger eller for hele KKR.")
    )


class ClusterTallySerializer(serializers.Serializer):
    cluster = serializers.IntegerField(allow_null=True, help_text=_("Klyngens id, eller null."))
    cluster_name = serializers.CharField(help_text=_("Klyngens navn; tom uden klynge."))
    tally = TallySerializer(help_text=_("Antal svar pr. vurdering i klyngen."))


class DecisionSerializer(serializers.Serializer):
    decision = enum_field("DecisionEnum", help_text=_("Rundens beslutning om målet."))
    label = serializers.CharField(help_text=_("Beslutningen i ord."))
    comment = serializers.CharField(help_text=_("Begrundelse."))
    new_goal = serializers.IntegerField(
        allow_null=True, help_text=_("Det reviderede måls id, eller null.")
    )


class GoalProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Målets id."))
    key = serializers.CharField(help_text=_("Målets faste nøgle (papir:målnummer)."))
    number = serializers.CharField(help_text=_("Målets nummer."))
    title = serializers.CharField(help_text=_("Målets titel."))
    kind = enum_field("GoalKindEnum", help_text=_("KKR-mål (commitment) eller andet."))
    verdict = enum_field(
        "VerdictEnum",
        allow_null=True,
        help_text=_("Status for målet; null, når målet intet har at vurdere."),
    )
    verdict_label = serializers.CharField(help_text=_("Status for målet i ord."))
    verdict_reason = serializers.CharField(
        help_text=_(
            "Hvorfor målet har sin status (eller ingen), i én sætning; nævner de kommuner, "
            "der gør målet forsinket."
        )
    )
    tally = TallySerializer(help_text=_("Antal svar pr. vurdering for målet."))
    clusters = ClusterTallySerializer(many=True, help_text=_("Målets optælling pr. klynge."))
    milestones = MilestoneProgressSerializer(many=True, help_text=_("Målets milepæle."))
    decision = DecisionSerializer(allow_null=True, help_text=_("Rundens beslutning, eller null."))


class MunicipalityProgressSerializer(serializers.Serializer):
    kommunekode = serializers.IntegerField(help_text=_("Kommunekoden."))
    name = serializers.CharField(help_text=_("Kommunens navn."))
    cluster = serializers.IntegerField(allow_null=True, help_text=_("Klyngens id, eller null."))
    report_state = enum_field(
        "ReportStateEnum",
        allow_null=True,
        help_text=_(
            "Indberetningens tilstand (kun submitted og approved tæller), eller null uden "
            "indberetning."
        ),
    )
    tally = TallySerializer(help_text=_("Kommunens svar pr. vurdering."))


class ProgressSerializer(serializers.Serializer):
    round = RoundSerializer(help_text=_("Runden."))
    reported_count = serializers.IntegerField(help_text=_("Antal kommuner, der har indberettet."))
    municipality_count = serializers.IntegerField(help_text=_("Antal kommuner i regionen."))
    tally = TallySerializer(help_text=_("Alle svar i runden pr. vurdering."))
    goals = GoalProgressSerializer(many=True, help_text=_("Fremdrift pr. mål."))
    municipalities = MunicipalityProgressSerializer(
        many=True, help_text=_("Fremdrift pr. kommune.")
    )


# A round's line: the columns of the round's spreadsheet and of the data package's lines
# table (`reports.exports.round_line_columns`), with the same names and types.
class LineSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text=_("Statusrundens id."))
    region = serializers.CharField(help_text=_("Regionens korte navn."))
    year = serializers.IntegerField(help_text=_("Rundens år."))
    kommunekode = serializers.IntegerField(help_text=_("Kommunekoden."))
    municipality = serializers.CharField(help_text=_("Kommunens navn."))
    cluster = serializers.IntegerField(allow_null=True, help_text=_("Klyngens id, eller null."))
    cluster_name = serializers.CharField(help_text=_("Klyngens navn, eller tom."))
    goal = serializers.IntegerField(help_text=_("Målets id."))
    goal_key = serializers.CharField(help_text=_("Målets faste nøgle (papir:målnummer)."))
    goal_number = serializers.CharField(help_text=_("Målets nummer som trykt; altid tekst."))
    goal_title = serializers.CharField(help_text=_("Målets titel."))
    milestone = serializers.IntegerField(help_text=_("Milepælens id."))
    milestone_key = serializers.CharField(
        help_text=_("Milepælens faste nøgle (papir:målnummer:plads).")
    )
    milestone_text = serializers.CharField(help_text=_("Milepælen."))
    due = serializers.DateField(allow_null=True, help_text=_("Fristen, eller null."))
    report_state = enum_field(
        "ReportStateEnum",
        allow_null=True,
        help_text=_("Indberetningens tilstand, eller null uden indberetning."),
    )
    status = enum_field(
        "LineStatusEnum", help_text=_("Kommunens status; tom, når linjen ikke er besvaret.")
    )
    status_label = serializers.CharField(help_text=_("Kommunens status i ord."))
    evaluation = enum_field("EvaluationEnum", help_text=_("Portalens vurdering."))
    evaluation_label = serializers.CharField(help_text=_("Vurderingen i ord."))
    comment = serializers.CharField(help_text=_("Kommunens kommentar."))
    evidence_url = serializers.CharField(help_text=_("Link til dokumentation, eller tom."))


class LinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Antal linjer i alt."))
    next = serializers.URLField(allow_null=True, help_text=_("Næste side, eller null."))
    previous = serializers.URLField(allow_null=True, help_text=_("Forrige side, eller null."))
    results = LineSerializer(many=True, help_text=_("Linjerne på denne side."))


def progress_document(rp, status_round):
    """The progress of a round as the API gives it (see ProgressSerializer); `status_round`
    as the round list gives it."""
    clusters = {cluster.pk: cluster.name for cluster in rp.clusters}
    return {
        "round": status_round,
        "reported_count": rp.reported_count,
        "municipality_count": len(rp.municipalities),
        "tally": _tally(rp.tally),
        "goals": [_goal_document(gp, clusters) for gp in rp.goals],
        "municipalities": [_municipality_document(rp, m) for m in rp.municipalities],
    }


def _goal_document(gp, clusters):
    """A goal's progress (GoalProgressSerializer)."""
    return {
        "id": gp.goal.pk,
        "key": gp.goal.key,
        "number": gp.goal.number,
        "title": gp.goal.title,
        "kind": gp.goal.kind,
        "verdict": gp.verdict,
        "verdict_label": str(gp.verdict_label) if gp.verdict else "",
        "verdict_reason": gp.verdict_reason,
        "tally": _tally(gp.tally),
        "clusters": [
            {
                "cluster": cluster.pk if cluster else None,
                "cluster_name": cluster.name if cluster else "",
                "tally": _tally(tally),
            }
            for cluster, tally in gp.by_cluster
        ],
        "milestones": [_milestone_document(mp, clusters) for mp in gp.milestones],
        "decision": _decision_document(gp.decision) if gp.decision else None,
    }


def _milestone_document(mp, clusters):
    """A milestone's progress (MilestoneProgressSerializer): the statuses counted for a
    milestone of each municipality, the answers themselves for a cluster or joint one."""
    milestone = mp.milestone
    answers = []
    if not mp.per_municipality:
        answers = [
            {
                "cluster": key,
                "cluster_name": clusters.get(key, ""),
                "status": cell.status,
                "evaluation": cell.evaluation,
                "evaluation_label": str(cell.label),
                "comment": cell.comment,
            }
            for key, cell in mp.cells.items()
        ]
    return {
        "id": milestone.pk,
        "key": milestone.key,
        "text": milestone.text,
        "scope": milestone.scope,
        "due": milestone.due,
        "asked": mp.asked,
        "tally": _tally(mp.tally),
        "statuses": dict(mp.statuses) if mp.per_municipality else {},
        "answers": answers,
    }


def _decision_document(decision):
    """The round's decision on a goal (DecisionSerializer)."""
    return {
        "decision": decision.decision,
        "label": str(decision.get_decision_display()),
        "comment": decision.comment,
        "new_goal": decision.new_goal_id,
    }


def _municipality_document(rp, municipality):
    """A municipality's answers counted by evaluation (MunicipalityProgressSerializer)."""
    tally = progress.Tally(line.cell.evaluation for line in rp.municipality_lines(municipality))
    return {
        "kommunekode": municipality.kommunekode,
        "name": municipality.name,
        "cluster": municipality.cluster_id,
        "report_state": (rp.reports.get(municipality.pk) or {}).get("state") or None,
        "tally": _tally(tally),
    }


# --- views ---------------------------------------------------------------------------------


class SpreadsheetRenderer(BaseRenderer):
    """Claims a round's lines as CSV or .xlsx; the view makes the file itself
    (`reports.exports`), and an error is answered as JSON (`ApiViewMixin`)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class CSVRenderer(SpreadsheetRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class XLSXRenderer(SpreadsheetRenderer):
    media_type = exports.XLSX_TYPE
    format = "xlsx"
    charset = None


class RoundFilter(FilterSet):
    region = RegionFilter(
        field_name="paper__region__slug", help_text=_("Kun runder fra regionen (kort navn).")
    )
    paper = IdFilter(help_text=_("Kun runder for målpapiret (id)."))
    year = IdFilter(help_text=_("Kun runder for året."), max_value=9999)

    class Meta:
        model = StatusRound
        fields = ["region", "paper", "year"]


FORMAT = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    enum=["json", "csv", "xlsx"],
    description=_(
        "json (standard). csv og xlsx svares med 301 til lines.csv og lines.xlsx: brug dem direkte."
    ),
)
FILE_RESPONSES = {
    "csv": (
        "text/csv",
        _(
            "Hele runden som CSV: UTF-8 med BOM, semikolon mellem felterne; første række er "
            "kolonnernes navne (se datapakkens Table Schema for tabellen lines)."
        ),
    ),
    "xlsx": (
        exports.XLSX_TYPE,
        _(
            "Hele runden som Excel-regneark; første række er kolonnernes navne, arket "
            "Kolonner beskriver dem."
        ),
    ),
}


def _file_schema(fmt, operation_id):
    media_type, description = FILE_RESPONSES[fmt]
    # CSV is text (a generated client hands it over as a string); the workbook is bytes.
    kind = OpenApiTypes.STR if fmt == "csv" else OpenApiTypes.BINARY
    return extend_schema(
        operation_id=operation_id,
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Statusrundens id."))
        ],
        responses={
            (200, media_type): OpenApiResponse(kind, description=description),
            **errors(404, 429),
        },
    )


class RoundViewSet(PublicViewSet):
    """The published status rounds, as last published: a round reopened for a correction
    keeps its last publication meanwhile, as on the public pages. Rounds never published do
    not exist here."""

    queryset = public_rounds().select_related("paper__region")
    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ["year", "last_published_at"]
    ordering = ["-year", "paper__region__name"]

    def get_renderers(self):
        action = getattr(self, "action", None)  # not yet set while DRF reads the request
        if action in ("lines_csv", "lines_xlsx"):
            return [CSVRenderer() if action == "lines_csv" else XLSXRenderer()]
        return super().get_renderers()

    def get_content_negotiator(self):
        if getattr(self, "action", None) in ("lines_csv", "lines_xlsx"):
            return FileNegotiation()
        return super().get_content_negotiator()

    def _conditional(self, request, status_round, make):
        etag, last_modified = published_stamp(status_round)
        # One ETag per language and format: the answers share an address (Accept-Language
        # chooses), and a cache revalidating one of them must not be told the other is it.
        renderer = getattr(request, "accepted_renderer", None)
        variant = f"{get_language()}-{renderer.format if renderer else 'json'}"
        etag = f'{etag[:-1]}-{variant}"'
        response = conditional(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = make()
        return with_validators(response, etag=etag, last_modified=last_modified)

    @extend_schema(responses={200: RoundSerializer, **errors(404, 429)})
    def retrieve(self, request, *args, **kwargs):
        return cached_answer(self, request, lambda: self._round(request, self.get_object()))

    def _round(self, request, status_round):
        return self._conditional(
            request, status_round, lambda: Response(self.get_serializer(status_round).data)
        )

    @extend_schema(
        operation_id="round_progress", responses={200: ProgressSerializer, **errors(404, 429)}
    )
    @action(detail=True, filter_backends=[], pagination_class=None, query_parameters=())
    def progress(self, request, *args, **kwargs):
        """How far the round's goals had come: per goal (with its milestones, clusters and
        decision) and per municipality, counted by evaluation."""
        return cached_answer(self, request, lambda: self._progress(request, self.get_object()))

    def _progress(self, request, status_round):
        def make():
            document = progress_document(published_progress(status_round), status_round)
            return Response(ProgressSerializer(document, context={"request": request}).data)

        return self._conditional(request, status_round, make)

    @extend_schema(
        operation_id="round_lines_list",
        parameters=[FORMAT, *paging_openapi_parameters()],
        responses={
            (200, "application/json"): LinePageSerializer,
            (301, "application/json"): OpenApiResponse(
                description=_("format=csv eller xlsx: filen er på lines.csv eller lines.xlsx.")
            ),
            **errors(400, 404, 429),
        },
    )
    @action(
        detail=True,
        filter_backends=[],
        renderer_classes=[JSONRenderer, CSVRenderer, XLSXRenderer],
        query_parameters=("format", "page", "page_size"),
    )
    def lines(self, request, *args, **kwargs):
        """Every municipality's answer to every milestone asked of each municipality, with
        cluster, status, evaluation, comment and evidence link, page by page. The whole round
        as a spreadsheet: `lines.csv` or `lines.xlsx` (the old `?format=csv` leads there)."""
        fmt = request.accepted_renderer.format
        if fmt in ("csv", "xlsx"):
            status_round = self.get_object()
            return HttpResponsePermanentRedirect(
                reverse(f"api:round-lines-{fmt}", args=[status_round.pk])
            )
        return cached_answer(self, request, lambda: self._lines(request, self.get_object()))

    def _lines(self, request, status_round):
        def make():
            rows = exports.round_lines(published_progress(status_round))
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(LineSerializer(page, many=True).data)

        return self._conditional(request, status_round, make)

    @_file_schema("csv", "round_lines_csv")
    def lines_csv(self, request, *args, **kwargs):
        """The round's lines as CSV for Danish Excel."""
        return self._file(request, "csv")

    @_file_schema("xlsx", "round_lines_xlsx")
    def lines_xlsx(self, request, *args, **kwargs):
        """The round's lines as an Excel workbook."""
        return self._file(request, "xlsx")

    def _file(self, request, fmt):
        def make():
            status_round = self.get_object()
            return self._conditional(
                request,
                status_round,
                lambda: exports.round_lines_response(fmt, published_progress(status_round)),
            )

        return cached_answer(self, request, make)

    @extend_schema(responses={200: RoundSerializer(many=True), **errors(404, 429)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
