"""The cache of the public pages: what the public sees of a published round is read-only, so
each page is rendered once per publication and then served from Django's cache framework
(Redis when `CACHE_URL`/`REDIS_URL` is set, files in the project folder otherwise).

`public_version(region)` is the one place that says which version of a region's public data
is current. It is a token kept in the cache itself, so that reading it costs no query; the
token is replaced, and every key built from it forgotten at once, when anything the public
pages show changes:

- publishing, reopening or republishing a round (its state and its new `Publication`), and
  its stored papers becoming ready: the round's region (and the home page, which lists every
  region's rounds);
- an edit to a region, cluster, municipality, paper, theme, goal, milestone, indicator,
  decision or joint progress, or an indicator series imported (its values are stored with
  it, `goals.series_import.store_series`): the whole site, since these are rare secretariat
  edits and finding their region would cost a query on every save.

A municipality's report lines are not watched: the public pages show published rounds only,
and a published round takes no more reports or reviews until it is reopened (which replaces
the token).

`public_page` wraps a view: the page is rendered once with placeholders where the visitor's
own parts go (the menu with their name, their messages), stored, and filled in per request,
so a signed-in secretariat member never sees a page cached for somebody else. Anonymous
visitors also get an ETag and Last-Modified and a 304 when they already hold the page.
`cached_progress` keeps a round's progress with its charts for all of the region's pages, and
`cached` anything else per version (the stored PDFs' file names), and `cached_with_change`
with the time the value last changed (the API's public answers:
`kkrmaal.api.common.cached_answer`, under the site's version, since a list spans the regions).

Each process also remembers a version for LOCAL_SECONDS and the entries it served, so a warm
page costs no round trip to the cache; a publication made in another process shows there at
most that much later. The secretariat's own pages (rounds, reviews, previews) never come
through here.
"""

import datetime
import hashlib
import time
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.db.models.signals import post_save
from django.http import FileResponse
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.http import http_date
from django.utils.http import quote_etag
from django.utils.translation import get_language

from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorSeries
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import StatusRound
from goals.models import Theme
from municipalities.models import Cluster
from municipalities.models import Municipality
from municipalities.models import Region
from reports import charts
from reports.models import Publication
from reports.models import StoredPaper
from reports.progress import published_progress

SITE = "site"
HOME = "home"
# A forgotten version's pages simply expire; a lost token only means a new version.
PAGE_TIMEOUT = 7 * 24 * 3600
TOKEN_TIMEOUT = 30 * 24 * 3600
# What a process keeps of its own (see _versioned): versions for a second, entries up to a
# number (a page is some 10–40 kB).
LOCAL_SECONDS = 1.0
LOCAL_ENTRIES = 500
_local_versions = {}  # full key of the region's token -> (version, read at)
_local_entries = {}  # full key -> (version, value)
USER_NAV = "<!--kkr:user-nav-->"
MESSAGES = "<!--kkr:messages-->"


def _token_key(scope):
    return f"public-version:{scope}"


def public_version(region=None):
    """The cache version of what the public sees of `region` (a slug), or of the home page
    when None: two tokens, the site's and the region's, each the time it was last replaced
    (in nanoseconds, hexadecimal)."""
    return _versioned(region, None)[0]


def _versioned(region, key):
    """(version, the entry stored under `key` for that version or None). An entry is stored
    as (version, value) under a key without the version, so a new version simply overwrites
    the old one.

    Each process remembers the versions it read for LOCAL_SECONDS and the entries it read or
    made, so a warm page costs no round trip to the cache at all; another process's
    publication therefore shows here at most LOCAL_SECONDS later (at once in the process
    that published)."""
    memo_key = cache.make_key(_token_key(region or HOME))
    memo = _local_versions.get(memo_key)
    if memo is not None and time.monotonic() - memo[1] < LOCAL_SECONDS:
        version = memo[0]
        if key is None:
            return version, None
        entry = _local_entries.get(cache.make_key(key))
        if entry is None or entry[0] != version:
            entry = cache.get(key)
    else:
        keys = [_token_key(SITE), _token_key(region or HOME)]
        found = cache.get_many([*keys, key] if key else keys)
        for token_key in keys:
            if token_key not in found:
                # First use, or the cache lost it: a new token is a new version (safe). Another
                # process may have added one meanwhile; a cache that keeps nothing (Redis
                # down) keeps neither, and this request's own token stands for it.
                token = f"{time.time_ns():x}"
                if not cache.add(token_key, token, TOKEN_TIMEOUT):
                    token = cache.get(token_key) or token
                found[token_key] = token
        version = ".".join(found[token_key] for token_key in keys)
        if len(_local_versions) >= LOCAL_ENTRIES:
            _local_versions.clear()  # any slug can be asked for; memory stays bounded
        _local_versions[memo_key] = (version, time.monotonic())
        entry = found.get(key)
    if entry is None or entry[0] != version:
        return version, None
    _remember(key, entry)
    return version, entry[1]


