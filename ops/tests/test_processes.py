"""The supervisor's ports (ops/processes.py)."""

import socket

from ops import processes


def test_free_ports_are_distinct_bindable_and_outside_the_outgoing_range():
    ports = [processes.free_port() for _ in range(50)]

    assert len(set(ports)) == 50  # never handed out twice
    # Below the ports the kernel gives outgoing connections, so that none of the
    # run's own connections can take one before its server binds it.
    start = processes._outgoing_ports_start()
    assert all(1024 <= port < start for port in ports)
    for port in ports[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_something_listens_on_is_never_handed_out(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy, busy, busy + 1 if busy < 65535 else busy - 1])
        monkeypatch.setattr(processes.random, "randint", lambda low, high: next(picks))
        monkeypatch.setattr(processes, "_outgoing_ports_start", lambda: 65536)

        port = processes.free_port()

    assert port != busy
