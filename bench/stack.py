"""The real stack for the benchmarks, started here and always stopped here.

- a database of its own: PostgreSQL `smilepay_bench_<pid>` on the server of
  DATABASE_URL, or on 127.0.0.1:5432 when one answers there; else a SQLite file;
- a Redis database of its own (10 by default, the first of 10-15 not taken by
  another bench run), holding only this run's keys, which are deleted at the end;
- a Celery queue of its own, `smilepay-bench-<pid>`;
- a web node (ops/web.py: Daphne) serving config.asgi, and a Celery worker (prefork,
  2 processes, restartable with 1) on that queue, both with config.settings.bench;
- for the capacity section, HAProxy in front of two more web nodes, as `make
  cluster` runs them (ops/cluster.py).

Everything is undone in `close()`, also after a failure or Ctrl-C.
"""

import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil

from bench.common import ROOT
from ops import cluster
from ops.processes import Service, free_port, wait_until

BIN = Path(sys.executable).parent
LOGS = ROOT / "bench" / "logs"
REDIS_BASE = "redis://127.0.0.1:6379"
LOCK_KEY = "smilepay-bench:lock"


def _service(name: str, argv: list, env: dict) -> Service:
    """Start a process of the bench's stack, its log in bench/logs/."""
    return Service.start(name, argv, env=env, log=LOGS / f"{name}.log", cwd=ROOT)


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (psutil)."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in tree:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # ended while we looked
            continue
        total += times.user + times.system
    return total


# --- the database ---------------------------------------------------------------


def _postgres_url_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_psycopg_dsn(url), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _psycopg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


class Database:
    def __init__(self):
        self.name = f"smilepay_bench_{os.getpid()}"
        configured = os.environ.get("DATABASE_URL", "")
        self.admin_url = None
        self.path = None
        if configured.startswith(("postgres://", "postgresql://")):
            self.admin_url = configured
        elif not configured:
            local = "postgres://postgres@127.0.0.1:5432/postgres"
            if _postgres_url_answers(local):
                self.admin_url = local
        if self.admin_url:
            import psycopg

            with psycopg.connect(
                _psycopg_dsn(self.admin_url), autocommit=True, connect_timeout=5
            ) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = _with_database(self.admin_url, self.name)
            self.kind = "postgresql"
        else:
            self.path = Path(tempfile.gettempdir()) / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            self.kind = "sqlite"

    def drop(self):
        if self.admin_url:
            import psycopg

            with psycopg.connect(
                _psycopg_dsn(self.admin_url), autocommit=True, connect_timeout=5
            ) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.path:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class ConnectionSampler:
    """The open connections to the bench database (pg_stat_activity), counted every
    0.2 s in a thread while the `with` block runs; every process's, this one's
    included (it seeds and starts the checkouts). Counts nothing on SQLite."""

    INTERVAL = 0.2

    def __init__(self, db: "Database"):
        self.db = db
        self.samples: list[int] = []
        self.after = None
        self._thread = None

    def count(self, conn) -> int:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
            [self.db.name],
        ).fetchone()[0]

    def _run(self):
        import psycopg

        with psycopg.connect(
            _psycopg_dsn(self.db.admin_url), autocommit=True, connect_timeout=5
        ) as conn:
            while not self._stop.is_set():
                self.samples.append(self.count(conn))
                self._stop.wait(self.INTERVAL)
            # Settled: what the processes keep open once the crowd has gone.
            time.sleep(1)
            self.after = self.count(conn)

    def __enter__(self):
        self.after = None
        self._stop = threading.Event()
        if self.db.admin_url:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def summary(self) -> dict:
        if not self.samples:
            return {}
        return {
            "peak": max(self.samples),
            "mean": round(sum(self.samples) / len(self.samples), 1),
            "after": self.after,
        }


# --- Redis ----------------------------------------------------------------------


class RedisDb:
    """A Redis database of this run's, taken with a lock key so that two bench runs
    never share one; only this run's keys are deleted at the end."""

    def __init__(self, queue: str):
        import redis

        self.queue = queue
        self.client = None
        for db in range(int(os.environ.get("BENCH_REDIS_DB", "10")), 16):
            client = redis.Redis.from_url(f"{REDIS_BASE}/{db}", socket_timeout=5)
            if client.set(LOCK_KEY, os.getpid(), nx=True, ex=1800):
                self.client, self.db = client, db
                break
        if self.client is None:
            raise RuntimeError("Redis databases 10-15 are all taken by bench runs")
        self.url = f"{REDIS_BASE}/{self.db}"

    def close(self, cache_prefix: str, frames_prefix: str):
        patterns = [
            f"{frames_prefix}:*",
            f"{self.queue}*",
            f"_kombu.binding.{self.queue}",
            f"_kombu.binding_permanent.{self.queue}",
            "unacked*",
            "_kombu.binding_deadlines",
            "asgi*",
            f"{cache_prefix}:*",
        ]
        for pattern in patterns:
            keys = list(self.client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 500):
                self.client.delete(*keys[start : start + 500])
        if self.client.get(LOCK_KEY) == str(os.getpid()).encode():
            self.client.delete(LOCK_KEY)


# --- the whole stack ------------------------------------------------------------