def _remember(key, entry):
    if len(_local_entries) >= LOCAL_ENTRIES:
        _local_entries.clear()
    _local_entries[cache.make_key(key)] = entry


def version_time(version):
    """When `version` was made: the later of its tokens, as a UTC datetime."""
    ns = max(int(token, 16) for token in version.split("."))
    return datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC)


def invalidate(region=None):
    """Forget the cached public pages of `region` (a slug) and the home page, or of the whole
    site when None."""
    token = f"{time.time_ns():x}"
    scopes = [SITE] if region is None else [region, HOME]
    cache.set_many({_token_key(scope): token for scope in scopes}, TOKEN_TIMEOUT)
    _local_versions.clear()


def cached(region, name, compute):
    """`compute()` once per version of `region`'s public data (a slug; None for the site);
    a None result is not kept, so what is still coming is asked for again."""
    return cached_with_version(region, name, compute)[1]


def cached_with_version(region, name, compute):
    """(version, value) of `cached`, for answers that carry the version as their ETag."""
    key = f"public-data:{region}:{name}"
    version, value = _versioned(region, key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, (version, value), PAGE_TIMEOUT)
            _remember(key, (version, value))
    return version, value


def cached_with_change(region, name, compute):
    """(value, changed) of `cached`, where `changed` is when the value last changed: the
    time of the version that first made it as it is. A later version that makes the same
    value again (an edit the value does not show: another region's goal, say) keeps the
    time, so a client's copy stays current for If-Modified-Since; a value made anew after
    the old one was lost (evicted, or the cache emptied) takes its version's time, which is
    later than the change, so never a wrong 304. No query is made for it: the old value is
    compared with the new one as it is made, once per version."""
    key = f"public-data:{region}:{name}"

    def remake():
        value = compute()
        if value is None:
            return None
        old = cache.get(key)  # the entry of an older version, if the cache still has it
        if old is not None and isinstance(old[1], dict) and old[1].get("value") == value:
            return old[1]
        return {"value": value, "changed": version_time(public_version(region))}

    entry = cached(region, name, remake)
    if entry is None:
        return None, None
    return entry["value"], entry["changed"]


def cached_progress(status_round, region, version=None):
    """The round's published progress (its `version`, the latest when None) with its charts
    in the active language, computed once per version of the region's public data and
    shared by its pages; None when there is no such publication."""

    def compute():
        progress = published_progress(status_round, version)
        if progress is not None:
            for goal in progress.goals:
                goal.chart = charts.trend_chart(goal)
                goal.narrow_chart = charts.trend_chart(goal, narrow=True)
        return progress

    return cached(region, f"progress:{status_round.pk}:{version}:{get_language()}", compute)


