"""Login and password-reset throttling (accounts/throttle.py) through the real pages.

Counters live in the real test Redis, each test under a key prefix of its own
(conftest.py); the `clock` fixture moves the throttle's time instead of sleeping.
"""

import re
import threading
import time

import pytest
import redis
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core import mail
from django.forms.forms import NON_FIELD_ERRORS

from accounts import throttle
from accounts.exceptions import AttemptsInFlight, TooManyAttempts
from accounts.forms import LoginForm
from core import throttle as core_throttle
from shop.tests.concurrency import run_together
from shop.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
RESET_URL = "/accounts/password_reset/"
WAIT_A_MINUTE = "Too many sign-in attempts. Please wait a minute and try again."
STRANGER, OWNER, ELSEWHERE = "203.0.113.7", "198.51.100.9", "192.0.2.99"


def _login(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def _fail(client, username, times, **extra):
    return [_login(client, username, "wrong", **extra) for _ in range(times)]


def _signed_in(client):
    return client.get("/").context["user"].is_authenticated


def test_five_wrong_passwords_from_one_address_make_it_wait_even_with_the_right_one(
    client, shopper, password, clock
):
    first_four = _fail(client, "ada", 4)
    fifth = _login(client, "ada", "wrong")
    right = _login(client, "ada", password)

    assert [r.status_code for r in first_four] == [200] * 4
    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert response.context["form"].errors == {"__all__": [WAIT_A_MINUTE]}
        page = response.content.decode()
        assert WAIT_A_MINUTE in page
        assert 'name="username"' in page  # the form again, to try later
    assert not _signed_in(client)


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(
    client, shopper, clock
):
    waits = []
    for _ in range(9):
        response = _fail(client, "ada", 1)[0]
        if response.status_code == 429:
            waits.append(int(response["Retry-After"]))
            clock.advance(waits[-1])

    assert waits == [60, 120, 240, 480, 900]  # after 4 free failures


def test_a_stranger_guessing_cannot_stop_the_owner_signing_in_at_their_address(
    client, shopper, password, clock
):
    for _ in range(8):  # waiting out each lock, as a patient attacker would
        response = _login(client, "ada", "wrong", REMOTE_ADDR=STRANGER)
        clock.advance(int(response.get("Retry-After", 0)))
    assert _login(client, "ada", "wrong", REMOTE_ADDR=STRANGER).status_code == 429

    response = _login(client, "ada", password, REMOTE_ADDR=OWNER)

    assert response.status_code == 302
    assert _signed_in(client)


def test_a_lock_looks_the_same_for_an_account_that_does_not_exist(
    client, shopper, clock
):
    real = _fail(client, "ada", 6)[-1]
    made_up = _fail(client, "nobody", 6)[-1]

    assert real.status_code == made_up.status_code == 429
    assert real.context["form"].errors == made_up.context["form"].errors
    assert real["Retry-After"] == made_up["Retry-After"]


def test_other_users_still_sign_in_while_one_username_is_locked(
    client, shopper, other_shopper, password, clock
):
    _fail(client, "ada", 5)

    response = _login(client, "bob", password)

    assert response.status_code == 302
    assert _signed_in(client)


def test_the_lock_at_an_address_applies_in_any_case_and_ends_after_its_wait(
    client, shopper, password, clock
):
    _fail(client, "ada", 5)
    assert _login(client, "ADA", password).status_code == 429
    clock.advance(59)
    assert _login(client, "ada", password).status_code == 429

    clock.advance(1)
    response = _login(client, "ada", password)

    assert response.status_code == 302
    assert _signed_in(client)


def _botnet(client, username, failures):
    """`failures` wrong passwords for `username`, each from an address of its own."""
    for n in range(failures):
        _login(client, username, "wrong", REMOTE_ADDR=f"10.{n // 250}.{n % 250}.1")


def test_a_hundred_failures_from_everywhere_lock_the_username_but_not_for_its_owner(
    client, shopper, password, clock
):
    assert _login(client, "ada", password, REMOTE_ADDR=OWNER).status_code == 302
    client.post("/accounts/logout/")
    _botnet(client, "ada", 99)
    assert _login(client, "ada", password, REMOTE_ADDR=STRANGER).status_code == 302
    client.post("/accounts/logout/")  # the owner's sign-in forgot the 99
    _botnet(client, "ada", 100)

    elsewhere = _login(client, "ada", password, REMOTE_ADDR=ELSEWHERE)
    assert elsewhere.status_code == 429
    assert elsewhere["Retry-After"] == "3600"
    # Where Ada signed in before, she still can.
    assert _login(client, "ada", password, REMOTE_ADDR=OWNER).status_code == 302


def test_a_password_reset_lifts_the_locks_of_the_username(
    client, shopper, password, clock
):
    _botnet(client, "ada", 100)
    _fail(client, "ada", 5)
    assert _login(client, "ada", password).status_code == 429

    client.post(RESET_URL, {"email": shopper.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    new = "a-new-Passphrase-42"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.url == "/accounts/reset/done/"

    assert _login(client, "ada", new).status_code == 302
    client.post("/accounts/logout/")
    assert _login(client, "ada", new, REMOTE_ADDR=ELSEWHERE).status_code == 302


def test_failures_of_an_earlier_day_are_not_counted(client, shopper, password, clock):
    _fail(client, "ada", 4)
    clock.advance(24 * 60 * 60)
    _fail(client, "ada", 4)

    assert _login(client, "ada", password).status_code == 302


def test_signing_in_forgets_the_usernames_earlier_failures(
    client, shopper, password, clock
):
    _fail(client, "ada", 4)
    assert _login(client, "ada", password).status_code == 302
    client.post("/accounts/logout/")

    last = _fail(client, "ada", 4)[-1]

    assert last.status_code == 200
    assert _login(client, "ada", password).status_code == 302


def test_an_address_trying_many_usernames_is_locked_for_all_of_them(
    client, shopper, password, clock
):
    stuffing = "192.0.2.10"
    misses = [
        _login(client, f"user{n}", "wrong", REMOTE_ADDR=stuffing) for n in range(20)
    ]

    assert [r.status_code for r in misses] == [200] * 19 + [429]
    assert _login(client, "ada", password, REMOTE_ADDR=stuffing).status_code == 429
    # Ada herself, from her own address, is not affected.
    assert _login(client, "ada", password).status_code == 302


def test_successful_sign_ins_from_one_address_are_not_limited(
    client, db, password, clock
):
    users = [UserFactory(username=f"staff{n}") for n in range(25)]

    for user in users:
        assert _login(client, user.username, password).status_code == 302
        client.post("/accounts/logout/")


def test_a_form_missing_its_password_is_not_counted(client, shopper, password, clock):
    for _ in range(6):
        assert _login(client, "ada", "").status_code == 200

    assert _login(client, "ada", password).status_code == 302


def test_sign_in_still_works_when_the_cache_is_down(
    client, shopper, password, monkeypatch
):
    class DeadCache:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("Redis is down")

            return fail

    monkeypatch.setattr(throttle, "cache", DeadCache())
    monkeypatch.setattr(core_throttle, "cache", DeadCache())  # the counters

    assert _fail(client, "ada", 6)[-1].status_code == 200
    assert _login(client, "ada", password).status_code == 302


def test_every_throttle_key_expires(client, shopper, password, clock):
    _fail(client, "ada", 3)
    _login(client, "ada", password)  # forgets ada's count, gives back the address's
    _login(client, "ada", "")  # counted, then given back
    _fail(client, "bob", 6)  # locked

    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(store.scan_iter(f"*{settings.AUTH_THROTTLE_PREFIX}:*"))
    assert len(keys) >= 3
    assert all(store.ttl(key) > 0 for key in keys)


@pytest.mark.parametrize(
    ("remote_addr", "counted_as"),
    [
        ("198.51.100.9", "198.51.100.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.9", "198.51.100.9"),
        ("", ""),
    ],
)
def test_callers_are_counted_by_address_and_ipv6_hosts_by_their_64(
    rf, remote_addr, counted_as
):
    request = rf.get("/", REMOTE_ADDR=remote_addr)

    assert throttle.client_address(request) == counted_as


def test_the_forwarded_for_header_cannot_pick_the_counter(client, shopper, clock):
    misses = [
        _login(client, f"user{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        for n in range(20)
    ]

    assert misses[-1].status_code == 429


def test_the_admin_login_shares_the_lock_of_the_site_login(client, db, password, clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    _fail(client, "root", 5)

    response = client.post(
        "/admin/login/", {"username": "root", "password": password, "next": "/admin/"}
    )

    assert response.status_code == 200  # the admin's own view: the message, no 429
    assert WAIT_A_MINUTE in response.content.decode()
    assert not _signed_in(client)


def test_wrong_admin_passwords_count_towards_the_lock(client, db, password, clock):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})

    assert _login(client, "root", password).status_code == 429


def test_a_shopper_trying_the_admin_with_the_right_password_is_not_counted(
    client, db, password, clock
):
    UserFactory(username="ada")
    for _ in range(6):
        client.post("/admin/login/", {"username": "ada", "password": password})

    assert not _signed_in(client)
    assert _login(client, "ada", password).status_code == 302
    assert _signed_in(client)


# Parallel guesses ---------------------------------------------------------------------


@pytest.fixture
def slow_wrong_passwords(monkeypatch):
    """Every password check of the login form takes 0.2 s, as a real hash does, and
    fails; returns the usernames checked, one per check."""
    checked = []
    lock = threading.Lock()

    def authenticate(request=None, **credentials):
        with lock:
            checked.append(credentials["username"])
        time.sleep(0.2)

    monkeypatch.setattr(auth_forms, "authenticate", authenticate)
    return checked


def _login_form(rf, username, address):
    request = rf.post(LOGIN_URL, REMOTE_ADDR=address)
    return LoginForm(request, data={"username": username, "password": "wrong"})


def _throttled(forms):
    return [form for form in forms if form.has_error(NON_FIELD_ERRORS, "throttled")]


def test_parallel_wrong_passwords_for_one_username_from_one_address_get_five_checks(
    rf, clock, slow_wrong_passwords
):
    forms = [_login_form(rf, "ada", STRANGER) for _ in range(20)]

    outcomes = run_together([form.is_valid for form in forms])

    assert [(o.error, o.value) for o in outcomes] == [(None, False)] * 20
    checks = len(slow_wrong_passwords)
    assert checks <= 5, f"{checks} passwords checked in parallel"
    assert len(_throttled(forms)) >= 20 - checks
    assert not _login_form(rf, "ada", STRANGER).is_valid()
    assert len(slow_wrong_passwords) == checks  # locked: no check


@pytest.fixture
def slow_right_passwords(monkeypatch, shopper):
    """Every password check of the login form takes 0.2 s, as a real hash does, and
    finds the shopper's password right (the threads do not share the test's
    transaction, so the real check could not read the shopper)."""

    def authenticate(request=None, **credentials):
        time.sleep(0.2)
        return shopper

    monkeypatch.setattr(auth_forms, "authenticate", authenticate)


def test_ten_parallel_right_passwords_lock_nothing(rf, clock, slow_right_passwords):
    forms = [
        LoginForm(
            rf.post(LOGIN_URL, REMOTE_ADDR=OWNER),
            data={"username": "ada", "password": "right"},
        )
        for _ in range(10)
    ]

    outcomes = run_together([form.is_valid for form in forms])

    # The checks beyond the account's places waited for one: every sign-in passes.
    assert [(o.error, o.value) for o in outcomes] == [(None, True)] * 10
    for name, subject in [("login_pair", f"ada\n{OWNER}"), ("login_username", "ada")]:
        assert throttle.locked_for(throttle.limit_get(name), subject) == 0
    assert LoginForm(
        rf.post(LOGIN_URL, REMOTE_ADDR=OWNER),
        data={"username": "ada", "password": "right"},
    ).is_valid()


def _held(username, address, count):
    """`count` sign-in checks of `username` from `address` under way (their places
    taken), as entered context managers."""
    attempts = [
        throttle.login_attempt(username=username, address=address) for _ in range(count)
    ]
    for attempt in attempts:
        attempt.__enter__()
    return attempts


def test_a_check_with_no_place_waits_for_one(clock, monkeypatch):
    monkeypatch.setattr(throttle, "INFLIGHT_WAIT_SECONDS", 5.0)
    held = _held("ada", STRANGER, 5)  # every place of the pair taken
    timer = threading.Timer(0.3, held[0].__exit__, (None, None, None))
    timer.start()

    started = time.monotonic()
    with throttle.login_attempt(username="ada", address=STRANGER) as waiting:
        waited = time.monotonic() - started
        waiting.succeed()

    timer.join()
    assert 0.25 <= waited < 5, waited  # it got the place given back, not a refusal


def test_a_check_still_without_a_place_is_refused_for_a_moment(clock, monkeypatch):
    monkeypatch.setattr(throttle, "INFLIGHT_WAIT_SECONDS", 0.3)
    held = _held("ada", STRANGER, 5)

    with pytest.raises(AttemptsInFlight) as refused:
        throttle.login_attempt(username="ada", address=STRANGER).__enter__()

    assert refused.value.retry_after == 1
    limit = throttle.limit_get("login_pair")
    assert throttle.locked_for(limit, f"ada\n{STRANGER}") == 0  # counted as nothing
    held[0].__exit__(None, None, None)
    with throttle.login_attempt(username="ada", address=STRANGER) as attempt:
        attempt.fail()  # the place that came free: a check, not a refusal


def test_a_check_waiting_for_a_place_finds_the_lock_its_holder_set(clock, monkeypatch):
    """Four failures, then a fifth under way holds the one place left; another
    check waits for it. The fifth fails and locks: the waiting check gets the place
    given back, but no password check (it is the sixth)."""
    monkeypatch.setattr(throttle, "INFLIGHT_WAIT_SECONDS", 5.0)
    for _ in range(4):
        with throttle.login_attempt(username="ada", address=STRANGER) as attempt:
            attempt.fail()
    (fifth,) = _held("ada", STRANGER, 1)
    outcome = {}

    def wait_for_a_place():
        try:
            with throttle.login_attempt(username="ada", address=STRANGER):
                outcome["checked"] = True
        except TooManyAttempts as refused:
            outcome["refused"] = refused

    waiting = threading.Thread(target=wait_for_a_place)
    waiting.start()
    time.sleep(0.3)
    assert waiting.is_alive()  # waiting, not refused
    with pytest.raises(TooManyAttempts):
        fifth.fail()
    waiting.join(timeout=5)

    assert "checked" not in outcome
    assert type(outcome["refused"]) is TooManyAttempts  # the lock, not a moment
    assert outcome["refused"].retry_after == 60


def test_parallel_wrong_passwords_from_one_address_get_twenty_checks_at_most(
    rf, clock, slow_wrong_passwords
):
    forms = [_login_form(rf, f"user{n}", "192.0.2.10") for n in range(40)]

    outcomes = run_together([form.is_valid for form in forms])

    assert [(o.error, o.value) for o in outcomes] == [(None, False)] * 40
    checks = len(slow_wrong_passwords)
    assert checks <= 20, f"{checks} passwords checked in parallel"
    assert len(_throttled(forms)) >= 40 - checks


# Password reset ----------------------------------------------------------------------


def _reset(client, email, **extra):
    return client.post(RESET_URL, {"email": email}, **extra)


def test_password_reset_requests_are_limited_per_address(client, shopper, clock):
    responses = [_reset(client, f"who{n}@example.com") for n in range(10)]
    refused = _reset(client, "ada@example.com")

    assert [r.status_code for r in responses] == [302] * 10
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    message = "Too many password reset attempts. Please wait 60 minutes and try again."
    assert refused.context["form"].errors == {"__all__": [message]}
    assert message in refused.content.decode()
    assert mail.outbox == []
    # Another address may still ask.
    assert _reset(client, "ada@example.com", REMOTE_ADDR="198.51.100.9").url == (
        "/accounts/password_reset/done/"
    )
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("email", ["ada@example.com", "who@example.com"])
def test_password_reset_mails_one_address_three_times_an_hour_at_most(
    client, shopper, clock, email
):
    addresses = [f"198.51.100.{n}" for n in range(4)]
    statuses = [_reset(client, email, REMOTE_ADDR=a).status_code for a in addresses]

    # The same answers whether or not the address belongs to an account.
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == (3 if email == "ada@example.com" else 0)

    clock.advance(60 * 60)
    assert _reset(client, email).status_code == 302
