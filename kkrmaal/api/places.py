"""Read-only API of the reference data: regions (KKR), health clusters and municipalities.

A municipality is looked up by its kommunekode (`/api/v1/municipalities/101/`), a region by
its slug (`/api/v1/regions/hovedstaden/`).
"""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kkrmaal.api.common import IdFilter
from kkrmaal.api.common import region_field
from kkrmaal.api.common import region_filterset
from kkrmaal.api.common import text_or_null
from kkrmaal.api.viewsets import PublicViewSet
from kkrmaal.api.viewsets import looked_up_by
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region


class RegionSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(help_text=_("Regionens korte navn, fx hovedstaden."))
    name = serializers.CharField(help_text=_("Regionens navn."))
    code = serializers.IntegerField(help_text=_("Den officielle regionskode, fx 1084."))
    municipality_count = serializers.IntegerField(
        read_only=True, help_text=_("Antal kommuner i regionen.")
    )

    class Meta:
        model = Region
        fields = ["slug", "name", "code", "municipality_count"]


class ClusterSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(help_text=_("Klyngens id."))
    region = region_field()
    name = serializers.CharField(help_text=_("Sundhedsklyngens navn."))
    description = serializers.CharField(help_text=_("Beskrivelse af klyngen."))
    order = serializers.IntegerField(help_text=_("Klyngens plads i regionens rækkefølge."))

    class Meta:
        model = Cluster
        fields = ["id", "region", "name", "description", "order"]


class MunicipalitySerializer(serializers.ModelSerializer):
    kommunekode = serializers.IntegerField(help_text=_("Den officielle tre-cifrede kommunekode."))
    name = serializers.CharField(help_text=_("Kommunens navn."))
    region = region_field()
    cluster = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Sundhedsklyngens id, eller null.")
    )
    cluster_name = text_or_null("cluster.name", _("Sundhedsklyngens navn, eller null."))

    class Meta:
        model = Municipality
        fields = ["kommunekode", "name", "region", "cluster", "cluster_name"]


ClusterFilter = region_filterset(Cluster, "region__slug", _("Kun klynger i regionen (kort navn)."))
MunicipalityFilter = region_filterset(
    Municipality,
    "region__slug",
    _("Kun kommuner i regionen (kort navn)."),
    cluster=IdFilter(field_name="cluster_id", help_text=_("Kun kommuner i sundhedsklyngen (id).")),
)


@looked_up_by("slug", str, _("Regionens korte navn."), pattern="^[-a-z0-9_]+$")
class RegionViewSet(PublicViewSet):
    """The regions (KKR)."""

    queryset = Region.objects.annotate(municipality_count=Count("municipalities"))
    serializer_class = RegionSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "code"]
    ordering = ["name"]


class ClusterViewSet(PublicViewSet):
    """The health clusters (sundhedsklynger)."""

    queryset = Cluster.objects.select_related("region")
    serializer_class = ClusterSerializer
    filterset_class = ClusterFilter
    ordering_fields = ["name", "order"]
    ordering = ["region__name", "order", "name"]


@looked_up_by(
    "kommunekode", {"type": "integer", "minimum": 0, "maximum": 9999}, _("Kommunekoden, fx 101.")
)
class MunicipalityViewSet(PublicViewSet):
    """The 98 municipalities, by kommunekode."""

    queryset = Municipality.objects.select_related("region", "cluster")
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter
    lookup_field = "kommunekode"
    lookup_value_regex = r"\d{1,4}"
    ordering_fields = ["name", "kommunekode"]
    ordering = ["name"]
