"""What the read-only viewsets share. Apart from `common.py` because DRF's views read the
settings, which name `kkrmaal.api.common.TokenAuthentication`, when they are imported."""

from drf_spectacular.utils import OpenApiParameter
from drf_spectacular.utils import extend_schema
from drf_spectacular.utils import extend_schema_view
from rest_framework import permissions
from rest_framework import viewsets

from kkrmaal.api.common import cached_answer


def looked_up_by(name, kind, description):
    """Documents a viewset's detail address (`/<name>/`) for the schema."""
    parameter = OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)
    return extend_schema_view(retrieve=extend_schema(parameters=[parameter]))


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only, for anybody: what the portal shows its public pages. Its lists are answered
    from the public cache (`cached_answer`)."""

    permission_classes = [permissions.AllowAny]

    def list(self, request, *args, **kwargs):
        answer = super().list
        return cached_answer(self, request, lambda: answer(request, *args, **kwargs))
