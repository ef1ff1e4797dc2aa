"""The processes of a SmilePay cluster: HAProxy in front of Daphne web nodes,
Celery workers and one beat, sharing PostgreSQL and Redis.

`make cluster` (scripts/cluster.py) runs them in the foreground with honcho; the
cluster tests start the same commands on ports of their own. Nothing is sticky: any
request or websocket of a shopper may land on any node.
"""

import urllib.error
import urllib.request
from pathlib import Path

PROXY_PORT = 8000
WEB_PORTS = (8001, 8002)
WORKERS = 2


def http_status(url: str, timeout: float = 2) -> int | None:
    """The status a GET of `url` answers, None when nothing answers: how the
    cluster's starters (the tests', the bench's) wait for a node or the proxy."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def haproxy_config(*, port: int, web_ports, stats_port: int | None = None) -> str:
    """Round robin over the web nodes, HTTP and websockets alike. /readyz is probed
    every second and given 2 s (it answers within about 1 s even when a service it
    asks does not: a 1 s probe timeout marked both nodes down under the bench's
    load, killing every check's socket). After a failure the probes come every
    0.5 s; a node leaves on three failures in a row: about 2 s after it refuses
    connections, 7 to 8 s after it hangs (its sockets are closed then, so the
    pages reconnect to the other node), and comes back on two good probes. A
    request whose node refuses the connection is sent to the other."""
    servers = "\n".join(
        f"    server web{number} 127.0.0.1:{web_port} check"
        for number, web_port in enumerate(web_ports, start=1)
    )
    stats = (
        f"""
listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
    stats refresh 2s
"""
        if stats_port
        else ""
    )
    return f"""# Written by ops/cluster.py; changes are lost on the next start.
global
    log stdout format raw local0 info
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    # An open websocket (the face check's) lives this long without traffic.
    timeout tunnel 1h

frontend shop
    bind 127.0.0.1:{port}
    http-request set-header X-Forwarded-Proto http
    # One id per request, in every node's log lines about it (ops/logs.py).
    http-request set-header X-Request-ID %[uuid()] unless {{ req.hdr(x-request-id) -m found }}
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    timeout check 2s
    default-server inter 1s fastinter 500ms fall 3 rise 2 on-marked-down shutdown-sessions
{servers}
{stats}"""


def commands(
    *,
    bin_dir: Path,
    haproxy_cfg: Path,
    web_ports=WEB_PORTS,
    workers: int = WORKERS,
    concurrency: int = 1,
    beat_schedule: Path,
    queue: str | None = None,
) -> dict[str, list[str]]:
    """The command of each process, by name: proxy, web1.., worker1.., beat."""
    procs = {"proxy": ["haproxy", "-db", "-f", str(haproxy_cfg)]}
    for number, web_port in enumerate(web_ports, start=1):
        procs[f"web{number}"] = [
            str(bin_dir / "python"),
            "-m",
            "ops.web",
            "--proxy-headers",
            "-b",
            "127.0.0.1",
            "-p",
            str(web_port),
            "config.asgi:application",
        ]
    queues = [f"--queues={queue}"] if queue else []
    for number in range(1, workers + 1):
        procs[f"worker{number}"] = [
            str(bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname=worker{number}@%h",
            *queues,
        ]
    procs["beat"] = [
        str(bin_dir / "celery"),
        "-A",
        "config",
        "beat",
        "--loglevel=INFO",
        f"--schedule={beat_schedule}",
    ]
    return procs


# Every process logs JSON lines; web nodes share a pool of database connections,
# workers keep one each (config/settings/base.py, postgres_connections).
ENV = {"LOG_FORMAT": "json"}
WEB_ENV = {**ENV, "DJANGO_DB_POOL": "1"}
