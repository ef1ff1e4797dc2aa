"""Signing up, logging in and out, and changing or resetting a password."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.models import ApiToken
from accounts.tokens import token_authenticate, token_issue
from payments.models import Wallet
from shop.models import CartItem, Product
from shop.tests.factories import PASSWORD, ProductFactory
from shop.tests.helpers import messages_of

pytestmark = pytest.mark.django_db

User = get_user_model()

SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
NEW_PASSWORD = "plum-orbit-lantern-42"


def _signup_data(**overrides):
    return {
        "username": "grace",
        "email": "grace@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


def _logged_in_user(client):
    return client.get("/").context["user"]


def _add_to_cart(client, product, quantity):
    response = client.post(
        reverse("shop:cart_add", kwargs={"slug": product.slug}),
        {"quantity": quantity},
        follow=True,
    )
    assert response.status_code == 200


def _cart(user):
    return dict(
        CartItem.objects.filter(cart__user=user).values_list("product_id", "quantity")
    )


# Sign-up -----------------------------------------------------------------------------


def test_signup_page_shows_the_form(client, db):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in page
    assert "Sign up" in page


def _confirm_link(message) -> str:
    """The path of the confirmation link in a sign-up e-mail."""
    return re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\S+)", message.body)[1]


def _sign_up_and_confirm(client, data=None, url=SIGNUP_URL):
    response = client.post(url, data or _signup_data())
    assert response.url == "/accounts/signup/done/"
    (message,) = mail.outbox
    link = _confirm_link(message)
    assert client.get(link).status_code == 200  # the button; nothing happens yet
    return client.post(link)


def test_signup_mails_a_link_and_the_account_opens_only_once_confirmed(client, db):
    response = client.post(SIGNUP_URL, _signup_data())

    assert response.status_code == 302
    assert response.url == "/accounts/signup/done/"
    user = User.objects.get(username="grace")
    assert not user.is_active
    assert not _logged_in_user(client).is_authenticated
    (message,) = mail.outbox
    assert message.to == ["grace@example.com"]
    assert message.subject == "Confirm your SmilePay account"
    refused = client.post(LOGIN_URL, {"username": "grace", "password": NEW_PASSWORD})
    assert refused.status_code == 200  # not yet

    link = _confirm_link(message)
    client.get(link)
    assert not User.objects.get(username="grace").is_active  # a visit does nothing
    confirmed = client.post(link)

    assert confirmed.url == "/"
    assert messages_of(confirmed) == ["Welcome to SmilePay, grace!"]
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    wallet = Wallet.objects.get(user=user)
    assert wallet.kind == Wallet.Kind.SHOPPER
    assert wallet.balance == 0
    assert _logged_in_user(client) == user
    # The link works once.
    again = Client().post(link)
    assert again.status_code == 400
    assert "This link does not work" in again.content.decode()


def test_signup_returns_to_the_page_the_visitor_came_from(client, db):
    response = _sign_up_and_confirm(client, url=f"{SIGNUP_URL}?next=/checkout/")

    assert response.status_code == 302
    assert response.url == "/checkout/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_signup_never_redirects_off_site(client, db, next_url):
    response = _sign_up_and_confirm(client, {**_signup_data(), "next": next_url})

    assert response.status_code == 302
    assert response.url == "/"


def test_signup_brings_the_visitors_cart_along(client, product):
    _add_to_cart(client, product, 2)

    _sign_up_and_confirm(client)

    user = User.objects.get(username="grace")
    assert _cart(user) == {product.pk: 2}
    assert "cart" not in client.session


@pytest.mark.parametrize("username", ["ada", "ADA", "Ada"])
def test_signup_refuses_a_taken_username(client, shopper, username):
    response = client.post(
        SIGNUP_URL, _signup_data(username=username, email="new@example.com")
    )

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1
    assert not _logged_in_user(client).is_authenticated
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.com"])
def test_signup_says_the_same_for_a_known_and_an_unknown_email(client, shopper, email):
    known = client.post(SIGNUP_URL, _signup_data(email=email))
    unknown = Client().post(
        SIGNUP_URL, _signup_data(username="bea", email="bea@example.com")
    )

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.url == "/accounts/signup/done/"
    assert not User.objects.filter(username="grace").exists()
    told, confirm = mail.outbox
    assert told.to == [shopper.email]  # the account's own address
    assert told.subject == "You already have a SmilePay account"
    assert '"ada"' in told.body and "/accounts/password_reset/" in told.body
    assert confirm.to == ["bea@example.com"]
    assert confirm.subject == "Confirm your SmilePay account"


def test_someone_elses_address_typed_first_cannot_keep_it(client, db):
    client.post(SIGNUP_URL, _signup_data(username="squatter", email="eve@example.com"))
    mail.outbox.clear()

    # The address's owner signs up in turn: the unconfirmed account becomes hers.
    response = _sign_up_and_confirm(
        Client(), _signup_data(username="eve", email="eve@example.com")
    )

    assert response.url == "/"
    assert list(User.objects.values_list("username", "is_active")) == [("eve", True)]


def test_sign_ups_are_throttled_per_address(client, db):
    answers = [
        client.post(
            SIGNUP_URL, _signup_data(username=f"u{n}", email=f"u{n}@example.com")
        ).status_code
        for n in range(11)
    ]

    assert answers == [302] * 10 + [429]
    assert len(mail.outbox) == 10
    other = Client().post(
        SIGNUP_URL,
        _signup_data(username="z", email="z@example.com"),
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password2"),
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"username": ""}, "username"),
        ({"username": "no spaces!"}, "username"),
    ],
)
def test_signup_with_bad_data_shows_errors_and_creates_nobody(
    client, db, overrides, field
):
    response = client.post(SIGNUP_URL, _signup_data(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()
    assert not Wallet.objects.filter(kind=Wallet.Kind.SHOPPER).exists()


def test_signed_in_user_visiting_signup_goes_home(client, shopper):
    client.force_login(shopper)

    assert client.get(SIGNUP_URL).url == "/"
    response = client.post(SIGNUP_URL, _signup_data())
    assert response.url == "/"
    assert not User.objects.filter(username="grace").exists()


INVALID_LOGIN = "Please enter a correct username and password."
UNCONFIRMED = "This account is not confirmed yet."


def test_an_unconfirmed_account_with_its_password_is_told_to_confirm_and_mailed_again(
    client, db
):
    client.post(SIGNUP_URL, _signup_data())
    mail.outbox.clear()

    answers = [
        client.post(LOGIN_URL, {"username": "grace", "password": NEW_PASSWORD})
        for _ in range(8)
    ]

    # Always the same words, never a wait: the right password is no failure.
    assert [answer.status_code for answer in answers] == [200] * 8
    assert all(UNCONFIRMED in answer.content.decode() for answer in answers)
    assert not _logged_in_user(client).is_authenticated
    # Mailed again as often as sign-ups are (the sign-up itself was the first).
    resent = throttle.limit_get("signup_email").count - 1
    assert [message.to for message in mail.outbox] == [["grace@example.com"]] * resent
    confirmed = client.post(_confirm_link(mail.outbox[-1]))
    assert confirmed.url == "/"
    assert _logged_in_user(client).username == "grace"


def test_a_wrong_password_for_an_unconfirmed_account_gets_the_usual_error(client, db):
    client.post(SIGNUP_URL, _signup_data())
    mail.outbox.clear()

    response = client.post(LOGIN_URL, {"username": "grace", "password": "wrong"})

    page = response.content.decode()
    assert INVALID_LOGIN in page and UNCONFIRMED not in page
    assert mail.outbox == []


def test_an_account_closed_after_use_is_offered_no_confirmation(client, shopper):
    User.objects.filter(pk=shopper.pk).update(
        is_active=False, last_login=timezone.now()
    )

    response = client.post(LOGIN_URL, {"username": "ada", "password": PASSWORD})

    page = response.content.decode()
    assert INVALID_LOGIN in page and UNCONFIRMED not in page
    assert mail.outbox == []


# Log in and out ----------------------------------------------------------------------


def test_login_page_has_username_and_password_fields(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'name="username"' in page
    assert 'type="password"' in page
    assert reverse("password_reset") in page
    assert SIGNUP_URL in page


def test_login_with_the_right_password_logs_in(client, shopper, password):
    response = client.post(LOGIN_URL, {"username": "ada", "password": password})

    assert response.status_code == 302
    assert response.url == "/"
    assert _logged_in_user(client) == shopper


def test_login_follows_a_safe_next_only(client, shopper, password):
    good = client.post(
        LOGIN_URL, {"username": "ada", "password": password, "next": "/wallet/"}
    )
    client.post(LOGOUT_URL)
    evil = client.post(
        LOGIN_URL,
        {"username": "ada", "password": password, "next": "https://evil.example/"},
    )

    assert good.url == "/wallet/"
    assert evil.url == "/"


@pytest.mark.parametrize(
    ("username", "given"),
    [("ada", "wrong"), ("ada", ""), ("nobody", PASSWORD)],
)
def test_login_with_bad_credentials_shows_an_error(client, shopper, username, given):
    response = client.post(LOGIN_URL, {"username": username, "password": given})

    assert response.status_code == 200
    assert not _logged_in_user(client).is_authenticated
    assert response.context["form"].errors


def test_login_merges_the_visitors_cart_into_the_users_cart(
    client, shopper, product, password
):
    other = ProductFactory(title="Rice Bowl", stock=10)
    _add_to_cart(client, product, 2)
    _add_to_cart(client, other, 1)

    response = client.post(
        LOGIN_URL, {"username": "ada", "password": password}, follow=True
    )

    assert response.status_code == 200
    assert _cart(shopper) == {product.pk: 2, other.pk: 1}
    assert "cart" not in client.session
    assert response.context["cart_count"] == 3


def test_login_adds_the_visitors_cart_to_what_the_user_already_had(
    client, shopper, product, password
):
    client.force_login(shopper)
    _add_to_cart(client, product, 1)
    client.post(LOGOUT_URL)
    _add_to_cart(client, product, 2)

    client.post(LOGIN_URL, {"username": "ada", "password": password})

    assert _cart(shopper) == {product.pk: 3}


def test_login_caps_the_merged_cart_at_the_stock_with_a_warning(
    client, shopper, product, password
):
    client.force_login(shopper)
    _add_to_cart(client, product, 3)
    client.post(LOGOUT_URL)
    _add_to_cart(client, product, 4)

    response = client.post(
        LOGIN_URL, {"username": "ada", "password": password}, follow=True
    )

    assert _cart(shopper) == {product.pk: 5}
    assert "Only 5 of “Tea Mug” left in stock." in response.content.decode()


def test_login_drops_visitor_cart_lines_for_products_gone_from_sale(
    client, shopper, product, password
):
    _add_to_cart(client, product, 2)
    Product.objects.filter(pk=product.pk).update(active=False)

    response = client.post(LOGIN_URL, {"username": "ada", "password": password})

    assert response.status_code == 302
    assert _cart(shopper) == {}


def test_login_with_a_sold_out_product_in_the_visitor_cart_warns(
    client, shopper, product, password
):
    _add_to_cart(client, product, 2)
    Product.objects.filter(pk=product.pk).update(stock=0)

    response = client.post(
        LOGIN_URL, {"username": "ada", "password": password}, follow=True
    )

    assert response.status_code == 200
    assert _cart(shopper) == {}
    assert "“Tea Mug” is sold out." in response.content.decode()


def test_logout_by_post_logs_out(client, shopper):
    client.force_login(shopper)

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response.url == "/"
    assert not _logged_in_user(client).is_authenticated


def test_logout_by_get_is_refused_and_keeps_the_session(client, shopper):
    client.force_login(shopper)

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert _logged_in_user(client) == shopper


def test_header_offers_logout_as_a_form_not_a_link(client, shopper):
    client.force_login(shopper)

    page = client.get("/").content.decode()

    assert f'<form action="{LOGOUT_URL}" method="post"' in page


# Passwords ---------------------------------------------------------------------------


def test_password_change_requires_login(client, db):
    response = client.get("/accounts/password_change/")

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next=/accounts/password_change/"


def test_password_change_sets_the_new_password_and_keeps_me_logged_in(
    client, shopper, password
):
    client.force_login(shopper)
    assert client.get("/accounts/password_change/").status_code == 200

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == "/accounts/password_change/done/"
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)
    assert _logged_in_user(client) == shopper
    assert client.get(response.url).status_code == 200


def test_password_change_with_the_wrong_old_password_changes_nothing(
    client, shopper, password
):
    client.force_login(shopper)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    shopper.refresh_from_db()
    assert shopper.check_password(password)


def test_password_change_after_five_wrong_old_passwords_is_locked(
    client, shopper, password
):
    client.force_login(shopper)

    def change(old):
        return client.post(
            "/accounts/password_change/",
            {
                "old_password": old,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

    for _ in range(5):
        change("not-my-password")
    response = change(password)

    assert response.status_code == 200
    assert "Too many sign-in attempts" in str(response.context["form"].errors)
    shopper.refresh_from_db()
    assert shopper.check_password(password)
    # A signed-in session's failures are counted apart: the login page still works.
    client.logout()
    signed_in = client.post(
        "/accounts/login/", {"username": shopper.username, "password": password}
    )
    assert signed_in.status_code == 302


def test_password_reset_emails_a_link_that_sets_a_new_password(
    client, shopper, mailoutbox
):
    assert client.get("/accounts/password_reset/").status_code == 200

    response = client.post("/accounts/password_reset/", {"email": "ada@example.com"})

    assert response.status_code == 302
    assert response.url == "/accounts/password_reset/done/"
    assert client.get(response.url).status_code == 200
    assert mailoutbox is mail.outbox
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ada@example.com"]
    link = re.search(r"https?://testserver(/accounts/reset/\S+/\S+/)", email.body)
    assert link, email.body

    # The emailed link swaps its token for a session and shows the form.
    form_url = client.get(link.group(1)).url
    form_page = client.get(form_url)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    done = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302
    assert done.url == "/accounts/reset/done/"
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)
    login = client.post(LOGIN_URL, {"username": "ada", "password": NEW_PASSWORD})
    assert login.url == "/"
    # The link works once.
    client.post(LOGOUT_URL)
    reused = client.get(link.group(1), follow=True)
    assert reused.context["validlink"] is False
    assert "This reset link is invalid" in reused.content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(
    client, shopper
):
    response = client.post("/accounts/password_reset/", {"email": "who@example.com"})

    assert response.status_code == 302
    assert response.url == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_password_reset_with_a_forged_link_is_refused(client, shopper):
    response = client.get("/accounts/reset/MQ/forged-token/", follow=True)

    assert response.status_code == 200
    assert response.context["validlink"] is False


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "You're receiving this email because you requested a password reset"),
        (
            "fr",
            "Vous recevez ce message en réponse à votre demande de réinitialisation",
        ),
    ],
)
def test_the_password_reset_mail_speaks_the_shoppers_language(
    client, shopper, language, words
):
    client.post(
        reverse("password_reset"),
        {"email": shopper.email},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert len(mail.outbox) == 1
    assert words in mail.outbox[0].body


# The account page: API tokens and signing out everywhere -------------------------


def test_the_account_page_lists_only_the_users_live_tokens(
    client, shopper, other_shopper, password
):
    live, _ = token_issue(user=shopper, name="my-script")
    revoked, _ = token_issue(user=shopper, name="revoked")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, _ = token_issue(user=shopper, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    theirs, _ = token_issue(user=other_shopper, name="theirs")
    client.force_login(shopper)

    page = client.get("/accounts/").content.decode()

    assert page.count('data-testid="api-token"') == 1
    assert f"{live.prefix}…" in page and "my-script" in page
    for hidden in (revoked, expired, theirs):
        assert f"{hidden.prefix}…" not in page


def test_revoking_a_token_on_the_account_page_ends_it_and_only_ones_own(
    client, shopper, other_shopper
):
    mine, my_key = token_issue(user=shopper)
    theirs, their_key = token_issue(user=other_shopper)
    client.force_login(shopper)

    response = client.post(f"/accounts/tokens/{theirs.pk}/revoke/", follow=True)
    assert "That token had already ended." in messages_of(response)
    assert token_authenticate(their_key) is not None

    response = client.post(f"/accounts/tokens/{mine.pk}/revoke/", follow=True)
    assert "The token was revoked." in messages_of(response)
    assert token_authenticate(my_key) is None
    assert client.get(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 405


def test_sign_out_everywhere_ends_the_other_sessions_and_every_token(
    client, shopper, other_shopper
):
    _, key = token_issue(user=shopper)
    _, their_key = token_issue(user=other_shopper)
    elsewhere, theirs = Client(), Client()
    elsewhere.force_login(shopper)
    theirs.force_login(other_shopper)
    client.force_login(shopper)

    response = client.post("/accounts/sign-out-everywhere/", follow=True)

    assert "You were signed out everywhere else" in messages_of(response)[0]
    assert client.get("/accounts/").status_code == 200  # this browser stays
    assert elsewhere.get("/accounts/").status_code == 302  # to the login page
    assert theirs.get("/accounts/").status_code == 200
    assert token_authenticate(key) is None
    assert token_authenticate(their_key) is not None


def test_the_account_pages_need_a_signed_in_user(client, shopper):
    token, _ = token_issue(user=shopper)
    for method, url in [
        ("get", "/accounts/"),
        ("post", f"/accounts/tokens/{token.pk}/revoke/"),
        ("post", "/accounts/sign-out-everywhere/"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
