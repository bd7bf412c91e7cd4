"""Stored PDF status papers: the region's paper and each municipality's, rendered once when
a round is published (see reports/papers.py) and served from media storage afterwards."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from goals.models import StatusRound
from municipalities.models import Municipality


def paper_path(stored, filename):
    region = stored.round.paper.region.slug
    return f"statuspapirer/{region}/{stored.round.year}/{filename}"


class StoredPaperQuerySet(models.QuerySet):
    def for_region_paper(self, status_round):
        return self.filter(round=status_round, municipality__isnull=True)

    def rendering(self, status_round):
        """Whether any of the round's papers is still being rendered."""
        return self.filter(round=status_round, state=self.model.State.PENDING).exists()


class StoredPaper(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("venter")
        DONE = "done", _("færdig")
        FAILED = "failed", _("fejlet")

    round = models.ForeignKey(
        StatusRound, on_delete=models.CASCADE, related_name="stored_papers", verbose_name=_("runde")
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

    objects = StoredPaperQuerySet.as_manager()

    class Meta:
        ordering = ["round", "municipality__name"]
        verbose_name = _("gemt statuspapir")
        verbose_name_plural = _("gemte statuspapirer")
        constraints = [
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(municipality__isnull=True),
                name="stored_paper_unique_region",
            ),
            models.UniqueConstraint(
                fields=["round", "municipality"],
                condition=Q(municipality__isnull=False),
                name="stored_paper_unique_municipality",
            ),
        ]

    def __str__(self):
        what = self.municipality.name if self.municipality_id else _("statuspapir")
        return f"{self.round.paper.region.name} {self.round.year}: {what}"


class PaperPreview(StatusRound):
    """A status round seen from the papers' side: the admin lists rounds here with a
    "Preview PDF" action, for drafts too (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("statuspapir (forhåndsvisning)")
        verbose_name_plural = _("statuspapirer (forhåndsvisning)")
