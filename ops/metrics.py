"""What /metrics reports, read at each scrape from what every node shares (the
database and Redis), so that any web node gives the whole cluster's figures and no
process has to hold counters of its own."""

from collections import Counter
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from accounts.throttle import lock_keys_pattern
from faceauth.models import VerificationAttempt
from payments.models import Payment

# Seconds from the first cue to the verdict (a shopper answers 3 cues, 8-12 s).
VERDICT_BUCKETS = (2, 4, 6, 8, 10, 12, 15, 20, 30)
# Kombu keeps a queue's messages of priority 0, 3, 6 and 9 in lists of their own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def _face_checks():
    family = CounterMetricFamily(
        "smilepay_face_checks", "Face checks by outcome.", labels=["outcome"]
    )
    counts = dict(
        VerificationAttempt.objects.values_list("status").annotate(n=Count("pk"))
    )
    for status in VerificationAttempt.Status.values:
        family.add_metric([status], counts.get(status, 0))
    return family


def _verdict_latency():
    decided = VerificationAttempt.objects.filter(
        challenge_at__isnull=False, decided_at__isnull=False
    ).annotate(
        latency=ExpressionWrapper(
            F("decided_at") - F("challenge_at"), output_field=DurationField()
        )
    )
    figures = decided.aggregate(
        total=Count("pk"),
        seconds=Sum("latency"),
        **{
            f"le_{bound}": Count("pk", filter=Q(latency__lte=timedelta(seconds=bound)))
            for bound in VERDICT_BUCKETS
        },
    )
    family = HistogramMetricFamily(
        "smilepay_smile_to_verdict_seconds",
        "Seconds from the first cue to the face check's verdict.",
    )
    buckets = [(str(float(bound)), figures[f"le_{bound}"]) for bound in VERDICT_BUCKETS]
    buckets.append(("+Inf", figures["total"]))
    seconds = figures["seconds"] or timedelta(0)
    family.add_metric([], buckets=buckets, sum_value=seconds.total_seconds())
    return family


def _payments():
    family = CounterMetricFamily(
        "smilepay_payments",
        "Payments by method (empty until confirmed) and status.",
        labels=["method", "status"],
    )
    rows = Payment.objects.values_list("method", "status").annotate(n=Count("pk"))
    for method, status, count in rows.order_by("method", "status"):
        family.add_metric([method or "", status], count)
    return family


def _redis_figures():
    """The Celery queue's depth and the sign-in locks now in force."""
    depth = GaugeMetricFamily(
        "smilepay_celery_queue_depth",
        "Tasks waiting in the Celery queue.",
        labels=["queue"],
    )
    locks = GaugeMetricFamily(
        "smilepay_throttle_locks",
        "Subjects (usernames, addresses, e-mails) locked out now, by limit.",
        labels=["limit"],
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1)
    cache = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
    try:
        waiting = sum(broker.llen(f"{queue}{suffix}") for suffix in PRIORITY_SUFFIXES)
        keys = list(cache.scan_iter(match=lock_keys_pattern(), count=1000))
    except redis.RedisError:
        return []  # Redis down: /readyz says so; these series are simply absent
    depth.add_metric([queue], waiting)
    by_limit = Counter(key.decode().rsplit(":", 3)[-3] for key in keys)
    for limit in sorted(by_limit):
        locks.add_metric([limit], by_limit[limit])
    return [depth, locks]


class ShopCollector:
    """A prometheus_client collector: each scrape reads the figures afresh."""

    def collect(self):
        yield _face_checks()
        yield _verdict_latency()
        yield _payments()
        yield from _redis_figures()
