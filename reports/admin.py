"""Admin for what publishing keeps: each round's publications (versions, who, when and why;
the record itself is never edited by hand), the stored papers of each publication (pending,
done or failed, with a retry that needs no republishing) and a preview of any round's paper,
drafts included, with the "UDKAST" watermark. Region scoped like every admin of the portal.

The status round's admin is registered here, not in goals: it publishes, and publishing is
this app's use case (`reports.publishing`)."""

from django.contrib import admin
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Count
from django.db.models import Q
from django.http import FileResponse
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from goals.admin import status_rounds
from goals.models import StatusRound
from municipalities.scoping import RegionScopedAdmin
from municipalities.scoping import ViewOnlyMixin
from municipalities.scoping import admin_link
from reports import papers
from reports import previews
from reports import publishing
from reports import tasks
from reports.models import PaperPreview
from reports.models import Publication
from reports.models import StoredPaper


def pdf_preview_response(request, status_round, municipality=None):
    """The round's paper as it is now, rendered once per version by the job worker
    (reports/previews.py); a page that refreshes itself while it renders."""
    context = {"round": status_round, "municipality": municipality}
    try:
        stored = tasks.ready_preview(status_round, municipality)
    except previews.PreviewFailed as failed:
        context.update(title=_("Forhåndsvisningen kunne ikke renderes"), failed=failed.reason)
        stored = None
    if stored is None:
        context.setdefault("title", _("Forhåndsvisningen renderes…"))
        return TemplateResponse(
            request,
            "admin/reports/preview_pending.html",
            {**context, **admin.site.each_context(request)},
            status=503 if "failed" in context else 202,
        )
    name = papers.download_filename(status_round, municipality)
    if papers.is_draft(status_round):
        name = name.replace(".pdf", "-UDKAST.pdf")
    return FileResponse(
        default_storage.open(stored, "rb"), filename=name, content_type="application/pdf"
    )


class PdfViewMixin:
    """A PDF of each object at `<pk>/<pdf_route>/` (URL name `admin:<app>_<model>_pdf`),
    answered by the admin's `pdf_view(request, pk)` for its own users only."""

    pdf_route = "pdf"

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.pdf_view)
        name = f"{opts.app_label}_{opts.model_name}_pdf"
        return [path(f"<int:pk>/{self.pdf_route}/", view, name=name), *super().get_urls()]


@admin.register(Publication)
class PublicationAdmin(ViewOnlyMixin, RegionScopedAdmin):
    region_path = "round__paper__region"
    list_display = ["__str__", "version", "published_at", "published_by", "reason"]
    list_filter = [("round__paper__region", admin.RelatedOnlyFieldListFilter), "round__year"]
    list_select_related = ["round__paper__region", "published_by"]
    fields = readonly_fields = ["round", "version", "published_at", "published_by", "reason"]
    ordering = ["-round__year", "-version"]

    def get_queryset(self, request):
        # The frozen record can be large; the list and the page show only who, when and why.
        return super().get_queryset(request).defer("payload")


