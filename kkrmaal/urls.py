"""The portal's URLs; each app adds its own."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include
from django.urls import path
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from goals.api import GoalViewSet
from goals.api import MilestoneViewSet
from goals.api import PaperViewSet
from goals.api import ReportViewSet
from kkrmaal import accounts
from kkrmaal import views
from kkrmaal.api import not_found
from municipalities.api import ClusterViewSet
from municipalities.api import MunicipalityViewSet
from municipalities.api import RegionViewSet
from reports.api import RoundViewSet

# The API, version 1: each app's viewsets (their api.py), the OpenAPI schema and its docs,
# which Swagger UI shows from the app's own static files (no CDN).
router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("clusters", ClusterViewSet, basename="cluster")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("papers", PaperViewSet, basename="paper")
router.register("goals", GoalViewSet, basename="goal")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("rounds", RoundViewSet, basename="round")
router.register("reports", ReportViewSet, basename="report")
api_patterns = [
    path("", RedirectView.as_view(pattern_name="api:docs"), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^.*$", not_found),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(
        "konto/password_reset/",
        accounts.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("konto/start/", views.start, name="start"),
    path("konto/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_patterns, "api"))),
    path("", include("goals.urls")),
]

# Public pages, in Danish at / and in English under /en/; their catch-all /<region>/ goes last.
urlpatterns += i18n_patterns(
    path(_("tilgaengelighed/"), views.accessibility_statement, name="accessibility"),
    path("", include("reports.urls")),
    prefix_default_language=False,
)

# MEDIA_ROOT is never served as such, not even with DEBUG: evidence files and stored papers go
# through views that check who may read them.

# A database outage outside a view still gets the friendly 503 page, not a plain 500.
handler500 = "kkrmaal.views.server_error"
