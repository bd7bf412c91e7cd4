"""The public paper page (a paper's full text with its goals, `/<region>/papirer/<id>/`) and
the public search (`/soeg/?q=…`, English `/en/search/`). Only public papers are shown: proposed,
adopted and archived ones, never drafts."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals.models import Goal
from goals.models import GoalPaper
from goals.models import PaperSection
from goals.provenance import additions_of
from goals.search import QueryError
from goals.search import search
from municipalities.models import Region


@require_safe
def paper_page(request, region, pk):
    region = get_object_or_404(Region, slug=region)
    paper = get_object_or_404(
        GoalPaper.objects.public()
        .select_related("region")
        .prefetch_related(
            Prefetch("sections", queryset=PaperSection.objects.order_by("order")),
            Prefetch("goals", queryset=Goal.objects.prefetch_related("milestones")),
        ),
        pk=pk,
        region=region,
    )
    return render(
        request,
        "reports/paper.html",
        {"region": region, "paper": paper, "additions": additions_of(paper)},
    )


@require_safe
def search_page(request):
    query = request.GET.get("q", "")
    results, error = None, None
    if query.strip():
        try:
            results = search(query)
        except QueryError as refusal:
            error = str(refusal)
    return render(
        request,
        "reports/search.html",
        {"query": query[:200], "results": results, "error": error},
        status=400 if error else 200,
    )
