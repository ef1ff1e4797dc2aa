"""Sign-ups never confirmed are purged once every link they were sent has expired
(accounts.signup.signups_purge, daily): their usernames are free again."""

import logging
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import PendingSignup
from accounts.tasks import purge_stale_signups
from payments.models import Wallet
from payments.services import wallet_topup

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
