"""What the read-only viewsets share. Apart from `common.py` because DRF's views read the
settings, which name `kkrmaal.api.common.TokenAuthentication`, when they are imported."""

from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_view
from rest_framework import permissions
from rest_framework import viewsets

from kkrmaal.api.common import ApiViewMixin
from kkrmaal.api.common import cached_answer


def looked_up_by(name, kind, description, **schema):
    """Documents a viewset's detail address (`/<name>/`) for the schema."""
    parameter = OpenApiParameter(
        name, kind, OpenApiParameter.PATH, description=description, **schema
    )
    return extend_schema_view(retrieve=extend_schema(parameters=[parameter]))


class PublicViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Read-only, for anybody: what the portal shows its public pages. Its lists and details
    are answered from the public cache (`cached_answer`), each with ETag, Last-Modified and
    Cache-Control."""

    permission_classes = [permissions.AllowAny]

    def list(self, request, *args, **kwargs):
        answer = super().list
        return cached_answer(self, request, lambda: answer(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        answer = super().retrieve
        return cached_answer(self, request, lambda: answer(request, *args, **kwargs))
