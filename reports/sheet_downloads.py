"""The goal paper as a spreadsheet, for the secretariat: the import template (its columns and
an example row) and a paper of its region in the same columns, which imports back unchanged
(`goals.paper_import`). The admin's "Importér målpapir" and a paper's page link here; the
files are written by `reports.exports`, as every export of the portal."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from goals import paper_import
from goals.models import GoalPaper
from municipalities.models import Region
from reports import exports


@require_safe
@login_required
def paper_template(request, fmt):
    if not Region.objects.staffed_by(request.user).exists():
        raise Http404
    return exports.export_response(
        fmt,
        "maalpapir-skabelon",
        _("Målpapir"),
        paper_import.columns(),
        paper_import.template_rows(),
    )


@require_safe
@login_required
def paper_sheet(request, pk, fmt):
    """A paper of the user's regions (404 for any other) in the template's columns."""
    paper = get_object_or_404(
        GoalPaper.objects.select_related("region"),
        pk=pk,
        region__in=Region.objects.staffed_by(request.user),
    )
    return exports.export_response(
        fmt,
        f"maalpapir-{paper.region.slug}-{slugify(paper.title)[:40] or paper.pk}",
        _("Målpapir"),
        paper_import.columns(),
        paper_import.paper_rows(paper),
    )
