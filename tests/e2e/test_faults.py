"""Faults during a face check, against real processes: a stack of the test's own
(Redis, Daphne, a prefork Celery worker and beat; tests/e2e/stack.py) is crashed,
frozen and restarted while Chromium streams the face of a shopper who answers every
cue (the reacting camera of faceauth/simulation_camera.js: a check takes 8-12 s).

Each test states its scenario's expected outcome; docs/reliability.md lists them with
what was observed. The invariants after every fault: the order is paid once or not at
all, one ledger transfer at most, and nothing is approved after its deadline.
"""

import base64
import json
import os
import re
import shutil
import signal
import threading
import time

import pytest
from django.conf import settings
from django.forms.models import model_to_dict
from playwright.sync_api import expect

from faceauth.models import FaceTemplate, VerificationAttempt
from faceauth.services import consent_withdraw
from ops.processes import wait_until
from payments.models import Payment, Transfer
from shop.tests.factories import PASSWORD

from .conftest import artifact_dir, shopper_tab
from .face import (
    FINAL_STATES,
    VERDICT_TIMEOUT_MS,
    assert_never_paid,
    assert_paid_once,
    attempt_of,
    check_summary,
    enrolled_shopper_with_order,
    pay_with_face,
)
from .stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.camera("genuine", person="obama")]

# The checks that wait for an expiry get a shorter deadline than a shopper's 30 s;
# those that wait for the first cue before the fault, enough to reach it (it goes
# out 2-4 s after the page opens, later on a loaded machine).
SHORT_DEADLINE = 12
CUE_DEADLINE = 20
# A whole check, from the page opening to the verdict: 8-12 s, then the fault's own
# delay; still inside the attempt's 30 s deadline.
APPROVED_TIMEOUT_MS = 35_000


