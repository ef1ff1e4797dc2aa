import hmac
import logging

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)

from .health import readiness
from .metrics import ShopCollector

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """The process answers: nothing else is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
async def readyz(request):
    """200 when the database, Redis and the channel layer each answer within 1 s;
    503 naming those that did not. The proxy takes a node out on a 503."""
    checks = await readiness()
    failing = [check.name for check in checks if not check.ok]
    if failing:
        logger.warning(
            "Not ready: %s",
            "; ".join(
                f"{check.name} {check.error} ({check.seconds} s)"
                for check in checks
                if not check.ok
            ),
        )
    body = {
        "status": "unavailable" if failing else "ok",
        "failing": failing,
        "checks": {
            check.name: {"ok": check.ok, "seconds": check.seconds, "error": check.error}
            for check in checks
        },
    }
    return JsonResponse(body, status=503 if failing else 200)


def _metrics_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(ShopCollector())
    ProcessCollector(registry=registry)  # this node's own CPU, memory, files
    return registry


@never_cache
def metrics(request):
    """Prometheus text. Off unless METRICS_ENABLED; with METRICS_TOKEN set, only for
    `Authorization: Bearer <token>` (a 404 either way, so nothing says it exists)."""
    if not settings.METRICS_ENABLED:
        raise Http404
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Http404
    return HttpResponse(
        generate_latest(_metrics_registry()), content_type=CONTENT_TYPE_LATEST
    )
