"""Log lines that one face check can be followed by across processes.

Each line carries the request id (the proxy's X-Request-ID, or one made here) and the
face check's attempt id; Celery carries both from the process that sends a task to
the worker that runs it (config/celery.py). LOG_FORMAT=json writes JSON lines.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

request_id: ContextVar[str] = ContextVar("request_id", default="")
attempt_id: ContextVar[str] = ContextVar("attempt_id", default="")

# What a request id from outside may look like (the proxy's UUID, a caller's token).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# The face check's websocket path names its attempt.
_ATTEMPT_PATH = re.compile(r"/ws/face/(?P<attempt>[0-9a-f-]{36})/")

CONTEXT = {"request_id": request_id, "attempt_id": attempt_id}


def incoming_request_id(value: str | None) -> str:
    return value if value and _VALID_ID.match(value) else uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts the request and attempt ids on every record (empty outside of one)."""

    def filter(self, record):
        for name, var in CONTEXT.items():
            setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message, the ids."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        for name in CONTEXT:
            if getattr(record, name, ""):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    """Django middleware: the request's id (X-Request-ID from the proxy, else a new
    one) on its log lines, and back on the response."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        rid = incoming_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response

    async def _acall(self, request):
        rid = incoming_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        try:
            response = await self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class WebsocketContextMiddleware:
    """ASGI middleware for the websockets: the handshake's request id and, on the
    face check's socket, its attempt id, for everything the consumer logs and every
    task it sends."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        match = _ATTEMPT_PATH.search(scope.get("path", ""))
        tokens = [request_id.set(incoming_request_id(given))]
        if match:
            tokens.append(attempt_id.set(match["attempt"]))
        try:
            return await self.inner(scope, receive, send)
        finally:
            for token in reversed(tokens):
                token.var.reset(token)


def task_headers() -> dict:
    """The ids to send along with a task, as message headers (before_task_publish)."""
    return {f"smilepay_{name}": var.get() for name, var in CONTEXT.items() if var.get()}


def task_context_enter(task_request):
    """Take the ids the running task was sent with (task_prerun)."""
    for name, var in CONTEXT.items():
        var.set(getattr(task_request, f"smilepay_{name}", None) or "")


def task_context_exit():
    """Forget them once the task has run (task_postrun)."""
    for var in CONTEXT.values():
        var.set("")