@admin.register(StoredPaper)
class StoredPaperAdmin(PdfViewMixin, RegionScopedAdmin):
    pdf_route = "fil"
    region_path = "round__paper__region"
    list_display = [
        "round_label",
        "version",
        "document",
        "state_label",
        "rendered_at",
        "attempts",
        "download",
    ]
    list_filter = [
        "state",
        ("round__paper__region", admin.RelatedOnlyFieldListFilter),
        "round__year",
    ]
    list_select_related = ["round__paper__region", "municipality", "publication"]
    search_fields = ["municipality__name", "municipality__kommunekode", "round__paper__title"]
    readonly_fields = [
        "round",
        "municipality",
        "file",
        "state",
        "error",
        "attempts",
        "requested_at",
        "queued_at",
        "claimed_at",
        "lease_until",
        "rendered_at",
    ]
    actions = ["retry"]
    ordering = ["-round__year", "municipality__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("runde"), ordering="round__year")
    def round_label(self, obj):
        return f"{obj.round.paper.region.name} {obj.round.year}"

    @admin.display(description=_("version"), ordering="publication__version")
    def version(self, obj):
        return obj.publication.version if obj.publication_id else "–"

    @admin.display(description=_("dokument"), ordering="municipality__name")
    def document(self, obj):
        return obj.municipality.name if obj.municipality_id else _("Regionens statuspapir")

    @admin.display(description=_("tilstand"), ordering="state")
    def state_label(self, obj):
        return format_html(
            '<strong class="paper-state paper-state-{}">{}</strong>',
            obj.state,
            obj.get_state_display(),
        )

    def pdf_view(self, request, pk):
        stored = get_object_or_404(
            self.get_queryset(request).filter(state=StoredPaper.State.DONE).exclude(file=""),
            pk=pk,
        )
        return FileResponse(
            stored.file.open("rb"),
            filename=papers.download_filename(stored.round, stored.municipality),
            content_type="application/pdf",
        )

    @admin.display(description=_("fil"))
    def download(self, obj):
        ready = obj.state == StoredPaper.State.DONE and obj.file
        return admin_link("admin:reports_storedpaper_pdf", obj, _("Hent"), show=ready)

    @admin.action(description=_("Dan de valgte PDF'er igen"))
    def retry(self, request, queryset):
        count = tasks.retry(queryset.select_related("round__paper__region", "municipality"))
        self.message_user(
            request,
            ngettext(
                "%(count)d statuspapir er sat til at blive dannet igen.",
                "%(count)d statuspapirer er sat til at blive dannet igen.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PaperPreview)
class PaperPreviewAdmin(PdfViewMixin, ViewOnlyMixin, RegionScopedAdmin):
    region_path = "paper__region"
    list_display = ["year", "paper", "state", "papers_state", "preview_link"]
    list_filter = ["state", ("paper__region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["paper__region"]
    actions = ["preview_pdf"]
    ordering = ["-year"]

    def pdf_view(self, request, pk):
        status_round = get_object_or_404(
            self.get_queryset(request).select_related("paper__region"), pk=pk
        )
        municipality = None
        code = request.GET.get("kommune", "")
        if code:
            # "?kommune=abc" names no municipality: not found, not a server error.
            if not (code.isascii() and code.isdigit() and len(code) <= 3):
                raise Http404
            municipality = status_round.paper.region.municipalities.filter(
                kommunekode=int(code)
            ).first()
            if municipality is None:
                raise Http404
        return pdf_preview_response(request, status_round, municipality)

    def get_queryset(self, request):
        def count(state=None):
            condition = Q(stored_papers__state=state) if state else Q()
            return Count("stored_papers", filter=condition)

        return (
            super()
            .get_queryset(request)
            .annotate(
                papers_total=count(),
                papers_done=count(StoredPaper.State.DONE),
                papers_failed=count(StoredPaper.State.FAILED),
                papers_pending=count(StoredPaper.State.PENDING),
            )
        )

    @admin.display(description=_("gemte PDF'er"))
    def papers_state(self, obj):
        if not obj.papers_total:
            return "–"
        text = _("%(done)d af %(total)d færdige") % {
            "done": obj.papers_done,
            "total": obj.papers_total,
        }
        if obj.papers_failed:
            text += ", " + _("%(failed)d fejlet") % {"failed": obj.papers_failed}
        if obj.papers_pending:
            text = _("renderes…") + " " + text
        return text

    @admin.display(description=_("forhåndsvisning"))
    def preview_link(self, obj):
        url = reverse("admin:reports_paperpreview_pdf", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Forhåndsvis PDF"))

    @admin.action(description=_("Forhåndsvis PDF"))
    def preview_pdf(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Vælg præcis én runde at forhåndsvise."), messages.WARNING)
            return None
        return pdf_preview_response(request, queryset.select_related("paper__region").get())


@admin.register(StatusRound)
class StatusRoundAdmin(status_rounds.StatusRoundAdmin):
    actions = [*status_rounds.StatusRoundAdmin.actions, "publish_rounds"]

    publish_rounds = status_rounds.round_action(
        publishing.publish_round,
        _("Offentliggør de valgte runder"),
        lambda n: ngettext("%d runde er offentliggjort.", "%d runder er offentliggjort.", n) % n,
        confirm="publish",
    )
