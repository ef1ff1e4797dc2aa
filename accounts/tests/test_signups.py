"""Sign-ups never confirmed are purged once every link they were sent has expired
(accounts.signup.signups_purge, daily): their usernames are free again."""

import logging
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import signup
from accounts.models import PendingSignup
from accounts.signals import signup_expired
from accounts.tasks import purge_stale_signups
from payments.models import Wallet
from payments.services import wallet_topup
from shop.tests.concurrency import (
    JOIN_TIMEOUT,
    run_together,
    wait_for_a_blocked_query,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

PASSWORD = "plum-orbit-lantern-42"
LINK_LIFE = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def _sign_up(username="grace", email="grace@example.com"):
    response = Client().post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content
    return User.objects.get(username=username)


def _link_sent(user, *, ago: timedelta):
    PendingSignup.objects.filter(user=user).update(link_sent_at=timezone.now() - ago)


def test_a_sign_up_never_confirmed_is_purged_once_its_links_expired(db):
    grace = _sign_up()
    _link_sent(grace, ago=LINK_LIFE + timedelta(seconds=1))

    assert purge_stale_signups.apply().get() == 1

    assert not User.objects.filter(pk=grace.pk).exists()
    assert not Wallet.objects.filter(user_id=grace.pk).exists()
    assert not PendingSignup.objects.exists()
    # The username is free again, for anyone.
    other = _sign_up(email="another.grace@example.com")
    assert other.pk != grace.pk
    assert purge_stale_signups.apply().get() == 0  # a fresh sign-up is kept


def test_a_sign_up_is_kept_while_its_link_works(db):
    grace = _sign_up()
    _link_sent(grace, ago=LINK_LIFE - timedelta(minutes=1))

    assert purge_stale_signups.apply().get() == 0
    assert User.objects.filter(pk=grace.pk).exists()


def test_a_reminder_gives_a_sign_up_its_time_again(db):
    grace = _sign_up()
    _link_sent(grace, ago=LINK_LIFE + timedelta(seconds=1))
    mail.outbox.clear()

    # Its right password at the login form mails a new link.
    Client().post("/accounts/login/", {"username": "grace", "password": PASSWORD})

    assert len(mail.outbox) == 1
    assert purge_stale_signups.apply().get() == 0
    assert User.objects.filter(pk=grace.pk).exists()


def test_confirmed_accounts_and_accounts_made_otherwise_are_never_purged(db):
    grace = _sign_up()
    link = re.search(r"/accounts/signup/confirm/\S+", mail.outbox[0].body)[0]
    assert Client().post(link).status_code == 302  # confirmed
    # An inactive account an admin made and nobody used: not a sign-up of ours.
    User.objects.create_user("bea", "bea@example.com", PASSWORD, is_active=False)
    User.objects.update(date_joined=timezone.now() - LINK_LIFE * 10)

    assert not PendingSignup.objects.exists()
    assert purge_stale_signups.apply().get() == 0
    assert set(User.objects.values_list("username", flat=True)) == {"grace", "bea"}
    assert User.objects.get(pk=grace.pk).is_active


def test_a_sign_up_an_admin_opened_is_no_sign_up_any_more(db):
    grace = _sign_up()
    User.objects.filter(pk=grace.pk).update(is_active=True)
    _link_sent(grace, ago=LINK_LIFE + timedelta(seconds=1))

    assert purge_stale_signups.apply().get() == 0

    assert User.objects.get(pk=grace.pk).is_active
    assert not PendingSignup.objects.exists()


def test_a_stale_sign_up_whose_wallet_holds_money_is_kept(db, caplog):
    grace = _sign_up()
    wallet_topup(user=grace, amount=Decimal("10.00"), memo="by an admin")
    _link_sent(grace, ago=LINK_LIFE + timedelta(seconds=1))

    with caplog.at_level(logging.WARNING, logger="accounts.signup"):
        assert purge_stale_signups.apply().get() == 0

    assert Wallet.objects.get(user=grace).balance == Decimal("10.00")
    assert f"User #{grace.pk}: unconfirmed, kept" in caplog.text
    # Not tried again every day.
    assert not PendingSignup.objects.exists()
    assert purge_stale_signups.apply().get() == 0


@pytest.mark.parametrize(
    "task",
    ["accounts.tasks.purge_stale_signups", "accounts.tasks.clear_expired_sessions"],
)
def test_beat_runs_the_accounts_housekeeping_daily(task):
    from config.celery import app

    schedules = [
        entry["schedule"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == task
    ]
    assert schedules == [24 * 60 * 60.0]
    assert task in app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["purge", "reminder"])
def test_a_reminder_racing_the_purge_leaves_one_story(monkeypatch, first):
    """The purge and a reminder for the same stale sign-up, the second coming while
    the first holds its locks: no error and no deadlock; either the account is gone
    with everything it had and nobody was mailed, or it stays with a fresh link,
    mailed."""
    grace = _sign_up()
    _link_sent(grace, ago=LINK_LIFE + timedelta(seconds=1))
    mail.outbox.clear()
    holding = threading.Event()

    def held(real):
        # `real`, then the transaction keeps its locks until the rival waits.
        def run(*args, **kwargs):
            result = real(*args, **kwargs)
            holding.set()
            wait_for_a_blocked_query()
            return result

        return run

    def once_held(call):
        def run():
            assert holding.wait(JOIN_TIMEOUT)
            return call()

        return run

    def purge():
        return signup.signups_purge()

    def remind():
        return signup.signup_remind(user=grace, site_url="http://testserver")

    if first == "purge":  # holds the account's lock, about to delete it
        hold = held(lambda **kwargs: None)
        signup_expired.connect(hold, weak=False, dispatch_uid="test.hold")
        calls = [purge, once_held(remind)]
    else:  # has renewed the link, not yet committed
        monkeypatch.setattr(signup, "_link_sent", held(signup._link_sent))
        calls = [once_held(purge), remind]
    try:
        purged, reminded = run_together(calls)
    finally:
        signup_expired.disconnect(dispatch_uid="test.hold")

    assert purged.ok and reminded.ok, (purged.error, reminded.error)
    if first == "purge":
        assert purged.value == 1
        assert not User.objects.filter(pk=grace.pk).exists()
        assert not PendingSignup.objects.exists()
        assert not Wallet.objects.filter(user_id=grace.pk).exists()
        assert mail.outbox == []
    else:
        assert purged.value == 0
        assert User.objects.filter(pk=grace.pk).exists()
        sent = PendingSignup.objects.get(user=grace).link_sent_at
        assert sent > timezone.now() - timedelta(minutes=1)
        assert len(mail.outbox) == 1
