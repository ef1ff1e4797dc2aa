"""The browser tests meet the shop as a user does: a real Daphne serving the ASGI app,
a real Celery worker, and Chromium driven by Playwright, all on this run's test database.

The servers are separate processes, so the tests use `transactional_db`: what a test
writes is committed and visible to them, and the tables are emptied after each test.
Screenshots and the processes' logs land in test-artifacts/e2e/; when a test fails,
the tail of each log is added to its report.
"""

import contextlib
import email
import email.policy
import json
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

from faceauth.simulation import CHROMIUM, CHROMIUM_ARGS
from ops.processes import Service, free_port, log_tail, wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
BIN = Path(sys.executable).parent  # the venv's bin: celery lives there
# A web node: Daphne with a bounded, graceful shutdown (ops/web.py).
WEB_NODE = [sys.executable, "-m", "ops.web"]
SERVER_START_TIMEOUT = 30
WORKER_START_TIMEOUT = 60
BROWSER_TIMEOUT_MS = 15_000

# Logs of the processes this run started, by name: their tails go into failure reports.
_LOGS: dict[str, Path] = {}


# Helpers -------------------------------------------------------------------------


def database_url(settings_dict) -> str:
    """A DATABASE_URL naming the test database this pytest run created."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine == "django.db.backends.sqlite3":
        if not name or name == ":memory:" or "mode=memory" in str(name):
            pytest.skip(
                "The browser tests need the SQLite test database in a file that the "
                "server processes can open; config/settings/test.py sets one."
            )
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"
    pytest.skip(f"The browser tests do not know how to share a {engine} database.")


def start_service(name: str, argv: list[str], *, env: dict, log: Path) -> Service:
    """Start a server process for this run; its log's tail goes into failure
    reports."""
    _LOGS[name] = log
    return Service.start(name, argv, env=env, log=log, cwd=ROOT)


# Reports -----------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)
    if report.failed and item.get_closest_marker("e2e"):
        for name, path in _LOGS.items():
            report.sections.append((f"{name} log: {path}", log_tail(path)))


# Processes -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_queue():
    """This run's Celery queue: runs sharing this Redis never take each other's tasks."""
    return f"smilepay-e2e-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def mail_folder(tmp_path_factory) -> Path:
    """Where the server processes write the e-mail they send, a file per message."""
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def server_env(django_db_setup, django_db_blocker, e2e_queue, mail_folder):
    """The environment of the server processes: test settings, this run's database,
    this run's task queue (Daphne's websocket consumers send tasks too), and
    e-mail written to `mail_folder`."""
    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict)
    env = dict(os.environ)
    # Only the test's own thread may skip Django's async-safety check (see `browser`).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=url,
        TEST_REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_DEFAULT_QUEUE=e2e_queue,
        FACEAUTH_REDIS_PREFIX=settings.FACEAUTH_REDIS_PREFIX,
        # The webhook tests' receivers listen on 127.0.0.1.
        WEBHOOKS_ALLOW_LOOPBACK="true",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_folder),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def mailbox(mail_folder):
    """`mailbox(address)`: the e-mail the servers have sent to `address`, oldest
    first, as `email.message.EmailMessage`s."""

    def messages_to(address: str) -> list[EmailMessage]:
        found = []
        for path in sorted(
            mail_folder.iterdir(), key=lambda path: path.stat().st_mtime
        ):
            # Django's file backend: each message, then a line of 79 dashes.
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not raw.strip():
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.default)
                if address.lower() in str(message["To"]).lower():
                    found.append(message)
        return found

    return messages_to


@pytest.fixture(scope="session")
def check_redis():
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis does not answer at {settings.REDIS_URL} ({exc}): the browser tests "
            "need it for the channel layer and Celery (scripts/ensure-redis.sh)."
        )


@pytest.fixture(scope="session")
def daphne_server(server_env, check_redis):
    """Daphne serving config.asgi on a free port, as `make run` serves the shop."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = start_service(
        "daphne",
        [*WEB_NODE, "-b", "127.0.0.1", "-p", port, "config.asgi:application"],
        env=server_env,
        log=ARTIFACTS / "daphne.log",
    )

    def answers():
        service.check_alive()
        try:
            with urllib.request.urlopen(f"{url}/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    try:
        wait_until(answers, timeout=SERVER_START_TIMEOUT, what=f"Daphne at {url}")
        yield url
    finally:
        service.stop()


@pytest.fixture(scope="session")
def worker_process(server_env, check_redis, e2e_queue):
    """A Celery worker on this run's queue."""
    queue = e2e_queue
    service = start_service(
        "celery-worker",
        [
            BIN / "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--pool=solo",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=server_env,
        log=ARTIFACTS / "celery-worker.log",
    )
    try:
        service.wait_for_log(r"@\S+ ready\.", timeout=WORKER_START_TIMEOUT)
        yield queue, service
    finally:
        service.stop()
        forget_queue(queue)


def forget_queue(queue: str):
    """Delete the queue's list and kombu's binding sets for it from the broker."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5)
    keys = [f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"]
    client.delete(*keys, *client.scan_iter(match=f"{queue}*"))


@pytest.fixture
def live_worker(worker_process):
    """Route the tasks this test sends to the e2e worker's queue; yield the worker."""
    from config.celery import app

    queue, service = worker_process
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield service
    finally:
        app.conf.task_default_queue = previous


@pytest.fixture
def live_shop(transactional_db, daphne_server):
    """The shop's base URL; data the test writes is committed, so the server sees it."""
    return daphne_server


# Browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def face_clips(tmp_path_factory):
    from .face import face_clips

    return face_clips(tmp_path_factory.mktemp("face-clips"))


@pytest.fixture
def camera_clip(request):
    """The Y4M clip Chromium plays as its webcam, or None for no camera at all: the
    one a test's `clip` marker names (tests/e2e/face.py), or a module's own."""
    marker = request.node.get_closest_marker("clip")
    if marker is None:
        return None
    return request.getfixturevalue("face_clips")[marker.args[0]]


@pytest.fixture(scope="session")
def face_films():
    """`face_films(person)`: the reacting camera's frames of one of the PEOPLE
    (faceauth.simulation.film), rendered once a run: a few seconds each."""
    from faceauth import simulation

    from .face import FACES, PEOPLE

    films = {}

    def film_of(person: str) -> dict[str, list[bytes]]:
        if person not in films:
            films[person] = simulation.film((FACES / PEOPLE[person]).read_bytes())
        return films[person]

    return film_of


@pytest.fixture
def camera_script(request, face_films):
    """The init script of the camera that reacts to the face page, as a test's
    `camera` marker asks: `@pytest.mark.camera("genuine", person="obama", seed=1)`
    (the mode, one of tests/e2e/face.py's PEOPLE, and any option of
    faceauth.simulation.camera_script), or None without the marker. Every page of
    the test's browser contexts gets it: `getUserMedia` then returns its canvas."""
    marker = request.node.get_closest_marker("camera")
    if marker is None:
        return None
    if request.node.get_closest_marker("clip"):
        pytest.fail("A test plays a Y4M clip or uses the reacting camera, not both.")
    from faceauth import simulation

    options = dict(marker.kwargs)
    person = options.pop("person", "obama")
    options.setdefault("seed", 1)
    mode = marker.args[0] if marker.args else "genuine"
    return simulation.camera_script(face_films(person), mode=mode, **options)


def camera_args(clip: Path | None, *, allowed: bool = True) -> list[str]:
    """Chromium's flags for a fake webcam playing `clip`; without `allowed`, the
    camera is there but the shopper refuses it (the permission is denied)."""
    if clip is None:
        return []
    allow = ["--use-fake-ui-for-media-stream"] if allowed else []
    return allow + [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]


@pytest.fixture
def browser(request, monkeypatch, camera_clip):
    """Chromium, one per test: Playwright's sync API keeps an event loop running in
    this thread, which must not outlive the test."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    # With Playwright's loop running, Django would refuse the test's own ORM calls;
    # they are plain synchronous code, so allow them for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS
            + camera_args(
                camera_clip,
                allowed=not request.node.get_closest_marker("camera_blocked"),
            ),
        )
        try:
            yield chromium
        finally:
            # While Playwright runs, the test's ORM calls get connections other
            # than the ones Django's test teardown closes: close them here, or they
            # outlive the test (and keep PostgreSQL from dropping the test database).
            connections.close_all()
            chromium.close()


def artifact_dir(node) -> Path:
    return ARTIFACTS / re.sub(r"[^\w.-]+", "_", node.name)


def new_context(browser, *, base_url: str, camera_script: str | None, **options):
    """A browser context on the shop (a shopper's own cookies), with the reacting
    camera when the test has one; `options` go to Playwright (viewport, is_mobile)."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    if camera_script:
        context.add_init_script(camera_script)
    return context


@contextlib.contextmanager
def shopper_tab(request, browser, *, base_url: str, camera_script: str | None):
    """A shopper's tab on `base_url` (a stack of the test's own); evidence of a
    failed test is kept before it closes."""
    context = new_context(browser, base_url=base_url, camera_script=camera_script)
    try:
        yield context.new_page()
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            keep_failure_evidence(request.node, context.pages)
        context.close()


def keep_failure_evidence(node, pages, *, prefix: str = "failed"):
    """After a failed test: a screenshot of each tab, what the reacting camera saw
    and did (window.__camera.events) when it was there, and the face checks as the
    database holds them (tracker, liveness, timings)."""
    from faceauth.models import VerificationAttempt

    folder = artifact_dir(node)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        attempts = [
            {
                "public_id": str(attempt.public_id),
                "status": attempt.status,
                "reason": attempt.reason,
                "started_at": attempt.started_at,
                "challenge_at": attempt.challenge_at,
                "decided_at": attempt.decided_at,
                "deadline": attempt.deadline,
                "frames_received": attempt.frames_received,
                "frames_processed": attempt.frames_processed,
                "faces_per_frame": attempt.faces_per_frame,
                "tracker": attempt.tracker,
                "liveness": attempt.liveness,
                "timings": attempt.timings,
            }
            for attempt in VerificationAttempt.objects.order_by("pk")
        ]
        path = folder / f"{prefix}-attempts.json"
        path.write_text(json.dumps(attempts, indent=1, default=str))
    except Exception as exc:  # best effort, as above
        print(f"No record of the face checks after the failure: {exc}")
    for number, page in enumerate(pages, 1):
        if page.is_closed():
            continue
        try:
            page.screenshot(path=folder / f"{prefix}-tab{number}.png", full_page=True)
            events = page.evaluate("window.__camera ? window.__camera.events : null")
        except Exception as exc:  # best effort: the test's failure is the news
            print(f"No screenshot of tab {number} after the failure: {exc}")
            continue
        if events is not None:
            path = folder / f"{prefix}-tab{number}-camera.json"
            path.write_text(json.dumps(events, indent=1))


@pytest.fixture
def new_page(request, live_shop, browser, camera_script):
    """Open pages on the live shop: `new_page()` for a fresh shopper (own cookies;
    keyword arguments go to the browser context, e.g. a phone's viewport),
    `new_page(like=page)` for another tab of the same shopper."""
    contexts = []

    def open_page(*, like=None, **options):
        if like is not None:
            return like.context.new_page()
        context = new_context(
            browser, base_url=live_shop, camera_script=camera_script, **options
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        pages = [page for context in contexts for page in context.pages]
        keep_failure_evidence(request.node, pages)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(request):
    """Save numbered full-page screenshots for humans in test-artifacts/e2e/<test>/."""
    folder = artifact_dir(request.node)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(page, step: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
