"""A whole SmilePay stack of a test's own, for the fault tests: its own Redis (which a
test may stop), Daphne, a Celery worker (prefork, as in production) and beat, all on
this run's test database. Processes are killed and restarted the way operators and
crashes do it: SIGTERM, SIGKILL, SIGSTOP."""

import subprocess
from pathlib import Path

import redis

from ops import cluster

from .conftest import (
    BIN,
    SERVER_START_TIMEOUT,
    WEB_NODE,
    WORKER_START_TIMEOUT,
    free_port,
    start_service,
    wait_until,
)


class Stack:
    def __init__(self, *, env: dict, folder: Path, worker_app: str = "config"):
        self.folder = folder
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.worker_app = worker_app
        self.env = dict(
            env,
            TEST_REDIS_URL=self.redis_url,
            CELERY_TASK_DEFAULT_QUEUE="faults",
            # A dead worker's task comes back after this many seconds.
            CELERY_VISIBILITY_TIMEOUT="8",
        )
        self.redis = self.daphne = self.worker = self.beat = None
        self.restarts: dict[str, int] = {}

    # Each process's log gets a new file per start, so a test reads only its own.
    def _log(self, name: str) -> Path:
        count = self.restarts[name] = self.restarts.get(name, 0) + 1
        return self.folder / f"{name}-{count}.log"

    def start(self, *, beat: bool = True) -> "Stack":
        self.start_redis()
        self.start_daphne()
        self.start_worker()
        if beat:
            self.start_beat()
        return self

    def stop(self):
        for service in (self.beat, self.worker, self.daphne, self.redis):
            if service is not None:
                service.stop()  # a frozen one is thawed first

    # Redis ---------------------------------------------------------------------------

    def start_redis(self):
        self.redis = start_service(
            "stack-redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                self.redis_port,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env=self.env,
            log=self._log("redis"),
        )
        wait_until(self.redis_answers, timeout=10, what="the stack's Redis")

    def redis_client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_timeout=2)

    def redis_answers(self) -> bool:
        try:
            return self.redis_client().ping()
        except redis.RedisError:
            return False

    def stop_redis(self):
        """Shut Redis down (SIGTERM): everything it held is gone."""
        self.redis.stop()

    # Daphne --------------------------------------------------------------------------

    def start_daphne(self):
        self.daphne = start_service(
            "stack-daphne",
            [*WEB_NODE, "-b", "127.0.0.1", "-p", self.port, "config.asgi:application"],
            env=self.env,
            log=self._log("daphne"),
        )
        wait_until(self.daphne_answers, timeout=SERVER_START_TIMEOUT, what="Daphne")

    def daphne_answers(self) -> bool:
        self.daphne.check_alive()
        return cluster.http_status(f"{self.url}/") == 200

    def kill_daphne(self):
        """Crash the ASGI server: SIGKILL, no goodbye to the sockets."""
        self.daphne.kill()

    # Celery --------------------------------------------------------------------------

    def start_worker(self, *, concurrency: int = 1):
        self.worker = start_service(
            "stack-celery-worker",
            [
                BIN / "celery",
                "-A",
                self.worker_app,
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--queues=faults",
                "--hostname=faults@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=self.env,
            log=self._log("celery-worker"),
        )
        self.worker.wait_for_log(r"@\S+ ready\.", timeout=WORKER_START_TIMEOUT)

    def worker_children(self) -> list[int]:
        """The pool processes that run the tasks."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.worker.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def kill_worker(self):
        """kill -9 the worker and its pool: its unacknowledged task stays in Redis."""
        self.worker.kill()

    def freeze_worker(self):
        self.worker.freeze()

    def thaw_worker(self):
        self.worker.thaw()

    def start_beat(self):
        self.beat = start_service(
            "stack-celery-beat",
            [
                BIN / "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "-s",
                self.folder / "celerybeat-schedule",
            ],
            env=self.env,
            log=self._log("celery-beat"),
        )
        self.beat.wait_for_log(r"beat: Starting", timeout=WORKER_START_TIMEOUT)

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.folder.glob("*.log"))
        )
