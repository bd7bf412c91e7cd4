"""Public pages: the regions, their goals and progress, each municipality's status and the
yearly status papers (served from storage, never rendered on request).

Only public rounds are shown (`reports.models.public_rounds`: those with a publication), and
only as published: every status, count, text and PDF shown here is rebuilt from the round's
publication (`reports.progress.published_progress`), never from today's goals. The live
parts (the region's papers and goals as they stand, a goal's current text) are kept visibly
apart from a published status.
"""

from django.db.models import Count
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals.evaluation import legend
from goals.models import Goal
from goals.models import GoalPaper
from municipalities.models import Municipality
from municipalities.models import Region
from reports.cache import cached
from reports.cache import cached_progress
from reports.cache import public_page
from reports.cache import serve_stored_file
from reports.datapackage import LICENCE
from reports.models import Publication
from reports.models import StoredPaper
from reports.models import public_rounds
from reports.papers import download_filename
from reports.progress import latest_published_round
from reports.progress import municipality_history
from reports.progress import published_decisions
from reports.series import goal_series
from reports.series import municipality_series

PUBLIC_PAPER_STATES = GoalPaper.PUBLIC_STATES


def _get_region(slug):
    return get_object_or_404(Region, slug=slug)


def _get_published_round(region, year):
    """The region's public round of `year` (the newest paper's when several), or 404. A round
    reopened for a correction stays public as last published."""
    status_round = (
        public_rounds()
        .filter(paper__region=region, year=year)
        .select_related("paper__region")
        .order_by("-paper__adopted_year", "-pk")
        .first()
    )
    if status_round is None:
        raise Http404("Ingen offentliggjort status for året.")
    return status_round


def _get_published_progress(status_round, version=None):
    progress = cached_progress(status_round, status_round.paper.region.slug, version)
    if progress is None:
        raise Http404("Ingen sådan version.")
    return progress


def _papers_rendering(status_round):
    """Whether papers of the round are still waiting for the job worker. Only says so: a
    public page never starts rendering (the worker and its sweep do, reports/tasks.py)."""
    return StoredPaper.objects.filter(round=status_round, state=StoredPaper.State.PENDING).exists()


def _published_years(region):
    """The years of the region's public rounds, newest first."""
    return list(
        public_rounds()
        .filter(paper__region=region)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


@require_safe
@public_page
def home(request):
    published = public_rounds().order_by("-year")
    regions = Region.objects.annotate(municipality_count=Count("municipalities")).prefetch_related(
        Prefetch(
            "papers",
            queryset=GoalPaper.objects.public().prefetch_related(
                Prefetch("rounds", queryset=published, to_attr="published_rounds")
            ),
            to_attr="public_papers",
        ),
    )
    return render(request, "reports/home.html", {"regions": regions, "licence": LICENCE})


@require_safe
@public_page
def region_page(request, region):
    region = _get_region(region)
    status_round = latest_published_round(region)
    progress = cached_progress(status_round, region.slug) if status_round else None
    papers = (
        GoalPaper.objects.in_region(region)
        .public()
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.filter(parent=None).order_by("order"))
        )
    )
    municipalities = region.municipalities.select_related("cluster").order_by(
        "cluster__order", "cluster__name", "name"
    )
    return render(
        request,
        "reports/region.html",
        {
            "region": region,
            "progress": progress,
            "papers": papers,
            "municipalities": municipalities,
            "years": _published_years(region),
            "legend": legend(),
            "papers_rendering": status_round and _papers_rendering(status_round),
        },
    )


def _published_goal(region, goal):
    """(round, progress, the goal's progress) of the goal's paper's newest public round; the
    goal's progress is None when the goal came after that publication, all None without one."""
    status_round = latest_published_round(region, paper=goal.paper)
    if not status_round:
        return None, None, None
    progress = cached_progress(status_round, region.slug)
    return status_round, progress, next((g for g in progress.goals if g.goal.pk == goal.pk), None)


