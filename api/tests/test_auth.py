from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import throttle
from accounts.models import ApiToken
from shop.tests.factories import PASSWORD

from .conftest import client_for


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, frozen at the start of a window; `clock[0] += s`."""
    now = [1.8e9]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


def _token(client, username, password, **extra):
    return client.post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        **extra,
    )


def _signed_in_with(key):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_username_and_password_give_a_token_that_expires(api, shopper, settings):
    response = _token(api(), "ada", PASSWORD, HTTP_USER_AGENT="my-script/1.0")

    assert response.status_code == 200
    body = response.json()
    (token,) = ApiToken.objects.filter(user=shopper)
    assert body["token"].startswith(token.prefix)
    assert token.name == "my-script/1.0"
    days = (token.expires_at - token.created_at).total_seconds() / 86400
    assert round(days) == settings.API_TOKEN_DAYS == 30
    assert body["expires_at"].startswith(token.expires_at.date().isoformat())
    # Only the key's digest is stored.
    assert body["token"] not in {token.digest, token.prefix}
    # Asking again gives another token; both work.
    again = _token(api(), "ada", PASSWORD).json()["token"]
    assert again != body["token"]
    for key in (body["token"], again):
        assert _signed_in_with(key).get("/api/cart/").status_code == 200


def test_an_expired_token_answers_401(api, shopper):
    key = _token(api(), "ada", PASSWORD).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _signed_in_with(key).get("/api/cart/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_old_token_answers_401_after_a_password_change(client, api, shopper):
    key = _token(api(), "ada", PASSWORD).json()["token"]
    client.force_login(shopper)
    new = "Another-long-Passphrase-7"
    client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert _signed_in_with(key).get("/api/cart/").status_code == 401
    fresh = _token(api(), "ada", new).json()["token"]
    assert _signed_in_with(fresh).get("/api/cart/").status_code == 200


def test_an_old_token_answers_401_after_a_password_reset(client, api, shopper):
    key = _token(api(), "ada", PASSWORD).json()["token"]
    client.post("/accounts/password_reset/", {"email": shopper.email})
    link = mail.outbox[0].body.split("/accounts/reset/", 1)[1].split()[0]
    form = client.get(f"/accounts/reset/{link}", follow=True)
    new = "Another-long-Passphrase-7"
    client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )

    assert _signed_in_with(key).get("/api/cart/").status_code == 401


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "ada", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_give_no_token(api, shopper, credentials):
    response = api().post("/api/auth/token/", credentials, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to sign in with that username and password.",
        "code": "invalid",
        "fields": {
            "non_field_errors": ["Unable to sign in with that username and password."]
        },
    }
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(api, shopper):
    shopper.is_active = False
    shopper.save()

    response = api().post(
        "/api/auth/token/", {"username": "ada", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_the_token_signs_requests_in(api, funded_shopper):
    key = _token(api(), "ada", PASSWORD).json()["token"]

    assert _signed_in_with(key).get("/api/wallet/").json()["balance"] == "1000.00"


def test_a_revoked_token_no_longer_works_and_the_others_still_do(api, shopper):
    other = _token(api(), "ada", PASSWORD).json()["token"]
    client = api(shopper)

    assert client.delete("/api/auth/token/").status_code == 204

    response = client.get("/api/wallet/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid token: it was revoked, has expired, or never existed.",
        "code": "authentication_failed",
    }
    assert _signed_in_with(other).get("/api/cart/").status_code == 200


def test_an_unknown_token_is_refused_even_on_public_endpoints(api, product):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/products/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_callers_are_told_to_authenticate(api):
    response = api().get("/api/cart/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Token"


# --- sessions and CSRF ---------------------------------------------------------------


@pytest.fixture
def session_client(shopper, product):
    """The shopper's browser: signed in on the site, CSRF checks enforced."""
    client = client_for(shopper, session=True, csrf=True)
    client.get("/accounts/login/")  # sets the CSRF cookie, as any page would
    return client


