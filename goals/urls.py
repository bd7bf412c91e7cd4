"""Municipal reporting under /indberetning/ (the secretariat's pages are
reports/secretariat_urls.py)."""

from django.urls import path

from goals import views

app_name = "goals"
urlpatterns = [
    path("indberetning/", views.reporter_home, name="reporter_home"),
    path("indberetning/<int:pk>/", views.report_form, name="report_form"),
    path("indberetning/<int:pk>/indsend/", views.report_confirm, name="report_confirm"),
    path("indberetning/profil/", views.profile, name="profile"),
    path("indberetning/bilag/<int:line_pk>/", views.evidence_file, name="evidence_file"),
]
