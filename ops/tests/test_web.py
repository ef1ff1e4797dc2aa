"""A web node (ops/web.py) stops for a deploy in bounded time: it stops listening,
closes its websockets with 4503, and exits even with a request stuck in a thread."""

import base64
import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from ops import web
from ops.processes import Service, free_port

ROOT = Path(__file__).resolve().parents[2]


def _connect(port: int, timeout: float = 20) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def node(tmp_path):
    port = free_port()
    service = Service.start(
        "web",
        [sys.executable, "-m", "ops.web", "-b", "127.0.0.1", "-p", port]
        + ["ops.tests.asgi_stuck:application"],
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        log=tmp_path / "web.log",
        cwd=ROOT,
    )
    _connect(port).close()
    try:
        yield service, port
    finally:
        service.kill()


def _open_websocket(port: int) -> socket.socket:
    sock = _connect(port)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1024)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def _close_code(sock: socket.socket) -> int:
    """The code of the server's close frame (unmasked, as a server sends it)."""
    frame = b""
    while len(frame) < 4:
        chunk = sock.recv(16)
        assert chunk, "the connection dropped without a close frame"
        frame += chunk
    assert frame[0] == 0x88, frame  # FIN + close
    return int.from_bytes(frame[2:4], "big")


def test_sigterm_closes_websockets_with_4503_and_stops_listening(node):
    service, port = node
    process = service.process
    sock = _open_websocket(port)

    process.send_signal(signal.SIGTERM)

    assert _close_code(sock) == web.SERVICE_RESTART == 4503
    sock.close()
    assert process.wait(timeout=web.HARD_LIMIT_SECONDS) == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_request_stuck_in_a_thread_does_not_keep_the_node_up(node):
    """Plain Daphne waits for the stuck thread forever; the node gives it the drain
    and the close time, then leaves."""
    service, port = node
    process = service.process
    stuck = _connect(port)
    stuck.sendall(b"GET /stuck-thread/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
    time.sleep(0.5)  # the request reaches its thread

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=web.HARD_LIMIT_SECONDS) == 0
    log = service.log_text()
    assert "1 connections still open: stopping" in log, log
    stuck.close()


def test_a_second_signal_stops_at_once(node):
    service, port = node
    process = service.process
    stuck = _connect(port)
    stuck.sendall(b"GET /stuck-thread/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
    time.sleep(0.5)

    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)

    # Well inside the 5 s drain that the first signal alone would wait out.
    assert process.wait(timeout=web.DRAIN_SECONDS) == 0
    stuck.close()
