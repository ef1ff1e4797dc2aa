"""`make cluster`'s processes for a test: HAProxy on a port of its own in front of two
Daphne nodes, two Celery workers and beat, on this run's database, Redis and a queue
of its own; built from the same ops/cluster.py that `make cluster` runs."""

import contextlib
import json
import re
import uuid
from pathlib import Path

from ops import cluster

from .conftest import (
    BIN,
    SERVER_START_TIMEOUT,
    WORKER_START_TIMEOUT,
    free_port,
    start_service,
    wait_until,
)


class Cluster:
    def __init__(self, *, env: dict, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web_ports = [free_port(), free_port()]
        self.queue = f"cluster-{uuid.uuid4().hex[:8]}"
        # A dead worker's unacknowledged task comes back after this many seconds.
        self.env = dict(
            env, CELERY_TASK_DEFAULT_QUEUE=self.queue, CELERY_VISIBILITY_TIMEOUT="8"
        )
        self.services = {}
        self.starts: dict[str, int] = {}
        config = folder / "haproxy.cfg"
        config.write_text(
            cluster.haproxy_config(port=self.port, web_ports=self.web_ports)
        )
        self.commands = cluster.commands(
            bin_dir=BIN,
            haproxy_cfg=config,
            web_ports=self.web_ports,
            beat_schedule=folder / "celerybeat-schedule",
            queue=self.queue,
        )

    def start(self) -> "Cluster":
        for name in self.commands:
            self.start_process(name, wait=False)
        for name in self.commands:
            self.wait_ready(name)
        wait_until(
            lambda: cluster.http_status(f"{self.url}/healthz") == 200,
            timeout=SERVER_START_TIMEOUT,
            what="the proxy",
        )
        return self

    def start_process(self, name: str, *, wait: bool = True):
        count = self.starts[name] = self.starts.get(name, 0) + 1
        extra = cluster.WEB_ENV if name.startswith("web") else cluster.ENV
        env = dict(self.env, **extra)
        self.services[name] = start_service(
            f"cluster-{name}",
            self.commands[name],
            env=env,
            log=self.folder / f"{name}-{count}.log",
        )
        if wait:
            self.wait_ready(name)

    def wait_ready(self, name: str):
        service = self.services[name]
        if name.startswith("web"):
            port = self.web_ports[int(name[3:]) - 1]

            def ready():
                service.check_alive()
                return cluster.http_status(f"http://127.0.0.1:{port}/readyz") == 200

            wait_until(ready, timeout=SERVER_START_TIMEOUT, what=f"{name} ready")
        elif name.startswith("worker"):
            service.wait_for_log(r"@\S+ ready\.", timeout=WORKER_START_TIMEOUT)

    def signal(self, name: str, sig: int):
        """Send `sig` to process `name` and wait for it to exit."""
        self.services[name].kill(sig)

    def freeze(self, name: str):
        """SIGSTOP: the process holds its sockets and answers nothing."""
        self.services[name].freeze()

    def thaw(self, name: str):
        self.services[name].thaw()

    def stop(self):
        for service in self.services.values():
            service.stop()

    def log(self, name: str) -> str:
        """Everything process `name` wrote, over all its starts."""
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.folder.glob(f"{name}-*.log"))
        )

    def socket_opened(self, name: str, path_part: str) -> bool:
        """Whether web node `name` accepted a websocket whose path holds `path_part`."""
        return bool(re.search(rf"WSCONNECT \S*{re.escape(path_part)}", self.log(name)))

    def json_lines(self, name: str) -> list[dict]:
        """Process `name`'s JSON log lines (LOG_FORMAT=json), parsed."""
        lines = []
        for text in self.log(name).splitlines():
            if text.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(text))
        return lines

    def frames(self, name: str) -> int:
        return self.log(name).count("faceauth.tasks.verify_frame[")
