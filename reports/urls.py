"""Public pages (goals and progress per region) and the stored PDF status papers.

Included at the site root inside i18n_patterns (Danish at /, English under /en/); the
region catch-all comes last.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from goals.evaluation import legend
from goals.models import MilestoneStatus
from reports import views
from reports import views_papers

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "rapporter/<slug:region>/<int:year>/statuspapir.pdf",
        views.region_paper_pdf,
        name="region_paper_pdf",
    ),
    path(
        "rapporter/<slug:region>/<int:year>/<int:kommunekode>.pdf",
        views.municipality_paper_pdf,
        name="municipality_paper_pdf",
    ),
    # Every version of a corrected round stays readable and downloadable.
    path(
        "rapporter/<slug:region>/<int:year>/v<int:version>/statuspapir.pdf",
        views.region_paper_pdf,
        name="region_paper_pdf_version",
    ),
    path(
        "rapporter/<slug:region>/<int:year>/v<int:version>/<int:kommunekode>.pdf",
        views.municipality_paper_pdf,
        name="municipality_paper_pdf_version",
    ),
    path(
        "saadan-vurderer-vi/",
        TemplateView.as_view(
            template_name="reports/evaluation_rules.html",
            # Callables, so the words are read per request in the request's language.
            extra_context={"legend": legend, "statuses": MilestoneStatus.Status.choices},
        ),
        name="evaluation_rules",
    ),
    # "soeg/" would otherwise be taken for a region; English readers get /en/search/.
    path(gettext_lazy("soeg/"), views_papers.search_page, name="search"),
    path("<slug:region>/", views.region_page, name="region"),
    path("<slug:region>/papirer/<int:pk>/", views_papers.paper_page, name="paper"),
    path("<slug:region>/maal/<int:pk>/", views.goal_page, name="goal"),
    path("<slug:region>/kommuner/<int:kommunekode>/", views.municipality_page, name="municipality"),
    path("<slug:region>/status/<int:year>/", views.status_page, name="status"),
    path(
        "<slug:region>/status/<int:year>/v<int:version>/", views.status_page, name="status_version"
    ),
]
