"""The face checkout across `make cluster`'s processes (issue 15): the shopper's
browser talks to the proxy only, and any web node or worker may fail mid-check."""

import re
import shutil
import signal
import urllib.request

import pytest
from playwright.sync_api import expect

from faceauth.models import VerificationAttempt
from ops.processes import wait_until

from .cluster import Cluster
from .conftest import artifact_dir, shopper_tab
from .face import (
    assert_never_paid,
    assert_paid_once,
    attempt_of,
    enrolled_shopper_with_order,
    pay_with_face,
)

# `make cluster` refuses SQLite; so do its tests.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.camera("genuine", person="obama"),
]

# A whole check: 8-12 s, then the fault's own delay; inside the attempt's 30 s.
APPROVED_TIMEOUT_MS = 35_000


@pytest.fixture
def stack(request, server_env, transactional_db):
    marker = request.node.get_closest_marker("stack")
    env = dict(server_env, **(marker.kwargs.get("env", {}) if marker else {}))
    folder = artifact_dir(request.node) / "cluster"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cluster = Cluster(env=env, folder=folder)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def shop_page(request, stack, browser, camera_script):
    with shopper_tab(
        request, browser, base_url=stack.url, camera_script=camera_script
    ) as page:
        yield page


def _verdict(attempt) -> str | None:
    """The attempt's stored verdict, None while it is open."""
    status = VerificationAttempt.objects.values_list("status", flat=True).get(
        pk=attempt.pk
    )
    return None if status == VerificationAttempt.Status.OPEN else status


def _holder(stack, attempt) -> str:
    """The web node holding the attempt's websocket."""
    return wait_until(
        lambda: next(
            (
                name
                for name in ("web1", "web2")
                if stack.socket_opened(name, str(attempt.public_id))
            ),
            None,
        ),
        timeout=10,
        what="a web node to accept the face check's socket",
    )


# The page's websockets' close codes, in order (window.__closeCodes).
RECORD_CLOSE_CODES = """
window.__closeCodes = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("close", (event) => window.__closeCodes.push(event.code));
  }
};
"""
SERVICE_RESTART = 4503  # ops/web.py closes its sockets with it on SIGTERM
ABNORMAL = 1006  # the connection dropped without a close frame


@pytest.mark.parametrize(
    ("how", "close_code"),
    [(signal.SIGKILL, ABNORMAL), (signal.SIGTERM, SERVICE_RESTART)],
    ids=["killed", "sigterm"],
)
def test_the_web_node_holding_the_check_goes_down_and_the_other_finishes_it(
    stack, shop_page, how, close_code
):
    """The node with the page's socket dies (SIGKILL) or is stopped for a deploy
    (SIGTERM: it closes the socket with 4503 and exits) while frames stream: the
    page reconnects through the proxy, lands on the other node, and the check is
    approved; the order is paid once."""
    shop_page.add_init_script(RECORD_CLOSE_CODES)
    user, order = enrolled_shopper_with_order()
    status = pay_with_face(shop_page, order)
    attempt = attempt_of(order)
    holder = _holder(stack, attempt)
    other = "web2" if holder == "web1" else "web1"
    wait_until(
        lambda: stack.frames("worker1") + stack.frames("worker2") >= 2,
        timeout=20,
        what="frames to reach the workers",
    )

    stack.signal(holder, how)

    codes = wait_until(
        lambda: shop_page.evaluate("window.__closeCodes"),
        timeout=10,
        what="the page's socket to close",
    )
    assert codes[0] == close_code, codes
    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    expect(shop_page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    assert stack.socket_opened(other, str(attempt.public_id))
    assert_paid_once(user, order)
    # One check, followed across processes by its id in their JSON log lines.
    loggers = {
        (name[:-1], line["logger"])
        for name in ("web1", "web2", "worker1", "worker2")
        for line in stack.json_lines(name)
        if line.get("attempt_id") == str(attempt.public_id)
    }
    assert ("web", "faceauth.consumers") in loggers, loggers
    assert ("worker", "payments.services") in loggers, loggers


def test_the_proxy_gives_each_request_an_id_that_the_node_keeps(stack):
    """HAProxy's id (a UUID with dashes; a node makes 32 hex digits) comes back from
    the node, and a caller's own id is kept."""
    with urllib.request.urlopen(f"{stack.url}/healthz", timeout=5) as answer:
        made = answer.headers["X-Request-ID"]
    request = urllib.request.Request(
        f"{stack.url}/healthz", headers={"X-Request-ID": "caller-42"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        kept = answer.headers["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", made), made
    assert kept == "caller-42"


def test_a_worker_killed_mid_check_the_other_worker_finishes_it(stack, shop_page):
    """kill -9 the worker handling the frames: the other one takes the next frames
    (and, after the visibility timeout, the unacknowledged one); approved, paid once."""
    user, order = enrolled_shopper_with_order()
    status = pay_with_face(shop_page, order)
    busy = wait_until(
        lambda: next(
            (name for name in ("worker1", "worker2") if stack.frames(name) >= 2), None
        ),
        timeout=20,
        what="a worker to handle frames",
    )
    spare = "worker2" if busy == "worker1" else "worker1"
    before = stack.frames(spare)

    stack.signal(busy, signal.SIGKILL)

    expect(status).to_have_attribute(
        "data-state", "approved", timeout=APPROVED_TIMEOUT_MS
    )
    assert stack.frames(spare) > before
    assert_paid_once(user, order)


# The proxy takes a silent node out 7 to 8 s after it stops answering (ops/cluster.py).
@pytest.mark.stack(env={"FACEAUTH_ATTEMPT_SECONDS": "18"})
def test_every_web_node_down_while_the_verdict_is_stored_the_page_shows_it_after(
    stack, shop_page
):
    """Both web nodes stop answering mid-check (frozen; the proxy takes them out and
    closes the socket). The check gets no more frames, and the worker stores its
    verdict at the deadline (expired) with no node up. When the nodes are back, the
    page shows that verdict, not a guess of its own."""
    user, order = enrolled_shopper_with_order()
    status = pay_with_face(shop_page, order)
    attempt = attempt_of(order)
    wait_until(
        lambda: stack.frames("worker1") + stack.frames("worker2") >= 2,
        timeout=20,
        what="frames to reach the workers",
    )

    for node in ("web1", "web2"):
        stack.freeze(node)
    expect(status).to_have_attribute("data-state", "connecting", timeout=12_000)
    stored = wait_until(
        lambda: _verdict(attempt), timeout=30, what="the worker to store the verdict"
    )
    assert status.get_attribute("data-state") == "connecting"  # no guess meanwhile
    for node in ("web1", "web2"):
        stack.thaw(node)

    expect(status).to_have_attribute("data-state", stored, timeout=25_000)
    assert stored == "expired"
    assert_never_paid(user, order)
