"""The API, version 1: the viewsets of `places.py`, `goals.py` and `rounds.py`, the downloads
(a round's lines as files, the data package), the OpenAPI schema and its docs, which Swagger
UI shows from the app's own static files (no CDN)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import path
from django.urls import re_path
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from kkrmaal.api.common import ApiViewMixin
from kkrmaal.api.common import JsonErrorsMixin
from kkrmaal.api.common import not_found
from kkrmaal.api.datapackage import DataPackageView
from kkrmaal.api.datapackage import RegionDataPackageView
from kkrmaal.api.goals import GoalViewSet
from kkrmaal.api.goals import MilestoneViewSet
from kkrmaal.api.goals import PaperViewSet
from kkrmaal.api.goals import ReportViewSet
from kkrmaal.api.places import ClusterViewSet
from kkrmaal.api.places import MunicipalityViewSet
from kkrmaal.api.places import RegionViewSet
from kkrmaal.api.rounds import RoundViewSet
from kkrmaal.api.series import SeriesViewSet

app_name = "api"


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """drf-spectacular's schema view, with a plain ASCII file name in Content-Disposition (its
    own is made of the title, "KKR-mål API", raw bytes in a header), and the API's checks
    and errors: a parameter other than its two is a 400, and an error is JSON, not YAML."""

    query_parameters = ("format", "lang")

    def _get_filename(self, request, version):
        fmt = self.perform_content_negotiation(request, force=True)[0].format
        return f"kkr-maal-api.{fmt}"


class DocsView(JsonErrorsMixin, SpectacularSwaggerSplitView):
    """Swagger UI, with its errors and its OPTIONS answer as JSON: its own renderer is an HTML
    template, which has none for them (OPTIONS was a server error)."""


@extend_schema(exclude=True)
class RootView(ApiViewMixin, APIView):
    """/api/v1/: a browser is sent to the docs; a client gets the API's addresses as JSON
    (it was sent to the docs too, and then answered 406 for asking for JSON)."""

    query_parameters = ()
    authentication_classes = ()
    permission_classes = ()
    addresses = {
        "regions": "region-list",
        "clusters": "cluster-list",
        "municipalities": "municipality-list",
        "papers": "paper-list",
        "goals": "goal-list",
        "milestones": "milestone-list",
        "rounds": "round-list",
        "reports": "report-list",
        "series": "series-list",
        "datapackage": "datapackage",
        "schema": "schema",
        "docs": "docs",
    }

    def perform_content_negotiation(self, request, force=False):
        # A browser's Accept names no JSON: it is sent to the docs (below), not refused 406.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request):
        if request._request.get_preferred_type(["application/json", "text/html"]) == "text/html":
            return redirect("api:docs")
        addresses = {
            key: request.build_absolute_uri(reverse(f"api:{name}"))
            for key, name in self.addresses.items()
        }
        return Response({"version": settings.SPECTACULAR_SETTINGS["VERSION"], **addresses})


router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("papers", PaperViewSet, basename="paper")
router.register("goals", GoalViewSet, basename="goal")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("rounds", RoundViewSet, basename="round")
router.register("reports", ReportViewSet, basename="report")
router.register("series", SeriesViewSet, basename="series")

urlpatterns = [
    path("", RootView.as_view(), name="root"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("datapackage.zip", DataPackageView.as_view(), name="datapackage"),
    path(
        "regions/<slug:slug>/datapackage.zip",
        RegionDataPackageView.as_view(),
        name="region-datapackage",
    ),
    path(
        "rounds/<int:pk>/lines.csv",
        RoundViewSet.as_view({"get": "lines_csv"}, query_parameters=()),
        name="round-lines-csv",
    ),
    path(
        "rounds/<int:pk>/lines.xlsx",
        RoundViewSet.as_view({"get": "lines_xlsx"}, query_parameters=()),
        name="round-lines-xlsx",
    ),
    path(
        "series/<int:pk>/observations.csv",
        SeriesViewSet.as_view({"get": "observations_csv"}, query_parameters=()),
        name="series-observations-csv",
    ),
    path(
        "series/<int:pk>/observations.xlsx",
        SeriesViewSet.as_view({"get": "observations_xlsx"}, query_parameters=()),
        name="series-observations-xlsx",
    ),
    *router.urls,
    re_path(r"^.*$", not_found),
]
