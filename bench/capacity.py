"""Capacity (issue 15): what an approved face checkout costs, for sizing a fleet.

- CPU seconds per approved checkout: the web nodes' and the worker's own CPU (their
  process trees, read with psutil) over a crowd, divided by the checkouts it approved;
  checkouts per second ≈ cores ÷ that cost. Taken from section 4's crowds.
- The concurrent-checkout knee with one worker process, against section 4's two.
- Section 4's crowds through HAProxy and two web nodes, as `make cluster` runs
  them: growing, with its knee, with psycopg's pool on the nodes (as `make cluster`
  starts them); at the target size without it (a connection per request, as before
  issue 15); counting the open database connections each way. Then, the same two
  ways, the public catalogue API (`/api/products/`, which queries the database on
  every call) under HTTP load.
"""

import time

from bench import checkouts, storefront
from bench.stack import ConnectionSampler

API_PATH = "/api/products/"
API_CONNECTIONS = 16
# No crowd past the target size starts through the proxy after this long.
PROXY_BUDGET_SECONDS = 180

TARGET_CPU_SECONDS = 0.5


def main(stack, shoppers, product, films, *, concurrent: dict, quick: bool, until):
    target = concurrent["checkouts"]
    levels = [5, target] if quick else [10, target, 40, 60]

    def sweep(until: float, base_url: str | None = None) -> dict:
        """The growing crowds up to past the target, one round each."""
        return checkouts.concurrent(
            stack,
            shoppers,
            product,
            films,
            levels=levels,
            target_size=target,
            rounds_at_target=1,
            until=until,
            base_url=base_url,
        )

    print("  one worker process:", flush=True)
    stack.restart_worker(concurrency=1)
    try:
        one = sweep(until)
    finally:
        stack.restart_worker(concurrency=2)

    proxied, api, proxy_sweep = {}, {}, None
    for pool in (False, True):
        name, label = ("pool", "pool") if pool else ("no_pool", "no pool")
        url = stack.start_proxy(pool=pool)
        try:
            if pool:
                print("  through the proxy, two web nodes, pool:", flush=True)
                proxy_sweep = sweep(
                    time.monotonic() + PROXY_BUDGET_SECONDS, base_url=url
                )
                proxied[name] = proxy_sweep["levels"][str(target)]
            else:
                proxied[name] = checkouts.crowd(
                    stack, shoppers, product, films, size=target, base_url=url
                )
            with ConnectionSampler(stack.db) as connections:
                api[name] = storefront.load(
                    url + API_PATH,
                    duration=5 if quick else 10,
                    warmup=1,
                    connections=API_CONNECTIONS,
                    accept="application/json",
                )
            api[name]["db_connections"] = connections.summary()
        finally:
            stack.stop_proxy()
        level = proxied[name]
        print(
            f"  {target} at once through the proxy, two web nodes, "
            f"{label}: p95 {level['p95_ms']} ms, "
            f"{level['outcomes']}, {level['cpu_seconds_per_approved']} CPU s per "
            f"approved, database connections {level['db_connections']}",
            flush=True,
        )
        print(
            f"  {API_PATH} through the proxy, {API_CONNECTIONS} connections, "
            f"{label}: {api[name]['rps']} requests/s, "
            f"p50 {api[name]['latency_ms'].get('p50')} ms, {api[name]['errors']} "
            f"errors, database connections {api[name]['db_connections']}",
            flush=True,
        )

    by_size = concurrent["levels"]
    single = by_size[str(target)]
    cost = single.get("cpu_seconds_per_approved")
    return {
        "checkouts": target,
        "cpu_seconds_per_approved": cost,
        "cpu_seconds_per_approved_by_size": {
            size: level.get("cpu_seconds_per_approved")
            for size, level in by_size.items()
        },
        "checkouts_per_second_per_core": round(1 / cost, 2) if cost else None,
        "target_cpu_seconds": TARGET_CPU_SECONDS,
        "knee_two_worker_processes": concurrent["knee_checkouts"],
        "knee_two_above": concurrent.get("knee_above"),
        "knee_one_worker_process": one["knee_checkouts"],
        "knee_one_above": one.get("knee_above"),
        "knee_one_note": one["knee_note"],
        "one_worker_levels": one["levels"],
        "knee_proxy": proxy_sweep["knee_checkouts"],
        "knee_proxy_above": proxy_sweep.get("knee_above"),
        "proxy_levels": proxy_sweep["levels"],
        "single_node": single,
        "proxy": proxied,
        "api_path": API_PATH,
        "api_connections": API_CONNECTIONS,
        "api": api,
    }
