"""Storefront: the product list page ("/") against a minimal Django view.

Both are served by the same Daphne in the same run, measured alternately for the
same duration with the same number of keep-alive connections, by bench/loadgen.py
in a process of its own. Anonymous visitors (no cookie), as most storefront traffic.
The catalogue is the demo's (seed_demo, 60 products), then grown to 10,000 products.
"""

import json
import random
import statistics
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

from bench.common import ROOT, spread

CONNECTIONS = 8


def grow_catalogue(total: int) -> int:
    """Add products (bulk_create) until the catalogue holds `total` active ones."""
    from django.utils import timezone

    from shop.models import Category, Merchant, Product

    have = Product.objects.filter(active=True).count()
    if have >= total:
        return have
    merchants = list(Merchant.objects.all())
    categories = list(Category.objects.exclude(parent=None)) or list(
        Category.objects.all()
    )
    images = [
        name
        for name in Product.objects.exclude(image="").values_list("image", flat=True)
    ]
    rng = random.Random(6)
    now = timezone.now()
    batch = []
    for number in range(have, total):
        batch.append(
            Product(
                merchant=rng.choice(merchants),
                category=rng.choice(categories),
                title=f"Catalogue item {number:05d}",
                slug=f"catalogue-item-{number:05d}",
                description="A product of the large catalogue benchmark.",
                price=Decimal(rng.choice([9, 19, 49, 99, 299])) - Decimal("0.01"),
                stock=rng.choice([0, 3, 8, 15, 40, 100]),
                image=rng.choice(images) if images else "",
                created_at=now - timedelta(minutes=number),
            )
        )
    Product.objects.bulk_create(batch, batch_size=1000)
    _catalogue_changed()
    return Product.objects.filter(active=True).count()


def _catalogue_changed():
    """Start a new storefront cache version, where the shop has that cache."""
    try:
        from shop.catalogue_cache import catalogue_changed
    except ImportError:
        return
    catalogue_changed()


def queries_per_page(path: str = "/") -> dict:
    """Queries of one page view: a visitor's, and a signed-in shopper's."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def count(client):
        client.get(path, HTTP_HOST="127.0.0.1")  # warm: caches, sessions
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code
        return len(captured), [q["sql"][:120] for q in captured.captured_queries]

    def count_cold(client):
        """The first view after a change to the catalogue (nothing kept yet)."""
        _catalogue_changed()
        with CaptureQueriesContext(connection) as captured:
            client.get(path, HTTP_HOST="127.0.0.1")
        return len(captured)

    visitor, visitor_sql = count(Client())
    visitor_cold = count_cold(Client())
    shopper_client = Client()
    user, _ = get_user_model().objects.get_or_create(username="bench-storefront")
    shopper_client.force_login(user)
    shopper, shopper_sql = count(shopper_client)
    return {
        "visitor": visitor,
        "visitor_cold": visitor_cold,
        "shopper": shopper,
        "visitor_sql": visitor_sql,
        "shopper_sql": shopper_sql,
    }


def load(
    url: str,
    *,
    duration: float,
    warmup: float,
    connections: int = CONNECTIONS,
    accept: str = "text/html",
) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "loadgen.py"),
            url,
            "--connections",
            str(connections),
            "--duration",
            str(duration),
            "--warmup",
            str(warmup),
            "--accept",
            accept,
        ],
        capture_output=True,
        text=True,
        timeout=duration + warmup + 60,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def compare(base_url: str, *, rounds: int, duration: float) -> dict:
    """The list page and the minimal view, alternately, `rounds` times each."""
    page_runs, minimal_runs, ratios = [], [], []
    for number in range(rounds):
        order = ("page", "minimal") if number % 2 == 0 else ("minimal", "page")
        got = {}
        for which in order:
            path = "/" if which == "page" else "/bench/minimal/"
            got[which] = load(base_url + path, duration=duration, warmup=1)
            if got[which]["errors"]:
                raise RuntimeError(f"{path}: {got[which]}")
        page_runs.append(got["page"])
        minimal_runs.append(got["minimal"])
        ratios.append(got["page"]["rps"] / got["minimal"]["rps"])
    return {
        "rps": round(statistics.median(r["rps"] for r in page_runs), 1),
        "minimal_rps": round(statistics.median(r["rps"] for r in minimal_runs), 1),
        "ratio_vs_minimal_view": round(statistics.median(ratios), 3),
        "ratio_spread": spread(ratios, 3),
        "page_latency_ms_p50": statistics.median(
            r["latency_ms"]["p50"] for r in page_runs
        ),
        "page_latency_ms_p95": statistics.median(
            r["latency_ms"]["p95"] for r in page_runs
        ),
        "minimal_latency_ms_p50": statistics.median(
            r["latency_ms"]["p50"] for r in minimal_runs
        ),
        "rounds": rounds,
        "seconds_each": duration,
        "connections": CONNECTIONS,
        "page_rps_runs": [r["rps"] for r in page_runs],
        "minimal_rps_runs": [r["rps"] for r in minimal_runs],
    }


def main(stack, *, quick: bool) -> dict:
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    rounds, duration = (1, 2) if quick else (3, 4)
    sizes = {}
    for size in (60, 10_000):
        products = grow_catalogue(size)
        queries = queries_per_page("/")
        result = compare(stack.base_url, rounds=rounds, duration=duration)
        result.update(
            products=products,
            queries_per_page=queries["visitor"],
            queries_first_view=queries["visitor_cold"],
            queries_per_page_signed_in=queries["shopper"],
            queries_sql=queries["visitor_sql"],
        )
        sizes[str(size)] = result
        print(
            f"  {products} products: {result['rps']} rps vs minimal "
            f"{result['minimal_rps']} rps, ratio {result['ratio_vs_minimal_view']}, "
            f"{result['queries_per_page']} queries",
            flush=True,
        )
    big = sizes["10000"]
    return {
        "ratio_vs_minimal_view": min(
            s["ratio_vs_minimal_view"] for s in sizes.values()
        ),
        "rps": big["rps"],
        "minimal_rps": big["minimal_rps"],
        "queries_per_page": max(s["queries_per_page"] for s in sizes.values()),
        "queries_first_view_after_a_change": max(
            s["queries_first_view"] for s in sizes.values()
        ),
        "queries_per_page_signed_in": max(
            s["queries_per_page_signed_in"] for s in sizes.values()
        ),
        "catalogues": sizes,
    }