def test_a_signed_in_browser_reads_without_a_csrf_token(session_client):
    assert session_client.get("/api/cart/").status_code == 200


def test_a_signed_in_browser_must_send_the_csrf_token_to_change_things(
    session_client,
):
    response = session_client.post(
        "/api/cart/items/", {"product": "tea-mug"}, format="json"
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["detail"].startswith("CSRF Failed")


def test_a_signed_in_browser_with_the_csrf_token_may_change_things(session_client):
    token = session_client.cookies["csrftoken"].value

    response = session_client.post(
        "/api/cart/items/",
        {"product": "tea-mug"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_token_callers_need_no_csrf_token(shopper, product):
    client = client_for(shopper, csrf=True)

    response = client.post("/api/cart/items/", {"product": "tea-mug"}, format="json")

    assert response.status_code == 200


# --- throttling (accounts/throttle.py) -----------------------------------------------

TOKEN_URL = "/api/auth/token/"


def _locked(response, seconds=60):
    assert response.status_code == 429
    assert response.json() == {
        "detail": f"Too many sign-in attempts. Expected available in {seconds} seconds.",
        "code": "throttled",
    }
    assert response["Retry-After"] == str(seconds)
    return True


def test_five_wrong_passwords_make_the_username_wait_at_the_token_endpoint(
    api, shopper, clock
):
    misses = [_token(api(), "ada", "wrong") for _ in range(5)]

    assert [r.status_code for r in misses[:4]] == [400] * 4
    assert _locked(misses[4])
    assert _locked(_token(api(), "ada", PASSWORD))
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "fr",
            "Trop de tentatives de connexion. Disponible à nouveau dans 60 secondes.",
        ),
        ("zh-hans", "登录尝试次数过多。 预计 60 秒后可用。"),
    ],
)
def test_the_lock_out_is_told_in_the_callers_language(
    api, shopper, clock, language, detail
):
    for _ in range(5):
        _token(api(), "ada", "wrong")

    response = _token(api(), "ada", PASSWORD, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 429
    assert response.json() == {"detail": detail, "code": "throttled"}
    assert response["Retry-After"] == "60"


def test_a_locked_username_that_does_not_exist_looks_the_same(api, shopper, clock):
    for _ in range(5):
        _token(api(), "nobody", "wrong")

    assert _locked(_token(api(), "nobody", "wrong"))


def test_a_locked_username_leaves_other_users_alone(api, shopper, other_shopper, clock):
    for _ in range(5):
        _token(api(), "ada", "wrong")

    response = _token(api(), "bob", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"].startswith(
        ApiToken.objects.get(user=other_shopper).prefix
    )


def test_the_token_endpoint_wait_ends_after_a_minute(api, shopper, clock):
    for _ in range(5):
        _token(api(), "ada", "wrong")
    clock[0] += 60 - 1
    assert _token(api(), "ada", PASSWORD).status_code == 429

    clock[0] += 1

    assert _token(api(), "ada", PASSWORD).status_code == 200


def test_the_token_endpoint_and_the_login_form_share_one_count(
    api, client, shopper, clock
):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    _token(api(), "ada", "wrong")

    assert _locked(_token(api(), "ada", "wrong"))
    form = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert form.status_code == 429


def test_an_address_trying_many_usernames_is_locked_out_of_the_token_endpoint(
    api, shopper, clock
):
    stuffing = {"REMOTE_ADDR": "192.0.2.10"}
    misses = [_token(api(), f"user{n}", "wrong", **stuffing) for n in range(20)]

    assert [r.status_code for r in misses[:19]] == [400] * 19
    assert _locked(misses[19], 900)
    assert _locked(_token(api(), "ada", PASSWORD, **stuffing), 900)
    assert _token(api(), "ada", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"username": "ada"}, {"username": "ada", "password": ""}, ["ada", "wrong"]],
)
def test_malformed_token_requests_are_not_counted(api, shopper, clock, body):
    for _ in range(6):
        assert api().post(TOKEN_URL, body, format="json").status_code == 400

    assert _token(api(), "ada", PASSWORD).status_code == 200
