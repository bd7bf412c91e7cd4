"""Municipal reporting under /indberetning/ and the secretariat's review pages under
/sekretariat/."""

from django.urls import path

from goals import views

app_name = "goals"
urlpatterns = [
    path("indberetning/", views.reporter_home, name="reporter_home"),
    path("indberetning/<int:pk>/", views.report_form, name="report_form"),
    path("indberetning/<int:pk>/indsend/", views.report_confirm, name="report_confirm"),
    path("indberetning/profil/", views.profile, name="profile"),
    path("indberetning/bilag/<int:line_pk>/", views.evidence_file, name="evidence_file"),
    path("sekretariat/", views.secretariat_home, name="secretariat_home"),
    path("sekretariat/runder/<int:pk>/", views.round_overview, name="round_overview"),
    path(
        "sekretariat/runder/<int:pk>/oversigt.xlsx",
        views.round_overview_xlsx,
        name="round_overview_xlsx",
    ),
    path("sekretariat/runder/<int:pk>/handling/", views.round_action, name="round_action"),
    path("sekretariat/runder/<int:pk>/paamind/", views.round_remind, name="round_remind"),
    path("sekretariat/runder/<int:pk>/faelles/", views.joint_progress, name="joint_progress"),
    path("sekretariat/runder/<int:pk>/beslutninger/", views.decisions, name="decisions"),
    path("sekretariat/indberetninger/<int:pk>/", views.review_report, name="review_report"),
]
