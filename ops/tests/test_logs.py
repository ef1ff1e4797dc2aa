"""Log lines carry the request id and the face check's attempt id, as JSON lines
when LOG_FORMAT=json; tasks carry both to the worker."""

import json
import logging

from ops import logs


def _line(message="Order #%s: paid", *args):
    record = logging.LogRecord(
        "payments.services", logging.INFO, __file__, 1, message, args or ("SP1",), None
    )
    logs.ContextFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_json_line_names_the_request_and_the_attempt_it_belongs_to():
    request_token = logs.request_id.set("req-1")
    attempt_token = logs.attempt_id.set("6f1c2a9e-3d4b-4c5e-8f70-1a2b3c4d5e6f")
    try:
        line = _line()
    finally:
        logs.attempt_id.reset(attempt_token)
        logs.request_id.reset(request_token)

    assert line["message"] == "Order #SP1: paid"
    assert line["logger"] == "payments.services" and line["level"] == "INFO"
    assert line["request_id"] == "req-1"
    assert line["attempt_id"] == "6f1c2a9e-3d4b-4c5e-8f70-1a2b3c4d5e6f"


def test_outside_a_request_a_line_has_no_ids():
    line = _line()

    assert "request_id" not in line and "attempt_id" not in line


def test_a_request_id_comes_back_on_the_response_and_a_bad_one_is_replaced(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc-123")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>" * 20)

    assert kept["X-Request-ID"] == "proxy-abc-123"
    assert len(replaced["X-Request-ID"]) == 32
    assert "<" not in replaced["X-Request-ID"]


def test_a_task_takes_the_ids_of_the_work_that_sent_it():
    class TaskRequest:  # what Celery makes of the message's headers
        pass

    token = logs.attempt_id.set("a1")
    try:
        headers = logs.task_headers()
    finally:
        logs.attempt_id.reset(token)
    sent = TaskRequest()
    for name, value in headers.items():
        setattr(sent, name, value)

    logs.task_context_enter(sent)
    try:
        assert (logs.attempt_id.get(), logs.request_id.get()) == ("a1", "")
    finally:
        logs.task_context_exit()
    assert logs.attempt_id.get() == ""
