"""The secretariat's pages under /sekretariat/ (reports/secretariat.py)."""

from django.urls import path

from reports import invite
from reports import secretariat
from reports import sheet_downloads

app_name = "secretariat"
urlpatterns = [
    path("sekretariat/", secretariat.secretariat_home, name="secretariat_home"),
    path("sekretariat/runder/<int:pk>/", secretariat.round_overview, name="round_overview"),
    path(
        "sekretariat/runder/<int:pk>/oversigt.xlsx",
        secretariat.round_overview_xlsx,
        name="round_overview_xlsx",
    ),
    path("sekretariat/runder/<int:pk>/handling/", secretariat.round_action, name="round_action"),
    path("sekretariat/runder/<int:pk>/paamind/", secretariat.round_remind, name="round_remind"),
    path(
        "sekretariat/runder/<int:pk>/pdf-igen/",
        secretariat.round_retry_papers,
        name="round_retry_papers",
    ),
    path(
        "sekretariat/runder/<int:pk>/inviter/<int:kommunekode>/",
        invite.invite_reporter,
        name="invite_reporter",
    ),
    path("sekretariat/runder/<int:pk>/faelles/", secretariat.joint_progress, name="joint_progress"),
    path("sekretariat/runder/<int:pk>/beslutninger/", secretariat.decisions, name="decisions"),
    path("sekretariat/indberetninger/<int:pk>/", secretariat.review_report, name="review_report"),
    # The goal paper as a spreadsheet: the import template, and a paper to import back.
    *(
        path(
            f"sekretariat/maalpapirer/skabelon.{fmt}",
            sheet_downloads.paper_template,
            {"fmt": fmt},
            name=f"paper_template_{fmt}",
        )
        for fmt in ("xlsx", "csv")
    ),
    *(
        path(
            f"sekretariat/maalpapirer/<int:pk>/regneark.{fmt}",
            sheet_downloads.paper_sheet,
            {"fmt": fmt},
            name=f"paper_sheet_{fmt}",
        )
        for fmt in ("xlsx", "csv")
    ),
]
