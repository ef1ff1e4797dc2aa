"""A web node: Daphne, with a shutdown that is graceful and bounded.

    python -m ops.web [daphne's options] config.asgi:application

Daphne's own SIGTERM stops the reactor and then waits, without a limit, for every
application instance to finish; a sync thread that never returns kept a node alive
20 s and more after SIGTERM, holding its sockets, and the pages' sockets then died
with code 1006 when the process was killed. Here, on SIGTERM or SIGINT, the node:

1. stops listening, so the proxy sends new requests and reconnecting pages to the
   other nodes (a refused connection is redispatched; the health check fails);
2. closes each open websocket with 4503, "this node is going away, come back",
   which face-pay.js reconnects on at once (the standard 1012, Service Restart, is
   one that autobahn refuses to send: a server may close with 1000 or 3000-4999;
   4503 mirrors HTTP's 503 as the face check's 4401/4403/4429 mirror theirs);
3. lets HTTP requests under way finish, for at most DRAIN_SECONDS;
4. stops, giving the applications CLOSE_SECONDS to end after their cancel, and
   exits even if a thread is still stuck.

Every exception raised in a reactor callback is lost (Daphne sends Twisted's log
nowhere below verbosity 2), so the drain logs its own.
"""

import faulthandler
import logging
import os
import signal
import sys
import threading
import time

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer, reactor

logger = logging.getLogger("ops.web")

SERVICE_RESTART = 4503
DRAIN_SECONDS = 5.0
CLOSE_SECONDS = 3.0
POLL_SECONDS = 0.1
# Whatever happens in the reactor, the process is gone this long after the signal.
HARD_LIMIT_SECONDS = 15.0


class GracefulServer(Server):
    def __init__(self, *args, **kwargs):
        # The reactor's own handlers would stop it at once: ours drain first.
        kwargs["signal_handlers"] = False
        super().__init__(*args, **kwargs)
        self.ports = []
        self.draining = None  # since when (time.monotonic())

    def run(self):
        # `kill -USR1` writes every thread's stack to stderr: where a node is stuck.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_signal)
        super().run()

    def listen_success(self, port):
        self.ports.append(port)
        return super().listen_success(port)

    def _on_signal(self, number, frame):
        reactor.callFromThread(self.drain, signal.Signals(number).name)

    def drain(self, why: str):
        if self.draining is not None:  # a second signal: stop now
            self.stop()
            return
        self.draining = time.monotonic()
        watchdog = threading.Timer(HARD_LIMIT_SECONDS, _leave, ["the drain overran"])
        watchdog.daemon = True
        watchdog.start()
        try:
            self._close_doors(why)
        except Exception:
            logger.exception("draining failed: stopping now")
            self.stop()
            return
        self._stop_when_idle(DRAIN_SECONDS)

    def _close_doors(self, why: str):
        sockets = [p for p in self.connections if isinstance(p, WebSocketProtocol)]
        logger.info(
            "%s: draining (%d connections, %d websockets)",
            why,
            len(self.connections),
            len(sockets),
        )
        for port in self.ports:
            port.stopListening()
        for protocol in sockets:
            if protocol.state == protocol.STATE_OPEN:
                protocol.serverClose(code=SERVICE_RESTART)

    def _stop_when_idle(self, seconds_left: float):
        busy = [p for p, d in self.connections.items() if "disconnected" not in d]
        if not busy or seconds_left <= 0:
            logger.log(
                logging.WARNING if busy else logging.INFO,
                "drained in %.1f s, %d connections still open: stopping",
                time.monotonic() - self.draining,
                len(busy),
            )
            self.stop()
            return
        reactor.callLater(
            POLL_SECONDS, self._stop_when_idle, seconds_left - POLL_SECONDS
        )

    def kill_all_applications(self):
        """Daphne's, but over the instances that exist, and bounded in time."""
        pending = [
            details["application_instance"]
            for details in self.connections.values()
            if "application_instance" in details
            and not details["application_instance"].done()
        ]
        for instance in pending:
            instance.cancel()
        if not pending:
            return None
        waiting = defer.DeferredList(
            [defer.Deferred.fromFuture(instance) for instance in pending],
            consumeErrors=True,
        )
        waiting.addTimeout(CLOSE_SECONDS, reactor)
        waiting.addErrback(
            lambda _: logger.warning(
                "%d application instances still running at exit", len(pending)
            )
        )
        return waiting


class GracefulCommandLine(CommandLineInterface):
    server_class = GracefulServer


def _leave(why: str | None = None, status: int = 0):
    """Exit without joining threads: a sync thread that never returns would hold the
    interpreter's exit forever (the executors join their threads at exit)."""
    if why:
        logger.error("exiting: %s", why)
        status = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv=None):
    GracefulCommandLine().run(sys.argv[1:] if argv is None else argv)
    _leave()


if __name__ == "__main__":
    main()
