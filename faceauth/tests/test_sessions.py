"""Whether the session a face check streams through is still signed in."""

import pytest
from django.conf import settings
from django.test import Client

from faceauth.services.sessions import session_signed_in

pytestmark = pytest.mark.django_db


def _signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies[settings.SESSION_COOKIE_NAME].value


def test_session_signed_in_until_the_shopper_signs_out(shopper):
    client, session_key = _signed_in(shopper)
    assert session_signed_in(session_key=session_key, user_id=shopper.pk)

    client.logout()

    assert not session_signed_in(session_key=session_key, user_id=shopper.pk)


def test_session_signed_in_ends_with_a_password_change_elsewhere(shopper):
    _, session_key = _signed_in(shopper)

    shopper.set_password("changed in another browser")
    shopper.save()

    assert not session_signed_in(session_key=session_key, user_id=shopper.pk)


def test_session_signed_in_is_false_for_someone_elses_session(shopper, other_shopper):
    _, session_key = _signed_in(other_shopper)

    assert not session_signed_in(session_key=session_key, user_id=shopper.pk)
    assert not session_signed_in(session_key="", user_id=shopper.pk)
    assert not session_signed_in(session_key="no-such-session", user_id=shopper.pk)


def test_session_signed_in_is_false_for_a_deactivated_user(shopper):
    _, session_key = _signed_in(shopper)

    shopper.is_active = False
    shopper.save()

    assert not session_signed_in(session_key=session_key, user_id=shopper.pk)
