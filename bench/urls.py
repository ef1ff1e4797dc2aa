"""The shop's URLs plus the storefront benchmark's baseline (bench settings only)."""

from django.http import HttpResponse
from django.urls import include, path


def minimal(request):
    """The least a Django view can do, through the same middleware as the shop."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("", include("config.urls")),
]