@require_safe
@public_page
def goal_page(request, region, pk):
    region = _get_region(region)
    goal = get_object_or_404(
        Goal.objects.select_related("paper", "theme", "parent", "replaces"),
        pk=pk,
        paper__region=region,
        paper__state__in=PUBLIC_PAPER_STATES,
    )
    status_round, progress, goal_progress = _published_goal(region, goal)
    # One history: a goal continued in a later paper points the reader to where its status
    # is now kept, rather than ending in "no status" (a goal has at most one successor).
    successor = (
        goal.replaced_by.filter(paper__state__in=PUBLIC_PAPER_STATES)
        .select_related("paper")
        .first()
    )
    successor_round, _progress, successor_progress = (
        _published_goal(region, successor) if successor else (None, None, None)
    )
    decisions = published_decisions(goal)
    return render(
        request,
        "reports/goal.html",
        {
            "region": region,
            "goal": goal,
            "round": status_round,
            "progress": progress,
            "g": goal_progress,
            "successor": successor,
            "successor_round": successor_round,
            "successor_progress": successor_progress,
            "decisions": decisions,
            "legend": legend(),
            "series": goal_series(goal),
        },
    )


@require_safe
@public_page
def municipality_page(request, region, kommunekode):
    region = _get_region(region)
    municipality = get_object_or_404(
        Municipality.objects.select_related("cluster"), region=region, kommunekode=kommunekode
    )
    status_round = latest_published_round(region)
    progress = cached_progress(status_round, region.slug) if status_round else None
    context = {
        "region": region,
        "municipality": municipality,
        "progress": progress,
        "series": municipality_series(region, municipality),
    }
    if progress:
        history = municipality_history(progress, municipality)
        context["lines"] = [
            (line, history.get(line.milestone.milestone.pk, []))
            for line in progress.municipality_lines(municipality)
        ]
        context["report"] = progress.reports.get(municipality.pk)
        context["indicators"] = progress.indicator_rows(municipality)
    return render(request, "reports/municipality.html", context)


@require_safe
@public_page
def status_page(request, region, year, version=None):
    region = _get_region(region)
    status_round = _get_published_round(region, year)
    progress = _get_published_progress(status_round, version)
    return render(
        request,
        "reports/status.html",
        {
            "region": region,
            "round": status_round,
            "progress": progress,
            "publication": progress.publication,
            "versions": Publication.objects.of_round(status_round).defer("payload"),
            "years": _published_years(region),
            "legend": legend(),
            "papers_rendering": _papers_rendering(status_round),
        },
    )


def _stored_file(region, year, kommunekode=None, version=None):
    """(id, storage name, download file name, rendered at) of the stored paper of the
    published round (of its `version`), None while it is being rendered; 404 for a round,
    version or municipality that is not."""
    status_round = _get_published_round(_get_region(region), year)
    municipality = None
    if kommunekode is not None:
        municipality = get_object_or_404(
            Municipality, region=status_round.paper.region, kommunekode=kommunekode
        )
    publication = Publication.objects.of_round(status_round, version).defer("payload").first()
    if publication is None:
        raise Http404("Ingen sådan version.")
    stored = StoredPaper.objects.served(publication, municipality)
    if stored is None:
        return None
    return (
        stored.pk,
        stored.file.name,
        download_filename(status_round, municipality, version),
        stored.rendered_at or publication.published_at,
    )


def _serve(request, region, year, kommunekode=None, version=None):
    stored = cached(
        region,
        f"paper:{year}:{kommunekode}:{version}",
        lambda: _stored_file(region, year, kommunekode, version),
    )
    if stored is None:
        # Published but still rendering by the job worker (or failed: the secretariat sees
        # it on the round's cockpit). Never rendered here.
        status_round = _get_published_round(_get_region(region), year)
        municipality = kommunekode and Municipality.objects.filter(kommunekode=kommunekode).first()
        response = render(
            request,
            "reports/paper_pending.html",
            {"round": status_round, "municipality": municipality},
            status=503,
        )
        response["Retry-After"] = "60"
        return response
    return serve_stored_file(request, *stored)


@require_safe
def region_paper_pdf(request, region, year, version=None):
    return _serve(request, region, year, version=version)


@require_safe
def municipality_paper_pdf(request, region, year, kommunekode, version=None):
    return _serve(request, region, year, kommunekode, version=version)
