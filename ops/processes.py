"""The one process supervisor of the stack's starters: `make bench` (bench/stack.py)
and the browser and fault tests (tests/e2e/) start Daphne, Celery, Redis and
HAProxy as `Service`s, each in a session of its own with its log in a file.

Signals go to the whole process group, so stopping a Celery worker also stops the
pool processes it forked; and only ever to a group this supervisor started.
"""

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT = 15  # seconds between SIGTERM and SIGKILL, then for SIGKILL
CRASH = signal.SIGKILL


# Ports handed out by this process: never twice, even before their server binds.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, and none handed out
    before. It lies below the kernel's range of ports for outgoing connections: a
    port from that range (what binding port 0 gives) can be taken by any
    connection opened before the server binds it, as one was in a CI run."""
    below = _outgoing_ports_start()
    for _ in range(500):
        port = random.randint(max(1024, below - 10_000), below - 1)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"No free port below {below} on 127.0.0.1.")


def _outgoing_ports_start() -> int:
    """The first port the kernel gives outgoing connections (Linux; else IANA's)."""
    try:
        return int(
            Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]
        )
    except (OSError, ValueError, IndexError):
        return 49152


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """Poll `predicate` until it returns a truthy value, and return it; TimeoutError
    naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout:g} s waiting for {what}.")
        time.sleep(interval)


def log_tail(path: Path, lines: int = 60) -> str:
    """The last `lines` lines of a log, or why it cannot be read."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


@dataclass
class Service:
    """A process this supervisor started, with its log file."""

    name: str
    process: subprocess.Popen
    log: Path

    @classmethod
    def start(
        cls, name: str, argv: list, *, env: dict, log: Path, cwd: Path | None = None
    ) -> "Service":
        """Start `argv` in a session of its own, stdout and stderr into `log`."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(arg) for arg in argv],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name=name, process=process, log=log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def check_alive(self) -> None:
        """RuntimeError with the log's tail if the process has exited."""
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with code {self.process.returncode}:\n"
                f"{log_tail(self.log)}"
            )

    def signal(self, sig: int) -> None:
        """Send `sig` to the service's process group (nothing if it is gone)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self, sig: int = CRASH, *, timeout: float = 20) -> None:
        """Send `sig` (a crash by default) and wait for the process to exit."""
        self.signal(sig)
        self.process.wait(timeout=timeout)

    def freeze(self) -> None:
        self.signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.signal(signal.SIGCONT)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the group, then SIGKILL after `timeout` seconds; a frozen
        group is thawed first, or it would never see the SIGTERM."""
        if self.process.poll() is not None:
            return
        self.thaw()
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def wait_for_log(self, pattern: str, *, timeout: float) -> re.Match:
        """Wait until the log matches `pattern`; fail early, with the log's tail, if
        the process dies or the time runs out."""
        regex = re.compile(pattern)

        def seen():
            self.check_alive()
            return regex.search(self.log_text())

        try:
            return wait_until(seen, timeout=timeout, what=f"{self.name}: /{pattern}/")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{log_tail(self.log)}") from None
