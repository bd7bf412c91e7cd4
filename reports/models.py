"""What publishing a round keeps: the frozen record of what the public sees (`Publication`,
one version per publishing; see reports/progress.py) and the PDF status papers rendered from
it once (`StoredPaper`, see reports/papers.py), served from media storage afterwards.

`public_rounds()` is the one rule of which rounds the public sees: those with a
`Publication`. The public pages (reports/views.py, `progress.latest_published_round`), the
API's rounds with their CSV and Excel lines (kkrmaal/api/rounds.py), the scale data and the
benchmark ask it. A round's state only says where its workflow is: a round reopened for a
correction is no longer in the state "published", yet stays public as last published until
it is published again.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Exists
from django.db.models import Max
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from goals.models import StatusRound
from municipalities.models import Municipality


class PublicationQuerySet(models.QuerySet):
    def of_round(self, status_round, version=None):
        """The round's publications, newest first (only `version` when given)."""
        publications = self.filter(round=status_round).select_related("round__paper__region")
        if version is not None:
            publications = publications.filter(version=version)
        return publications.order_by("-version")

    def latest_for(self, status_round):
        """The round's newest publication without its record: a cheap version key for
        caches (round id + version), or None when the round was never published."""
        return self.filter(round=status_round).defer("payload").order_by("-version").first()

    def latest_records(self, rounds, *keys):
        """{round id: {"year": …, key: …}} of each round's newest publication, reading only
        the parts `keys` of its record (one query)."""
        rows = (
            self.filter(round__in=rounds)
            .order_by("round_id", "-version")
            .values("round_id", "round__year", *(f"payload__{key}" for key in keys))
        )
        latest = {}
        for row in rows:
            if row["round_id"] not in latest:
                latest[row["round_id"]] = {
                    "year": row["round__year"],
                    **{key: row[f"payload__{key}"] or [] for key in keys},
                }
        return latest

    def add(self, status_round, *, payload, by=None, reason=""):
        """The round's next version (1, 2, …); call inside the publishing transaction, which
        holds the round's row lock, so two publishings cannot take the same number."""
        last = self.filter(round=status_round).aggregate(last=Max("version"))["last"] or 0
        return self.create(
            round=status_round,
            version=last + 1,
            published_at=status_round.published_at or timezone.now(),
            published_by=by,
            reason=reason if last else "",
            payload=payload,
        )


