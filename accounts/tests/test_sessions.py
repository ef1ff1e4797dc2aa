"""The shop's sessions know their user (accounts/sessions.py): sign-in, password
change and sign-out keep that right, "sign out everywhere" finds a user's sessions
by it, expired sessions are cleared, and the sessions of Django's own table are
carried over."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.sessions import SessionStore, UserSession
from accounts.tasks import clear_expired_sessions
from accounts.tokens import sign_out_everywhere

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def _row(client) -> UserSession:
    return UserSession.objects.get(session_key=client.session.session_key)


def test_a_sign_in_records_its_user_and_a_visitor_has_none(
    client, shopper, product, password
):
    client.post(f"/cart/add/{product.slug}/", {"quantity": 1})
    visitor_key = client.session.session_key
    assert UserSession.objects.get(session_key=visitor_key).user_id is None

    client.post(LOGIN_URL, {"username": "ada", "password": "pass-1234-word"})
    assert _row(client).user_id is None  # a wrong password changes nothing
    client.post(LOGIN_URL, {"username": "ada", "password": password})

    # Django gives a sign-in a new key; the visitor's row is gone with the old one.
    assert client.session.session_key != visitor_key
    assert _row(client).user_id == shopper.pk
    assert not UserSession.objects.filter(session_key=visitor_key).exists()


def test_a_password_change_keeps_the_user_on_the_new_key(client, shopper, password):
    client.force_login(shopper)
    before = client.session.session_key

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": "quartz-meadow-91",
            "new_password2": "quartz-meadow-91",
        },
    )

    assert response.status_code == 302
    assert client.session.session_key != before
    assert _row(client).user_id == shopper.pk
    assert not UserSession.objects.filter(session_key=before).exists()


def test_signing_out_deletes_the_session(client, shopper):
    client.force_login(shopper)
    key = client.session.session_key

    client.post("/accounts/logout/")

    assert not UserSession.objects.filter(session_key=key, user_id=shopper.pk).exists()


def test_sign_out_everywhere_reads_only_the_users_own_sessions(
    shopper, other_shopper, django_assert_max_num_queries
):
    here, elsewhere, theirs = Client(), Client(), Client()
    for client, user in [
        (here, shopper),
        (elsewhere, shopper),
        (theirs, other_shopper),
    ]:
        client.force_login(user)
    for _ in range(50):  # other people's sessions: never read, never touched
        Client().force_login(other_shopper)
    others = UserSession.objects.exclude(user_id=shopper.pk).count()

    # One delete of the user's other sessions, one update of their tokens: the
    # number of other people's sessions does not matter.
    with django_assert_max_num_queries(3):
        ended = sign_out_everywhere(
            user=shopper, keep_session_key=here.session.session_key
        )

    assert ended == 1
    assert UserSession.objects.exclude(user_id=shopper.pk).count() == others
    assert list(
        UserSession.objects.filter(user_id=shopper.pk).values_list(
            "session_key", flat=True
        )
    ) == [here.session.session_key]
    assert elsewhere.get("/accounts/").status_code == 302
    assert theirs.get("/accounts/").status_code == 200


def test_expired_sessions_are_cleared_and_live_ones_kept(shopper):
    live, expired = SessionStore(), SessionStore()
    for store in (live, expired):
        store["note"] = "kept?"
        store.create()
    UserSession.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert clear_expired_sessions.apply().get() == 1
    assert clear_expired_sessions.apply().get() == 0

    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        live.session_key
    ]


def test_the_sessions_of_djangos_table_are_carried_over(shopper):
    migration = importlib.import_module("accounts.migrations.0002_user_session")
    signed_in = DjangoStore()
    signed_in.update({"_auth_user_id": str(shopper.pk), "cart": {"7": 2}})
    signed_in.create()
    visitor = DjangoStore()
    visitor["cart"] = {"3": 1}
    visitor.create()
    expired = DjangoStore()
    expired["_auth_user_id"] = str(shopper.pk)
    expired.create()
    DjangoSession.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    DjangoSession.objects.create(
        session_key="garbled0000000000000000000000000",
        session_data="not signed data",
        expire_date=timezone.now() + timedelta(days=1),
    )

    migration.copy_sessions(apps, SimpleNamespace(connection=connection))

    copied = dict(UserSession.objects.values_list("session_key", "user_id"))
    assert copied == {
        signed_in.session_key: shopper.pk,
        visitor.session_key: None,
        "garbled0000000000000000000000000": None,
    }
    # The new engine reads what the old one wrote: nobody is signed out.
    assert SessionStore(signed_in.session_key).load() == {
        "_auth_user_id": str(shopper.pk),
        "cart": {"7": 2},
    }
    assert SessionStore(visitor.session_key).load() == {"cart": {"3": 1}}