def public_page(view):
    """Serve the view's page from the cache for the region in the URL (`region` argument),
    rendering it only when the published data changed. Only 200 answers are stored."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        path = hashlib.md5(request.path.encode(), usedforsecurity=False).hexdigest()
        key = f"public-page:{get_language()}:{path}"
        version, page = _versioned(kwargs.get("region"), key)
        # A visitor with a message waiting (after logging out, say) gets it, not a 304.
        anonymous = not request.user.is_authenticated and "messages" not in request.COOKIES
        if anonymous:
            etag = quote_etag(
                hashlib.md5(f"{key}:{version}".encode(), usedforsecurity=False).hexdigest()
            )
            last_modified = version_time(version).timestamp()
            not_modified = get_conditional_response(
                request, etag=etag, last_modified=int(last_modified)
            )
            if not_modified is not None:
                return _headers(not_modified, anonymous, etag, last_modified)
        if page is None:
            request.page_shell = {"user_nav": USER_NAV, "messages": MESSAGES}
            response = view(request, *args, **kwargs)
            del request.page_shell
            if response.status_code != 200:
                return response
            page = response.content.decode(response.charset)
            cache.set(key, (version, page), PAGE_TIMEOUT)
            _remember(key, (version, page))
        response = HttpResponse(_fill(page, request))
        if anonymous:
            return _headers(response, anonymous, etag, last_modified)
        return _headers(response, anonymous)

    return wrapper


_anonymous_nav = {}  # language -> the menu of a visitor who is not signed in


def _fill(page, request):
    """The stored page with this visitor's menu and messages in place."""
    if request.user.is_authenticated:
        nav = render_to_string("includes/user_nav.html", request=request)
    else:
        # The same few links for every anonymous visitor; made once per process.
        language = get_language()
        if language not in _anonymous_nav:
            _anonymous_nav[language] = render_to_string("includes/user_nav.html", request=request)
        nav = _anonymous_nav[language]
    messages = get_messages(request)
    notes = render_to_string("includes/messages.html", request=request) if len(messages) else ""
    return page.replace(USER_NAV, nav, 1).replace(MESSAGES, notes, 1)


def _headers(response, anonymous, etag=None, last_modified=None):
    # The page holds the visitor's menu: shared caches may keep only the anonymous one, and
    # everyone asks again each time (a 304 when nothing changed).
    patch_vary_headers(response, ("Cookie",))
    if anonymous:
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = "public, no-cache"
    else:
        response["Cache-Control"] = "private, no-cache"
    return response


def serve_stored_file(request, pk, name, filename, rendered_at):
    """A stored PDF from media storage, or, behind a proxy that serves files itself
    (`PAPERS_ACCEL_REDIRECT`, e.g. nginx's X-Accel-Redirect to an internal location), only
    the header that tells it which. A republished round renders the paper again: browsers and
    proxies keep their copy only while the stored file is the same one (no-cache = ask first;
    a 304 costs nothing)."""
    etag = quote_etag(f"{pk}-{rendered_at.timestamp():.6f}-{name}")
    last_modified = int(rendered_at.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None and settings.PAPERS_ACCEL_REDIRECT:
        response = HttpResponse(content_type="application/pdf")
        response[settings.PAPERS_ACCEL_HEADER] = settings.PAPERS_ACCEL_REDIRECT + name
        response["Content-Disposition"] = content_disposition_header(False, filename)
    elif response is None:
        response = FileResponse(
            default_storage.open(name, "rb"), filename=filename, content_type="application/pdf"
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "public, no-cache"
    return response


# --- what replaces the token ----------------------------------------------------------------


def _invalidate_now_and_on_commit(region=None):
    # Now, for this transaction's own reads; again at commit, because a request in between
    # may have read the data as it was before and cached it under the new token.
    invalidate(region)
    transaction.on_commit(lambda: invalidate(region))


def _region_of_round(round_id):
    return Region.objects.filter(papers__rounds=round_id).values_list("slug", flat=True).first()


def _round_changed(sender, instance, **kwargs):
    # After a cascade from the paper the region is gone too; the paper's delete said so.
    _invalidate_now_and_on_commit(_region_of_round(instance.pk))


def _stored_paper_changed(sender, instance, **kwargs):
    # A publication or a stored paper: both belong to a round.
    _invalidate_now_and_on_commit(_region_of_round(instance.round_id))


def _site_changed(sender, **kwargs):
    _invalidate_now_and_on_commit()


def connect_signals():
    """Called from ReportsConfig.ready."""
    site_wide = (
        Region,
        Cluster,
        Municipality,
        GoalPaper,
        Theme,
        Goal,
        Milestone,
        Indicator,
        IndicatorSeries,
        GoalDecision,
        JointProgress,
    )
    for signal in (post_save, post_delete):
        signal.connect(_round_changed, sender=StatusRound, dispatch_uid="public-cache-round")
        for model in (StoredPaper, Publication):
            signal.connect(
                _stored_paper_changed, sender=model, dispatch_uid=f"public-cache-{model.__name__}"
            )
        for model in site_wide:
            signal.connect(
                _site_changed, sender=model, dispatch_uid=f"public-cache-{model.__name__}"
            )
