from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

urlpatterns = [
    # Probes for the proxy and the operator: no slash, no redirect, no session.
    path("", include("ops.urls")),
    path("admin/", admin.site.urls),
    # The switcher posts here (set_language); the face pages' strings come from jsi18n.
    path("i18n/", include("django.conf.urls.i18n")),
    # Cached per language (the cache key carries it); the catalogue changes only
    # with a deploy.
    path(
        "jsi18n/",
        cache_page(60 * 60)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("api/", include("api.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("face/", include("faceauth.urls")),
    path("merchant/", include("merchant.urls")),
    path("", include("payments.urls")),
    path("", include("shop.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