class Stack:
    def __init__(self):
        self.services: list[Service] = []
        self.web_nodes: list[Service] = []
        self.proxy = None
        self.db = None
        self.redis = None
        self.media = None
        self.redis_server = None
        self.queue = f"smilepay-bench-{os.getpid()}"
        self.cache_prefix = f"smilepay-bench-{os.getpid()}"
        self.frames_prefix = f"faceauth-bench-{os.getpid()}"

    def open(self):
        from cryptography.fernet import Fernet

        self._ensure_redis()
        self.redis = RedisDb(self.queue)
        self.media = Path(tempfile.mkdtemp(prefix="smilepay-bench-media-"))
        self.db = Database()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-key"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.db.url,
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "BENCH_CACHE_PREFIX": self.cache_prefix,
            "FACEAUTH_REDIS_PREFIX": self.frames_prefix,
            "DJANGO_MEDIA_ROOT": str(self.media),
            "FACEAUTH_KEYS": Fernet.generate_key().decode(),
            "FACEAUTH_ATTEMPT_SECONDS": "120",
            "PYTHONUNBUFFERED": "1",
            "PYTHONWARNINGS": "ignore",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        # This process uses the same settings, database and queue.
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        return self

    def _ensure_redis(self):
        """Use the Redis on 127.0.0.1:6379, or start one for this run (no disk)."""
        import redis

        def answers():
            try:
                return redis.Redis.from_url(REDIS_BASE, socket_timeout=1).ping()
            except redis.RedisError:
                return False

        if answers():
            return
        self.redis_server = _service(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            dict(os.environ),
        )
        wait_until(answers, timeout=20, what="redis-server")

    def start_servers(self):
        self.daphne = self._start_web("daphne", self.port)
        self.worker = self.start_worker(concurrency=2)
        self.web_nodes = [self.daphne]

    def _start_web(self, name: str, port: int, extra_env: dict | None = None):
        """A web node as `make run` starts it (ops/web.py: Daphne)."""
        node = _service(
            name,
            [
                BIN / "python",
                "-m",
                "ops.web",
                "-b",
                "127.0.0.1",
                "-p",
                port,
                "config.asgi:application",
            ],
            dict(self.env, **(extra_env or {})),
        )
        self.services.append(node)
        url = f"http://127.0.0.1:{port}/bench/minimal/"

        def answers():
            node.check_alive()
            return cluster.http_status(url) == 200

        wait_until(answers, timeout=60, what=f"{name} on port {port}")
        return node

    def start_worker(self, *, concurrency: int) -> Service:
        worker = _service(
            f"celery-worker-{concurrency}",
            [
                BIN / "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                f"--queues={self.queue}",
                f"--hostname={self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            self.env,
        )
        self.services.append(worker)

        def ready():
            worker.check_alive()
            return re.search(r"@\S+ ready\.", worker.log.read_text(errors="replace"))

        wait_until(ready, timeout=90, what="the Celery worker")
        return worker

    def restart_worker(self, *, concurrency: int):
        """The worker again, with `concurrency` pool processes."""
        self._stop(self.worker)
        self.worker = self.start_worker(concurrency=concurrency)

    def start_proxy(self, *, pool: bool) -> str:
        """HAProxy as `make cluster` runs it, in front of two web nodes started for
        it (with psycopg's pool when `pool`, as `make cluster` starts them); the
        proxy's URL. `stop_proxy` stops all three."""

        ports = [free_port(), free_port()]
        extra = cluster.WEB_ENV if pool else cluster.ENV
        self.web_nodes = [
            self._start_web(f"web{n}", port, extra)
            for n, port in enumerate(ports, start=1)
        ]
        proxy_port = free_port()
        config = LOGS / "haproxy.cfg"
        config.write_text(cluster.haproxy_config(port=proxy_port, web_ports=ports))
        self.proxy = _service("haproxy", ["haproxy", "-db", "-f", config], self.env)
        self.services.append(self.proxy)
        url = f"http://127.0.0.1:{proxy_port}"
        up = f"{url}/readyz"

        def both_up():
            self.proxy.check_alive()
            # Round robin: two good answers in a row come from the two nodes.
            return all(cluster.http_status(up) == 200 for _ in self.web_nodes)

        wait_until(both_up, timeout=30, what="HAProxy with both web nodes up")
        return url

    def stop_proxy(self):
        for service in [self.proxy, *self.web_nodes]:
            self._stop(service)
        self.proxy = None
        self.web_nodes = [self.daphne]

    def _stop(self, service: Service):
        service.stop()
        self.services.remove(service)

    def close(self):
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception as error:  # noqa: BLE001 - stop the others anyway
                print(f"bench: could not stop {service.name}: {error}", file=sys.stderr)
        self.services = []
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
            pass
        if self.db is not None:
            try:
                self.db.drop()
            except Exception as error:  # noqa: BLE001
                print(f"bench: could not drop {self.db.name}: {error}", file=sys.stderr)
            self.db = None
        if self.media is not None:
            shutil.rmtree(self.media, ignore_errors=True)
            self.media = None
        if self.redis is not None:
            try:
                self.redis.close(self.cache_prefix, self.frames_prefix)
            except Exception as error:  # noqa: BLE001
                print(f"bench: could not clean Redis: {error}", file=sys.stderr)
            self.redis = None
        if self.redis_server is not None:
            self.redis_server.stop()
            self.redis_server = None
