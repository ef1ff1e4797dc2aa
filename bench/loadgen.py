"""A small HTTP/1.1 load generator, run as a process of its own by the benchmarks.

`python bench/loadgen.py URL --connections 8 --duration 5 --warmup 1 [--accept
text/html]` keeps that many
keep-alive connections busy (one request at a time on each, as a browser does) for
the duration after the warm-up, then prints one JSON line: requests, errors,
requests per second, latency percentiles. Loopback only.
"""

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


async def one_connection(host, port, request, warm_until, stop_at, latencies, counts):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                if b":" in line:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
            if b"content-length" in headers:
                await reader.readexactly(int(headers[b"content-length"]))
            elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                while True:
                    size = int((await reader.readline()).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            finished = time.perf_counter()
            if started >= warm_until:
                counts["requests"] += 1
                if status != 200:
                    counts["errors"] += 1
                latencies.append((finished - started) * 1000)
            if headers.get(b"connection", b"").lower() == b"close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def run(url, connections, duration, warmup, accept="text/html"):
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"User-Agent: smilepay-bench\r\nAccept: {accept}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    now = time.perf_counter()
    warm_until, stop_at = now + warmup, now + warmup + duration
    latencies, counts = [], {"requests": 0, "errors": 0}
    results = await asyncio.gather(
        *(
            one_connection(
                parts.hostname,
                parts.port,
                request,
                warm_until,
                stop_at,
                latencies,
                counts,
            )
            for _ in range(connections)
        ),
        return_exceptions=True,
    )
    failures = [repr(r) for r in results if isinstance(r, Exception)]
    elapsed = duration  # requests started inside the measured window are counted
    latencies.sort()

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "url": url,
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": counts["requests"],
        "errors": counts["errors"] + len(failures),
        "failures": failures[:3],
        "rps": round(counts["requests"] / elapsed, 1),
        "latency_ms": (
            {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99)} if latencies else {}
        ),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--accept", default="text/html")
    args = parser.parse_args()
    host = urlsplit(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loadgen only sends traffic to loopback addresses")
    result = asyncio.run(
        run(args.url, args.connections, args.duration, args.warmup, args.accept)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
