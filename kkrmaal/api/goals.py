"""API of the goals app: the public goal papers, goals and milestones, and a municipality's
own status reports, read and written with a token.

Writing goes the way of the web form: the answers are checked by the same `ReportForm`
(same rules, same Danish messages, English with `Accept-Language: en`) and saved by
`goals.rounds.save_report` / `submit_report`, which keep the state machine and the
lost-update guard. The report's version is its ETag; a PATCH must send it in `If-Match`,
compared strictly (`_if_match`). A PATCH that changes nothing saves nothing and keeps the
version. A report is private: `Cache-Control: private, no-store` on every answer about it.
"""

import re

from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins
from rest_framework import permissions
from rest_framework import serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from goals import audit
from goals import naming
from goals import rounds
from goals.forms import ReportForm
from goals.models import Goal
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorValue
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from kkrmaal.api.common import ApiViewMixin
from kkrmaal.api.common import FilterSet
from kkrmaal.api.common import IdFilter
from kkrmaal.api.common import StrictSerializer
from kkrmaal.api.common import errors
from kkrmaal.api.common import region_field
from kkrmaal.api.common import region_filterset
from kkrmaal.api.common import text_or_null
from kkrmaal.api.enums import EnumFilter
from kkrmaal.api.enums import enum_field
from kkrmaal.api.enums import ref
from kkrmaal.api.errors import Conflict
from kkrmaal.api.errors import InvalidIfMatch
from kkrmaal.api.errors import PreconditionFailed
from kkrmaal.api.errors import PreconditionRequired
from kkrmaal.api.errors import WeakETag
from kkrmaal.api.viewsets import PublicViewSet
from municipalities.models import Municipality

# --- the public goals ----------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "properties": {"da": {"type": "string"}, "en": {"type": "string"}},
        "required": ["da", "en"],
    }
)
class PublicWordsField(serializers.Field):
    """The words a public page uses for the object (goals/naming.py), in Danish and English:
    `kind`/`state` are the machine's words, and a proposal's goal is "foreslået", not
    "active"."""

    def __init__(self, name, **kwargs):
        self.name = name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        words = {}
        for language in ("da", "en"):
            with translation.override(language):
                words[language] = str(self.name(instance))
        return words


class PaperSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Målpapirets id."))
    key = serializers.CharField(
        read_only=True,
        help_text=_(
            "Papirets faste nøgle: kildedokumentets navn, det samme i enhver installation."
        ),
    )
    region = region_field()
    title = serializers.CharField(help_text=_("Målpapirets titel."))
    kind = enum_field("PaperKindEnum", help_text=_("Papirets type, fx kkr_maal."))
    adopted_year = serializers.IntegerField(help_text=_("Året, papiret blev vedtaget."))
    first_year = serializers.IntegerField(help_text=_("Første år i papirets periode."))
    last_year = serializers.IntegerField(help_text=_("Sidste år i papirets periode."))
    state = enum_field(
        "PaperStateEnum", help_text=_("Papirets tilstand: vedtaget eller arkiveret.")
    )
    public_label = PublicWordsField(
        naming.paper_state,
        help_text=_(
            "Papirets tilstand, som siderne skriver den (fx Forslag), på dansk og engelsk."
        ),
    )
    summary = serializers.CharField(help_text=_("Resumé af papiret."))
    source = serializers.CharField(help_text=_("Kildedokumentets filnavn."))

    class Meta:
        model = GoalPaper
        fields = [
            "id",
            "key",
            "region",
            "title",
            "kind",
            "adopted_year",
            "first_year",
            "last_year",
            "state",
            "public_label",
            "summary",
            "source",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Milepælens id."))
    key = serializers.CharField(
        read_only=True,
        help_text=_(
            "Milepælens faste nøgle (papir:målnummer:plads), den samme i enhver installation."
        ),
    )
    goal = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("Målets id."))
    order = serializers.IntegerField(help_text=_("Milepælens plads under målet."))
    text = serializers.CharField(help_text=_("Milepælen, som den står i papiret."))
    due = serializers.DateField(allow_null=True, help_text=_("Fristen, eller null."))
    due_approximate = serializers.BooleanField(
        help_text=_("Sand, når papiret kun angiver en omtrentlig frist (fx 'primo 2018').")
    )
    due_text = serializers.CharField(help_text=_("Fristen som trykt i papiret."))
    scope = enum_field(
        "MilestoneScopeEnum",
        help_text=_("Hvem der svarer: hver kommune, hver klynge eller KKR i fællesskab."),
    )
    lead = serializers.CharField(help_text=_("Tovholder, hvor papiret nævner en."))
    baseline_count = serializers.IntegerField(
        allow_null=True, help_text=_("Udgangspunkt: antal kommuner, der allerede opfyldte den.")
    )
    baseline_of = serializers.IntegerField(
        allow_null=True, help_text=_("Udgangspunkt: ud af så mange kommuner.")
    )
    baseline_year = serializers.IntegerField(allow_null=True, help_text=_("Udgangspunktets år."))

    class Meta:
        model = Milestone
        fields = ["id", "key", *Milestone.READING_ORDER]


class IndicatorSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Indikatorens id."))
    name = serializers.CharField(help_text=_("Indikatorens navn."))
    unit = serializers.CharField(help_text=_("Enheden, fx procent eller personer."))
    target = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        coerce_to_string=False,
        help_text=_("Målværdien, eller null."),
    )
    direction = enum_field(
        "IndicatorDirectionEnum", help_text=_("Om højere eller lavere er bedre.")
    )
    description = serializers.CharField(help_text=_("Beskrivelse af indikatoren."))

    class Meta:
        model = Indicator
        fields = ["id", "name", "unit", "target", "direction", "description"]


class GoalSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Målets id."))
    key = serializers.CharField(
        read_only=True,
        help_text=_("Målets faste nøgle (papir:målnummer), den samme i enhver installation."),
    )
    region = region_field("paper.region")
    paper = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("Målpapirets id."))
    theme = text_or_null("theme.title", _("Temaet, målet hører under, eller null."))
    order = serializers.IntegerField(help_text=_("Målets plads i målpapiret."))
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Det overordnede måls id, eller null.")
    )
    number = serializers.CharField(help_text=_("Målets nummer som trykt, fx 1, 1.1 a eller A."))
    title = serializers.CharField(help_text=_("Målets titel."))
    description = serializers.CharField(help_text=_("Beskrivelse af målet."))
    kind = enum_field("GoalKindEnum", help_text=_("KKR-mål (commitment) eller udviklingsområde."))
    state = enum_field(
        "GoalStateEnum",
        help_text=_(
            "Målets tilstand: ikke vedtaget endnu (pipeline), aktivt, opfyldt, revideret eller "
            "udgået."
        ),
    )
    national_goal = serializers.CharField(help_text=_("Det nationale mål, målet understøtter."))
    replaces = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("Id på det mål, dette mål er en revision af, eller null."),
    )
    public_label = PublicWordsField(
        naming.goal_name,
        help_text=_(
            "Målets type og tilstand, som siderne skriver dem (fx målsætning · foreslået), på "
            "dansk og engelsk: et forslags mål er foreslået, ikke aktivt."
        ),
    )
    milestones = MilestoneSerializer(many=True, read_only=True, help_text=_("Målets milepæle."))
    indicators = IndicatorSerializer(many=True, read_only=True, help_text=_("Målets indikatorer."))

    class Meta:
        model = Goal
        fields = [
            "id",
            "key",
            "region",
            *Goal.READING_ORDER,
            "public_label",
            "milestones",
            "indicators",
        ]


def public_papers():
    return GoalPaper.objects.public()


