"""The portal's URLs and a bare TemplateView of a 2 KB page: the yardstick the public pages
are measured against in the same run (through the same middleware)."""

from django.urls import path
from django.views.generic import TemplateView

from kkrmaal.urls import urlpatterns as portal

urlpatterns = [
    path("bench/bare/", TemplateView.as_view(template_name="bench/bare.html")),
    *portal,
]
