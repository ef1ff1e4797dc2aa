"""One signed POST to a checked address: no redirects, a 5 s budget, a short excerpt."""

import hashlib
import hmac
import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from .ssrf import Target

EXCERPT_CHARS = 500
READ_LIMIT = 64 * 1024


def signature_header(*, body: bytes, secrets: list[str], timestamp: int) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`, one v1 per signing secret."""
    signed = str(timestamp).encode() + b"." + body
    parts = [f"t={timestamp}"]
    for secret in secrets:
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        parts.append(f"v1={digest}")
    return ",".join(parts)


@dataclass(frozen=True)
class Response:
    status_code: int | None
    duration_ms: int
    excerpt: str = ""
    # An English message as written, translated when read (exceptions.message_in_language).
    error: str = ""
    error_params: dict = field(default_factory=dict)


def _network_error(exc: Exception, timeout: float) -> tuple[str, dict]:
    """What went wrong on the wire, as a message and its parameters."""
    if isinstance(exc, TimeoutError):
        message = gettext_noop("Timed out after %(seconds)s s.")
        params = {"seconds": f"{timeout:g}"}
    elif isinstance(exc, ConnectionRefusedError):
        message, params = gettext_noop("The connection was refused."), {}
    elif isinstance(exc, ssl.SSLCertVerificationError):
        message = gettext_noop("The TLS certificate was not accepted: %(reason)s")
        params = {"reason": (exc.verify_message or str(exc))[:200]}
    else:
        message = gettext_noop("The request failed: %(reason)s")
        params = {"reason": str(exc)[:200] or type(exc).__name__}
    return message, params


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, verified against the URL's host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host,
            target.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, target: Target, body: bytes, headers: dict, timeout: float) -> Response:
    """POST `body` once; never raises for the network, the result says what happened."""
    started = time.monotonic()
    deadline = started + timeout
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout)

    def elapsed_ms():
        return int((time.monotonic() - started) * 1000)

    try:
        connection.request("POST", target.path, body=body, headers=headers)
        # The whole exchange has one budget, not each read its own.
        sock = connection.sock  # the response reads through it, even once closed
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = connection.getresponse()
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        text = response.read(READ_LIMIT).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        error, params = _network_error(exc, timeout)
        return Response(None, elapsed_ms(), error=error, error_params=params)
    finally:
        connection.close()
    error, params = "", {}
    if 300 <= response.status < 400:
        error = gettext_noop("Redirect not followed (Location: %(location)s).")
        params = {"location": response.getheader("Location", "")[:200]}
    return Response(response.status, elapsed_ms(), text[:EXCERPT_CHARS], error, params)