PaperFilter = region_filterset(
    GoalPaper, "region__slug", _("Kun papirer fra regionen (kort navn).")
)
GoalFilter = region_filterset(
    Goal,
    "paper__region__slug",
    _("Kun mål fra regionen (kort navn)."),
    paper=IdFilter(help_text=_("Kun mål fra målpapiret (id).")),
    theme=IdFilter(help_text=_("Kun mål under temaet (id).")),
    kind=EnumFilter("GoalKindEnum", help_text=_("Kun mål af typen.")),
    state=EnumFilter("GoalStateEnum", help_text=_("Kun mål i tilstanden.")),
)
MilestoneFilter = region_filterset(
    Milestone,
    "goal__paper__region__slug",
    _("Kun milepæle fra regionen (kort navn)."),
    paper=IdFilter(field_name="goal__paper", help_text=_("Kun milepæle fra målpapiret (id).")),
    goal=IdFilter(help_text=_("Kun milepæle under målet (id).")),
    scope=EnumFilter("MilestoneScopeEnum", help_text=_("Kun milepæle med dette omfang.")),
)


class PaperViewSet(PublicViewSet):
    """The adopted (and archived) goal papers; drafts are not public."""

    queryset = public_papers().select_related("region")
    serializer_class = PaperSerializer
    filterset_class = PaperFilter
    ordering_fields = ["adopted_year", "title"]
    ordering = ["region__name", "-adopted_year", "title"]


class GoalViewSet(PublicViewSet):
    """The goals of the public papers, with their milestones and indicators."""

    queryset = (
        Goal.objects.filter(paper__in=public_papers())
        .select_related("paper__region", "theme")
        .prefetch_related("milestones", "indicators")
    )
    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    ordering_fields = ["order", "number"]
    ordering = ["paper", "order", "number"]


class MilestoneViewSet(PublicViewSet):
    """The milestones of the public papers' goals."""

    queryset = Milestone.objects.filter(goal__paper__in=public_papers()).select_related(
        "goal__paper"
    )
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due", "order"]
    ordering = ["goal__paper", "goal__order", "order"]


# --- a municipality's own reports (token) ------------------------------------------------


class ReportLineSerializer(serializers.ModelSerializer):
    milestone = serializers.IntegerField(source="milestone_id", help_text=_("Milepælens id."))
    goal_number = serializers.CharField(
        source="milestone.goal.number", help_text=_("Målets nummer.")
    )
    milestone_text = serializers.CharField(source="milestone.text", help_text=_("Milepælen."))
    status = enum_field(
        "LineStatusEnum",
        help_text=_("Kommunens status; tom, når linjen ikke er besvaret."),
    )
    comment = serializers.CharField(help_text=_("Kommunens kommentar."))
    evidence_url = serializers.CharField(help_text=_("Link til dokumentation."))
    evidence_file = serializers.SerializerMethodField(
        help_text=_("Navnet på en uploadet dokumentationsfil, eller null.")
    )

    class Meta:
        model = MilestoneStatus
        fields = [
            "milestone",
            "goal_number",
            "milestone_text",
            "status",
            "comment",
            "evidence_url",
            "evidence_file",
        ]

    def get_evidence_file(self, line) -> str | None:
        return line.evidence_file.name.rsplit("/", 1)[-1] if line.evidence_file else None


class ReportValueSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(source="indicator_id", help_text=_("Indikatorens id."))
    name = serializers.CharField(source="indicator.name", help_text=_("Indikatorens navn."))
    unit = serializers.CharField(source="indicator.unit", help_text=_("Enheden."))
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        coerce_to_string=False,
        help_text=_("Værdien, eller null."),
    )

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "name", "unit", "value"]


class ReportSummarySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Indberetningens id."))
    round = serializers.IntegerField(source="round_id", help_text=_("Statusrundens id."))
    year = serializers.IntegerField(source="round.year", help_text=_("Rundens år."))
    paper_title = serializers.CharField(
        source="round.paper.title", help_text=_("Målpapirets titel.")
    )
    round_state = enum_field(
        "RoundStateEnum",
        source="round.state",
        help_text=_("Rundens tilstand: planned, open, closed eller published."),
    )
    deadline = serializers.DateField(source="round.deadline", help_text=_("Rundens frist."))
    kommunekode = serializers.IntegerField(
        source="municipality.kommunekode", help_text=_("Kommunens kommunekode.")
    )
    municipality = serializers.CharField(source="municipality.name", help_text=_("Kommunens navn."))
    state = enum_field(
        "ReportStateEnum",
        help_text=_("Indberetningens tilstand: draft, submitted, returned eller approved."),
    )
    version = serializers.IntegerField(
        help_text=_(
            'Versionsnummer; send det i If-Match i anførselstegn, som ETag har det, fx "3".'
        )
    )
    refusal = serializers.SerializerMethodField(
        help_text=_("Hvorfor indberetningen ikke kan ændres nu, eller null, når den kan.")
    )
    updated_at = serializers.DateTimeField(help_text=_("Senest ændret."))
    submitted_at = serializers.DateTimeField(allow_null=True, help_text=_("Indsendt, eller null."))
    review_comment = serializers.CharField(help_text=_("Sekretariatets kommentar."))

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "round",
            "year",
            "paper_title",
            "round_state",
            "deadline",
            "kommunekode",
            "municipality",
            "state",
            "version",
            "refusal",
            "updated_at",
            "submitted_at",
            "review_comment",
        ]

    def get_refusal(self, report) -> str | None:
        return report.reporting_refusal()


class ReportSerializer(ReportSummarySerializer):
    lines = ReportLineSerializer(
        many=True, read_only=True, help_text=_("En linje pr. milepæl, kommunen svarer på.")
    )
    values = ReportValueSerializer(
        source="indicator_values",
        many=True,
        read_only=True,
        help_text=_("Indikatorernes værdier."),
    )

    class Meta(ReportSummarySerializer.Meta):
        fields = ReportSummarySerializer.Meta.fields + ["lines", "values"]


@extend_schema_field(ref("LineStatusEnum"))
class StatusField(serializers.CharField):
    """A status as the web form's field checks it (with its message), documented as the
    line status enum it accepts."""


class LineInputSerializer(StrictSerializer):
    milestone = serializers.IntegerField(help_text=_("Milepælens id (fra indberetningens linjer)."))
    status = StatusField(
        required=False,
        allow_blank=True,
        help_text=_("Ny status (tom: ikke besvaret); udelades for at beholde den gemte."),
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("Ny kommentar; udelades for at beholde den gemte."),
    )
    evidence_url = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Nyt link til dokumentation (https://…); udelades for at beholde det gemte."),
    )


class ValueInputSerializer(StrictSerializer):
    indicator = serializers.IntegerField(help_text=_("Indikatorens id."))
    value = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        coerce_to_string=False,
        help_text=_("Ny værdi (punktum som decimaltegn), eller null for at slette den."),
    )


class ReportPatchSerializer(StrictSerializer):
    lines = LineInputSerializer(
        many=True, required=False, help_text=_("De linjer, der ændres; resten bevares.")
    )
    values = ValueInputSerializer(
        many=True, required=False, help_text=_("De værdier, der ændres; resten bevares.")
    )


class IsReporter(permissions.IsAuthenticated):
    message = _("Nøglens bruger er ikke indberetter for nogen kommune.")
    code = "not_a_reporter"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and (
            Municipality.objects.reported_by(request.user).exists()
        )


def _etag(report):
    return quote_etag(str(report.version))


STRONG_VERSION = re.compile(r'"([0-9]{1,9})"')
WEAK_TAG = re.compile(r'W/"[^"]*"')


