"""The whole public record in one download: `/api/v1/datapackage.zip`, and a region's at
`/api/v1/regions/<slug>/datapackage.zip` (a Frictionless Data Package, made by
`reports.datapackage`).

Built when first asked for after the public data changed, then kept in the cache under that
version of the public data (`reports.cache`) and served from there with an ETag and a 304,
like the API's lists. So a publication, a reopening or an edit of what the package shows
makes the next download a fresh build, and nothing else does. (Building it in a background
job on publish would add a queue, a stored file and a way to go stale, since the package also
shows goals, milestones and names that change without a publication; on the demo data a build
takes a quarter of a second.)
"""

from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from kkrmaal.api.common import ApiViewMixin
from kkrmaal.api.common import FileNegotiation
from kkrmaal.api.common import errors
from kkrmaal.api.common import region_slugs
from kkrmaal.api.common import stored_answer
from municipalities.models import Region
from reports import cache as public_cache
from reports import datapackage

ZIP_TYPE = "application/zip"


class ZipRenderer(BaseRenderer):
    media_type = ZIP_TYPE
    format = "zip"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


def package_answer(request, slug=None):
    """The package of all regions (or of the region `slug`), built once per version of the
    public data and language, the same for every caller."""
    name = f"api:datapackage:{slug or '-'}:{get_language()}"

    def build():
        region = Region.objects.get(slug=slug) if slug else None
        filename = f"kkr-maal-{slug}-datapackage.zip" if slug else "kkr-maal-datapackage.zip"
        return {
            "content": datapackage.build(region),
            "headers": {
                "Content-Type": ZIP_TYPE,
                "Content-Disposition": content_disposition_header(True, filename),
            },
        }

    version, stored = public_cache.cached_with_version(slug, name, build)
    # Each build is new (the package says when it was created): its version's time.
    return stored_answer(request, stored, name, public_cache.version_time(version))


DESCRIPTION = _(
    "Et zip-arkiv med datapackage.json og en CSV-fil pr. tabel (regioner, klynger, kommuner, "
    "målpapirer, mål, milepæle, indikatorer, indikatorserier, runder, kommunernes svar, "
    "fremdrift pr. mål, fælles milepæle og klyngemilepæle, indikatorværdier), hver beskrevet "
    "af et Table Schema. "
    "Licens: CC BY 4.0. Bygges på ny, når det offentlige materiale ændres."
)


class DataPackageView(ApiViewMixin, APIView):
    """The whole public record as a Frictionless Data Package."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [ZipRenderer]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="datapackage",
        tags=["datapackage"],
        description=DESCRIPTION,
        responses={
            (200, ZIP_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=DESCRIPTION),
            **errors(429),
        },
    )
    def get(self, request):
        return package_answer(request)


class RegionDataPackageView(DataPackageView):
    """One region's public record as a Frictionless Data Package."""

    @extend_schema(
        operation_id="region_datapackage",
        tags=["datapackage"],
        description=DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                pattern="^[-a-z0-9_]+$",
                description=_("Regionens korte navn."),
            )
        ],
        responses={
            (200, ZIP_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=DESCRIPTION),
            **errors(404, 429),
        },
    )
    def get(self, request, slug):
        if slug not in region_slugs():
            raise NotFound
        return package_answer(request, slug)
