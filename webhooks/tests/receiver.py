"""A real HTTP receiver on 127.0.0.1, for the unit and the browser tests."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Answers each POST with the next scripted reply: a status code, "hang", or
    ("redirect", location); 200 once the script runs out."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []  # (headers, body)
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                reply = receiver.script.pop(0) if receiver.script else 200
                if reply == "hang":
                    receiver.release.wait(15)
                    return
                if isinstance(reply, tuple):
                    self.send_response(302)
                    self.send_header("Location", reply[1])
                    self.end_headers()
                    return
                self.send_response(reply)
                self.end_headers()
                self.wfile.write(b"ok" if reply < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/smilepay"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def payloads(self):
        return [json.loads(body) for _headers, body in self.requests]


def signature_valid(*, header: str, body: bytes, secret: str) -> bool:
    """Check a SmilePay-Signature header as a merchant's receiver would."""
    items = [item.split("=", 1) for item in header.split(",")]
    timestamp = next(value for key, value in items if key == "t")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(
        hmac.compare_digest(expected, value) for key, value in items if key == "v1"
    )