def _if_match(request, report, *, required):
    """The version the client edits, from If-Match, compared strictly (RFC 9110: strong
    comparison): missing (or `*`, which names no version) is 428 when required, else None;
    a weak tag (W/"3") never matches, 412 `weak_etag`; anything but one quoted version is
    400; another version than the report's is 412 `stale`."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        if required:
            raise PreconditionRequired
        return None
    if WEAK_TAG.fullmatch(header):
        raise WeakETag
    match = STRONG_VERSION.fullmatch(header)
    if match is None:
        raise InvalidIfMatch
    if int(match[1]) != report.version:
        raise PreconditionFailed
    return report.version


def _form(report, changes=None, *, submitting=False):
    """The web form's `ReportForm`, filled with what is saved and the client's changes."""
    lines, values = report.rows()
    data = {"version": report.version}
    for line in lines:
        for name in rounds.LINE_FIELDS:
            data[f"line-{line.milestone_id}-{name}"] = getattr(line, name)
    for value in values:
        data[f"value-{value.indicator_id}"] = "" if value.value is None else value.value
    unknown = {"lines": {}, "values": {}}
    if changes:
        known_lines = {line.milestone_id for line in lines}
        known_values = {value.indicator_id for value in values}
        for change in changes.get("lines", []):
            milestone = change["milestone"]
            if milestone not in known_lines:
                unknown["lines"][str(milestone)] = [
                    _("Indberetningen har ingen linje for milepæl %(id)s.") % {"id": milestone}
                ]
                continue
            for name in rounds.LINE_FIELDS:
                if name in change:
                    data[f"line-{milestone}-{name}"] = change[name]
        for change in changes.get("values", []):
            indicator = change["indicator"]
            if indicator not in known_values:
                unknown["values"][str(indicator)] = [
                    _("Indberetningen har ingen værdi for indikator %(id)s.") % {"id": indicator}
                ]
                continue
            value = change["value"]
            data[f"value-{indicator}"] = "" if value is None else value
    unknown = {key: found for key, found in unknown.items() if found}
    if unknown:
        raise ValidationError(unknown)
    return ReportForm(data, lines=lines, values=values, submitting=submitting)


def _form_errors(form):
    """The form's errors keyed as the API's body is: lines → milestone → field."""
    found = {}
    for line_form in form.line_forms:
        if line_form.errors:
            found.setdefault("lines", {})[str(line_form.line.milestone_id)] = dict(line_form.errors)
    for name, messages in form.errors.items():
        if name.startswith("value-"):
            found.setdefault("values", {})[name.removeprefix("value-")] = messages
        else:
            found.setdefault("non_field_errors", []).extend(messages)
    return found


def _valid(form):
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    return form


def _changes_anything(form):
    """Whether saving the valid form would change an answer (`goals.rounds.would_change`)."""
    return rounds.would_change(
        {line_form.line.milestone_id: line_form.line for line_form in form.line_forms},
        {value.indicator_id: value for value in form.values},
        form.lines_payload(),
        form.values_payload(),
    )


def _with_lines(reports):
    return reports.prefetch_related("lines__milestone__goal", "indicator_values__indicator")


IF_MATCH_SCHEMA = {"type": "string", "pattern": '^"[0-9]+"$', "example": '"3"'}
IF_MATCH = OpenApiParameter(
    "If-Match",
    IF_MATCH_SCHEMA,
    OpenApiParameter.HEADER,
    required=True,
    description=_(
        'Indberetningens version, som ETag sendte den: i anførselstegn, fx "3". Sammenlignes '
        'strengt: en anden version giver 412 (stale), en svag ETag (W/"3") 412 (weak_etag), '
        "noget andet 400; uden If-Match (eller med *) svares 428."
    ),
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    IF_MATCH_SCHEMA,
    OpenApiParameter.HEADER,
    description=_(
        'Valgfri: indberetningens version, som ETag sendte den, fx "3"; sendes den, skal den '
        "passe (sammenlignes som ved PATCH)."
    ),
)


class ReportFilter(FilterSet):
    state = EnumFilter("ReportStateEnum", help_text=_("Kun indberetninger i tilstanden."))

    class Meta:
        model = StatusReport
        fields = ["state"]


@extend_schema(tags=["reports"])
class ReportViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The status reports of the municipalities the token's user reports for: this year's
    and the earlier ones. Changed with PATCH only: a PUT would have to send every line to
    change one. Every answer is private to the token's user: `private, no-store`."""

    permission_classes = [IsReporter]
    http_method_names = ["get", "patch", "post", "head", "options"]
    filterset_class = ReportFilter
    ordering_fields = ["updated_at"]
    ordering = ["-round__year", "round__paper__title", "municipality__name"]

    def get_queryset(self):
        reports = StatusReport.objects.filter(
            municipality__in=Municipality.objects.reported_by(self.request.user)
        ).select_related("round__paper", "municipality")
        if self.action == "retrieve":
            reports = _with_lines(reports)
        return reports

    def get_serializer_class(self):
        return ReportSummarySerializer if self.action == "list" else ReportSerializer

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    def _answer(self, report, *, reload=True):
        if reload:
            report = _with_lines(self.get_queryset()).get(pk=report.pk)
        response = Response(ReportSerializer(report).data)
        response["ETag"] = _etag(report)
        return response

    @extend_schema(responses={200: ReportSerializer, **errors(401, 403, 404, 429)})
    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        # The version is the ETag of every representation (the language changes only the
        # refusal's words), as If-Match needs it.
        not_modified = get_conditional_response(request, etag=_etag(report))
        if not_modified is not None:
            return not_modified
        return self._answer(report, reload=False)

    @extend_schema(
        request=ReportPatchSerializer,
        parameters=[IF_MATCH],
        responses={
            200: ReportSerializer,
            **errors(400, 401, 403, 404, 409, 412, 415, 428, 429),
        },
        description=_(
            "Gem kommunens svar som kladde. Send kun det, der ændres; et felt, API'et ikke "
            "kender, giver 400. Kræver If-Match med den version, du har hentet; er "
            "indberetningen ændret siden, svares 412. Ændrer kroppen intet, gemmes intet, og "
            "versionen (ETag) er den samme."
        ),
    )
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        version = _if_match(request, report, required=True)
        refusal = report.reporting_refusal()
        if refusal:
            raise Conflict(refusal)
        body = ReportPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = _valid(_form(report, body.validated_data))
        if not _changes_anything(form):
            return self._answer(report)
        try:
            with audit.through_api_key(request.auth):
                report = rounds.save_report(
                    report,
                    version=version,
                    lines=form.lines_payload(),
                    values=form.values_payload(),
                    by=request.user,
                )
        except rounds.ReportConflict as conflict:
            raise PreconditionFailed from conflict
        except rounds.TransitionError as error:
            raise Conflict(error.text) from error
        return self._answer(report)

    @extend_schema(
        operation_id="reports_submit",
        request=None,
        parameters=[IF_MATCH_OPTIONAL],
        responses={
            200: OpenApiResponse(ReportSerializer, description=_("Indsendt.")),
            **errors(400, 401, 403, 404, 409, 412, 429),
        },
        description=_(
            "Indsend indberetningen til sekretariatet. Alle milepæle skal have en status. "
            "If-Match er valgfri her; sendes den, skal den passe."
        ),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        report = self.get_object()
        version = _if_match(request, report, required=False)
        refusal = report.reporting_refusal()
        if refusal:
            raise Conflict(refusal)
        _valid(_form(report, submitting=True))
        try:
            # The version is checked again under the report's lock: a save since the check
            # above is not sent in unseen. Without If-Match the client sends what is saved.
            with audit.through_api_key(request.auth):
                report = rounds.submit_report(report, by=request.user, version=version)
        except rounds.ReportConflict as conflict:
            raise PreconditionFailed from conflict
        except rounds.TransitionError as error:
            raise Conflict(error.text) from error
        return self._answer(report)

    @extend_schema(responses={200: ReportSummarySerializer(many=True), **errors(401, 403, 429)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