class Publication(models.Model):
    """One publishing of a status round: what the public saw (texts, counts, evaluations,
    comments, decisions, names) frozen as JSON rows, so later edits to goals, milestones or
    municipalities never change a published page or PDF. A reopen and republish adds the
    next version with its reason; earlier versions stay readable."""

    round = models.ForeignKey(
        StatusRound,
        on_delete=models.CASCADE,
        related_name="publications",
        verbose_name=_("runde"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    published_at = models.DateTimeField(_("offentliggjort"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offentliggjort af"),
    )
    reason = models.TextField(_("begrundelse for rettelse"), blank=True)
    payload = models.JSONField(_("indhold"), encoder=DjangoJSONEncoder)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["round", "-version"]
        verbose_name = _("offentliggørelse")
        verbose_name_plural = _("offentliggørelser")
        constraints = [
            models.UniqueConstraint(fields=["round", "version"], name="publication_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="publication_version_from_1"),
        ]

    def __str__(self):
        return f"{self.round} v{self.version}"

    @property
    def corrected(self):
        return self.version > 1


def public_rounds():
    """The rounds the public sees: a round is public when it has a `Publication`, and is
    shown as its latest one, also while it is reopened for a correction. Each carries its
    latest publication's `publication_version` and when it was last published
    (`last_published_at`)."""
    publications = Publication.objects.filter(round=OuterRef("pk"))
    return StatusRound.objects.filter(Exists(publications)).annotate(
        publication_version=Subquery(publications.order_by("-version").values("version")[:1]),
        last_published_at=Subquery(
            publications.order_by("-published_at").values("published_at")[:1]
        ),
    )


def paper_path(stored, filename):
    region = stored.round.paper.region.slug
    version = f"v{stored.publication.version}/" if stored.publication_id else ""
    return f"statuspapirer/{region}/{stored.round.year}/{version}{filename}"


class StoredPaperQuerySet(models.QuerySet):
    def served(self, publication, municipality=None):
        """The finished file of `publication` for the region (or `municipality`), or None."""
        return (
            self.filter(
                publication=publication, municipality=municipality, state=StoredPaper.State.DONE
            )
            .exclude(file="")
            .first()
        )


class StoredPaper(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("venter")
        DONE = "done", _("færdig")
        FAILED = "failed", _("fejlet")

    # The first word of the error of a paper the job queue's sweep gave up on.
    INTERRUPTED = "Afbrudt"
    # Errors of the file storage (the disk, the bucket) rather than of the rendering.
    STORAGE_ERRORS = (
        "OSError",
        "PermissionError",
        "FileNotFoundError",
        "ClientError",
        "EndpointConnectionError",
        "NoCredentialsError",
    )

    round = models.ForeignKey(
        StatusRound, on_delete=models.CASCADE, related_name="stored_papers", verbose_name=_("runde")
    )
    # The version it was rendered from; blank only for rows made before publications.
    publication = models.ForeignKey(
        Publication,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stored_papers",
        verbose_name=_("offentliggørelse"),
    )
    # Blank for the region's paper, set for one municipality's report.
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stored_papers",
        verbose_name=_("kommune"),
    )
    file = models.FileField(_("fil"), upload_to=paper_path, max_length=255, blank=True)
    state = models.CharField(
        _("tilstand"), max_length=10, choices=State.choices, default=State.PENDING
    )
    error = models.TextField(_("fejl"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøg"), default=0)
    requested_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("dannet"), null=True, blank=True)
    # The job queue's side (reports/tasks.py): when a job for it was last queued, and the
    # worker's claim on it: taken with one UPDATE, held until `lease_until`. A pending paper
    # whose lease ran out (its worker died) or that nobody picked up is queued again by the
    # sweep.
    queued_at = models.DateTimeField(_("sat i kø"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("påbegyndt"), null=True, blank=True)
    lease_until = models.DateTimeField(_("forbeholdt til"), null=True, blank=True)

    objects = StoredPaperQuerySet.as_manager()

    class Meta:
        ordering = ["round", "municipality__name"]
        verbose_name = _("gemt statuspapir")
        verbose_name_plural = _("gemte statuspapirer")
        indexes = [models.Index(fields=["state"], name="stored_paper_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["publication"],
                condition=Q(municipality__isnull=True),
                name="stored_paper_unique_region",
            ),
            models.UniqueConstraint(
                fields=["publication", "municipality"],
                condition=Q(municipality__isnull=False),
                name="stored_paper_unique_municipality",
            ),
        ]

    def __str__(self):
        what = self.municipality.name if self.municipality_id else _("statuspapir")
        return f"{self.round.paper.region.name} {self.round.year}: {what}"

    @property
    def problem(self):
        """The error in one short Danish sentence for the secretariat; the whole text, with
        the traceback, is in `error` (the admin shows it)."""
        first = self.error.partition("\n")[0]
        kind, _sep, rest = first.partition(": ")
        if kind == self.INTERRUPTED:  # the job queue's sweep gave up (reports/tasks.py)
            return rest
        if kind in self.STORAGE_ERRORS:
            return _("PDF'en blev dannet, men kunne ikke gemmes i fillageret.")
        return _("PDF'en kunne ikke dannes, fordi programmet stødte på en fejl.")


class PaperPreview(StatusRound):
    """A status round seen from the papers' side: the admin lists rounds here with a
    "Preview PDF" action, for drafts too (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("statuspapir (forhåndsvisning)")
        verbose_name_plural = _("statuspapirer (forhåndsvisning)")