@pytest.fixture
def stack(request, server_env, transactional_db):
    marker = request.node.get_closest_marker("stack")
    options = dict(marker.kwargs) if marker else {}
    env = dict(server_env, **options.pop("env", {}))
    folder = artifact_dir(request.node) / "stack"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    stack = Stack(
        env=env, folder=folder, worker_app=options.pop("worker_app", "config")
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def shop_page(request, stack, browser, camera_script):
    with shopper_tab(
        request, browser, base_url=stack.url, camera_script=camera_script
    ) as page:
        yield page


@pytest.fixture
def shopper_with_order(transactional_db):
    return enrolled_shopper_with_order()


def worker_log(stack) -> str:
    return stack.worker.log_text()


def frames_handled(stack) -> int:
    return worker_log(stack).count("faceauth.tasks.verify_frame[")


def wait_for_frames(stack, count: int, *, timeout: float = 20):
    wait_until(
        lambda: frames_handled(stack) >= count,
        timeout=timeout,
        what=f"the worker to receive {count} frames",
    )


def redis_keys_of(stack, attempt) -> list[bytes]:
    prefix = f"{settings.FACEAUTH_REDIS_PREFIX}:attempt:{attempt.pk}:"
    return list(stack.redis_client().scan_iter(match=f"{prefix}*"))


def test_pool_process_killed_mid_check_the_check_carries_on_and_pays_once(
    stack, shop_page, shopper_with_order
):
    """kill -9 the process running the frames: the pool replaces it, the task is
    given back (reject_on_worker_lost), and the check goes on to one approval."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    wait_for_frames(stack, 3)
    [child] = stack.worker_children()
    os.kill(child, signal.SIGKILL)
    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    assert re.search(r"signal 9|SIGKILL|WorkerLostError", worker_log(stack))
    assert stack.worker_children() and stack.worker_children() != [child]
    assert_paid_once(user, order)
    assert attempt_of(order).status == "approved"


@pytest.mark.stack(env={"FACEAUTH_ATTEMPT_SECONDS": str(CUE_DEADLINE)})
def test_worker_killed_outright_the_attempt_expires_and_its_tasks_never_approve(
    stack, shop_page, shopper_with_order
):
    """kill -9 the whole worker once the first cue is shown: nothing decides
    the check, so it expires at its deadline; the order waits for its own expiry.
    A new worker then gets the dead one's task back (the visibility timeout) and the
    queued frames: none of them approves, and the reaper leaves nothing in Redis."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    expect(status).to_have_attribute("data-state", "challenge", timeout=20_000)
    stack.kill_worker()
    expect(status).to_have_attribute("data-state", "expired", timeout=30_000)
    attempt = attempt_of(order)
    assert attempt.status == "expired"
    queued = stack.redis_client().llen("faults")
    unacked = stack.redis_client().hlen("unacked")

    stack.start_worker()
    # The dead worker's task comes back after the visibility timeout (8 s here).
    wait_until(
        lambda: (
            not stack.redis_client().hlen("unacked")
            and not stack.redis_client().llen("faults")
        ),
        timeout=40,
        what="the new worker to take every task the dead one left",
    )
    wait_until(
        lambda: not redis_keys_of(stack, attempt),
        timeout=15,
        what="the attempt's Redis keys to be gone",
    )
    attempt.refresh_from_db()
    assert attempt.status == "expired"
    assert_never_paid(user, order)
    assert Payment.objects.get(order=order).status == "awaiting_confirmation"
    print(f"\nleft by the dead worker: {queued} queued, {unacked} unacknowledged")


@pytest.mark.stack(env={"FACEAUTH_ATTEMPT_SECONDS": str(CUE_DEADLINE)})
def test_worker_frozen_past_the_deadline_never_approves_late(
    stack, shop_page, shopper_with_order
):
    """SIGSTOP the worker when the first cue is shown, SIGCONT it after the
    deadline: whatever it was doing finishes late, and a late verdict never approves."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    expect(status).to_have_attribute("data-state", "challenge", timeout=20_000)
    stack.freeze_worker()
    expect(status).to_have_attribute("data-state", "expired", timeout=30_000)
    handled = frames_handled(stack)
    stack.thaw_worker()
    wait_until(
        lambda: not stack.redis_client().llen("faults"),
        timeout=30,
        what="the thawed worker to drain its queue",
    )
    attempt = attempt_of(order)
    assert attempt.status == "expired"
    assert_never_paid(user, order)
    print(f"\nframes handled before the freeze: {handled}")


@pytest.mark.xfail(
    strict=False,
    reason=(
        "Known bug, open (docs/reliability.md): when Redis stops while a frame task "
        "is in flight, the prefork worker's main process blocks reconnecting for "
        "longer than the task's 5 s soft limit, the limit then fires in the idle "
        "child, and the worker stopped taking tasks after Redis came back in 2 of "
        "2 CI runs on 2026-12-05 (it passed alone). Run, so that a fix shows as XPASS."
    ),
)
def test_redis_stopped_mid_check_shows_an_error_then_a_new_attempt_succeeds(
    stack, shop_page, shopper_with_order
):
    """Stop Redis while frames stream: the page says the face check is unavailable,
    the order stays awaiting confirmation, pages still load; once Redis is back, a
    new attempt goes through."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    wait_for_frames(stack, 2)
    connected = worker_log(stack).count("Connected to redis://")
    stack.stop_redis()
    expect(status).to_have_attribute("data-state", "error", timeout=15_000)
    expect(status).to_contain_text("unavailable")
    expect(
        shop_page.get_by_role("button", name="Confirm with password")
    ).to_be_visible()
    assert_never_paid(user, order)
    # The shop itself keeps working without Redis: the order page still loads.
    other = shop_page.context.new_page()
    response = other.goto(f"/orders/{order.number}/")
    assert response.status == 200
    other.close()

    stack.start_redis()
    wait_until(
        lambda: worker_log(stack).count("Connected to redis://") > connected,
        timeout=60,
        what="the worker to reconnect to Redis",
    )
    shop_page.get_by_role("button", name="Try again").click()
    status = shop_page.get_by_test_id("face-status")
    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    assert_paid_once(user, order)
    assert VerificationAttempt.objects.filter(reference=order.number).count() == 2


def test_asgi_server_restarted_mid_stream_the_page_reconnects_and_gets_the_verdict(
    stack, shop_page, shopper_with_order
):
    """Crash Daphne (SIGKILL) while frames stream and start it again: the page backs
    off, reconnects to the new server, the check carries on and the verdict shows."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    wait_for_frames(stack, 2)
    down = time.monotonic()
    stack.kill_daphne()
    expect(status).to_have_attribute("data-state", "connecting", timeout=5_000)
    stack.start_daphne()
    restarted = time.monotonic() - down
    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    expect(shop_page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    assert_paid_once(user, order)
    print(f"\nDaphne was down {restarted:.1f} s")


@pytest.mark.stack(worker_app="tests.e2e.lossy_worker")
def test_a_lost_verdict_push_still_reaches_the_page_over_http(
    stack, shop_page, shopper_with_order
):
    """The worker stores the verdict but its push never reaches the socket: the page
    learns it from the attempt's status URL, well before the deadline."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    seen_at = time.time()
    attempt = attempt_of(order)
    assert "verdict push LOST on purpose" in worker_log(stack)
    assert attempt.status == "approved"
    assert seen_at < attempt.deadline.timestamp()
    assert_paid_once(user, order)
    print(
        f"\npage saw the verdict {seen_at - attempt.decided_at.timestamp():.1f} s late"
    )


def test_every_frame_task_delivered_twice_approves_once(
    stack, shop_page, shopper_with_order
):
    """Every few milliseconds a duplicate of the attempt's task goes to the broker, and
    two pool processes take them at once: one approval, one transfer."""
    from kombu import Connection

    from faceauth.tasks import verify_frame

    stack.worker.stop()
    stack.start_worker(concurrency=2)
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    attempt = attempt_of(order)
    sent = 0
    stop = threading.Event()

    def duplicate():
        nonlocal sent
        with Connection(stack.redis_url) as connection:
            while not stop.wait(0.03):
                verify_frame.apply_async(
                    (attempt.pk,), connection=connection, queue="faults"
                )
                sent += 1

    thread = threading.Thread(target=duplicate)
    thread.start()
    try:
        expect(status).to_have_attribute(
            "data-state", FINAL_STATES, timeout=VERDICT_TIMEOUT_MS
        )
    finally:
        stop.set()
        thread.join()
    attempt.refresh_from_db()
    print(f"\n{sent} duplicate tasks sent\n{check_summary(attempt)}")
    # Whatever the verdict, never twice: one approval and one transfer at most.
    approvals = worker_log(stack).count(f"Attempt {attempt.public_id}: approved")
    assert approvals <= 1
    assert Transfer.objects.filter(payment__order=order).count() <= 1
    # And the duplicates do not cost the shopper the check.
    assert status.get_attribute("data-state") == "approved"
    payment = assert_paid_once(user, order)
    assert payment.evidence["attempt"] == str(attempt.public_id)
    assert worker_log(stack).count(f"Attempt {attempt.public_id}: approved") == 1


@pytest.mark.stack(env={"FACEAUTH_ATTEMPT_SECONDS": str(SHORT_DEADLINE)})
def test_tab_closed_mid_check_the_attempt_expires_and_the_order_waits(
    stack, shop_page, shopper_with_order
):
    """Close the tab while frames stream: with nobody reading the status, the reaper
    (beat) expires the attempt, Redis forgets it, and the order waits for its own
    expiry, still awaiting confirmation."""
    user, order = shopper_with_order
    pay_with_face(shop_page, order)
    wait_for_frames(stack, 2)
    attempt = attempt_of(order)
    shop_page.close()
    wait_until(
        lambda: VerificationAttempt.objects.get(pk=attempt.pk).status == "expired",
        timeout=SHORT_DEADLINE + 20,
        what="the reaper to expire the attempt",
    )
    wait_until(
        lambda: not redis_keys_of(stack, attempt),
        timeout=10,
        what="the attempt's Redis keys to be gone",
    )
    assert_never_paid(user, order)
    assert "faceauth.tasks.expire_attempts" in worker_log(stack)


# What must never be stored in Redis, logs, or task messages.
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG"
BASE64_JPEG = b"/9j/"
ENCODING_LIKE = r"(-?\d\.\d+[,\s]+){32}"


def redis_snapshot(client) -> dict[bytes, bytes]:
    """Every key of the stack's Redis with its value flattened to bytes."""
    values = {}
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            value = client.get(key) or b""
        elif kind == b"hash":
            value = b"\n".join(k + b"=" + v for k, v in client.hgetall(key).items())
        elif kind == b"list":
            value = b"\n".join(client.lrange(key, 0, -1))
        elif kind == b"set":
            value = b"\n".join(client.smembers(key))
        elif kind == b"zset":
            value = b"\n".join(client.zrange(key, 0, -1))
        else:
            value = b""
        values[key] = value
    return values


def task_messages(client) -> list[dict]:
    """The Celery messages waiting in the stack's queue or being run (unacked)."""
    raw = client.lrange("faults", 0, -1)
    raw += [json.dumps(json.loads(entry)[0]) for entry in client.hvals("unacked")]
    return [json.loads(message) for message in raw]


def test_no_image_encoding_or_secret_in_redis_logs_or_task_messages(
    stack, shop_page, shopper_with_order
):
    """Watch Redis while a check runs, then scan it and every process's log: the
    task messages carry an attempt number only, and once the check has ended Redis
    holds no frame, and no log holds a frame, an encoding, a key or a password."""
    user, order = shopper_with_order
    status = pay_with_face(shop_page, order)
    client = stack.redis_client()
    messages = []
    frames_seen = 0
    watch_until = time.monotonic() + VERDICT_TIMEOUT_MS / 1000
    while not FINAL_STATES.fullmatch(status.get_attribute("data-state")):
        assert time.monotonic() < watch_until, "no verdict reached the page"
        messages += task_messages(client)
        snapshot = redis_snapshot(client)
        frames_seen += sum(JPEG_MAGIC in value for value in snapshot.values())
        time.sleep(0.02)
    assert status.get_attribute("data-state") == "approved"
    assert frames_seen, "the watcher never saw a frame in flight: it proves nothing"
    assert messages, "the watcher never saw a task message: it proves nothing"
    for message in messages:
        body = json.loads(base64.b64decode(message["body"]))
        args, kwargs, _ = body
        assert kwargs == {}
        assert all(isinstance(arg, int) for arg in args), args

    attempt = attempt_of(order)
    shop_page.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    time.sleep(1)  # any frame still on the wire lands, and is dropped
    leftovers = {
        key: value
        for key, value in redis_snapshot(client).items()
        if JPEG_MAGIC in value or PNG_MAGIC in value or BASE64_JPEG in value
    }
    assert not leftovers, list(leftovers)
    assert not redis_keys_of(stack, attempt)

    cookies = {c["name"]: c["value"] for c in shop_page.context.cookies()}
    secrets = {
        "session id": cookies["sessionid"],
        "password": PASSWORD,
        "face key": settings.FACEAUTH_KEYS[0],
        "secret key": settings.SECRET_KEY,
    }
    logs = stack.logs()
    for name, secret in secrets.items():
        assert secret not in logs, f"the {name} is in a log"
    assert "/9j/" not in logs and "\\xff\\xd8" not in logs
    # An encoding would be 128 numbers in a row.
    assert not re.search(ENCODING_LIKE, logs)

    # Withdrawing consent deletes the templates; the audit of the check stays, and
    # neither it nor the payment's evidence holds an encoding.
    assert consent_withdraw(user=user) == 2
    assert not FaceTemplate.objects.filter(user=user).exists()
    attempt.refresh_from_db()
    assert attempt.status == "approved" and attempt.liveness["distances"]
    payment = Payment.objects.get(order=order)
    audit = json.dumps(
        [model_to_dict(attempt, exclude=["user"]), payment.evidence], default=str
    )
    assert not re.search(ENCODING_LIKE, audit)
