"""A shopper's account in Chromium against the real server: signing up through the
e-mailed link, and ending API tokens and other sessions from the account page."""

import json
import re
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from ops.processes import wait_until
from shop.tests.factories import PASSWORD, UserFactory

from .steps import log_in

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "correct-horse-battery-staple"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/signup/confirm/\S+")


def sign_up(page, *, username: str, email: str, shot=None):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    if shot:
        shot(page, "signup")
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/done/$"))


def api(base_url: str, method: str, path: str, *, key=None, body=None):
    """(status, JSON answer) of one API call, as a program would make it."""
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", "User-Agent": "e2e-script"},
    )
    if key:
        request.add_header("Authorization", f"Token {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as answer:
        return answer.code, json.loads(answer.read() or b"null")


def test_a_new_shopper_signs_up_confirms_through_the_email_and_is_signed_in(
    new_page, screenshot, mailbox
):
    page = new_page()
    sign_up(page, username="grace", email="grace@example.com", shot=screenshot)
    screenshot(page, "check-your-email")
    done = page.get_by_role("main").inner_text()
    assert User.objects.get(username="grace").is_active is False

    # Until the link is followed the account does not open; its password gets
    # the link mailed again.
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("This account is not confirmed yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    screenshot(page, "not-confirmed-yet")

    signed_up, reminder = wait_until(
        lambda: mailbox("grace@example.com")[1:] and mailbox("grace@example.com"),
        timeout=10,
        what="the sign-up e-mail and its reminder",
    )
    link = CONFIRM_LINK.search(reminder.get_content()).group(0)
    assert CONFIRM_LINK.search(signed_up.get_content()) is not None
    page.goto(link)
    screenshot(page, "confirm")
    # Opening the link (as a mail scanner does) confirms nothing; the button does.
    assert User.objects.get(username="grace").is_active is False
    page.get_by_role("button", name="Confirm my account").click()
    expect(page.get_by_text("Welcome to SmilePay, grace!")).to_be_visible()
    expect(page.get_by_role("link", name="grace", exact=True)).to_be_visible()
    assert User.objects.get(username="grace").is_active is True
    screenshot(page, "welcome")

    # The link works once.
    again = new_page()
    again.goto(link)
    expect(again.get_by_text("This link does not work")).to_be_visible()
    expect(again.get_by_role("button", name="Confirm my account")).to_have_count(0)

    # Someone else signing up with grace's address sees the very same page; grace
    # gets a note, and nothing is made or changed.
    stranger = new_page()
    sign_up(stranger, username="mallory", email="GRACE@example.com")
    assert stranger.get_by_role("main").inner_text() == done
    notes = wait_until(
        lambda: mailbox("grace@example.com")[2:], timeout=10, what="the owner's note"
    )
    assert CONFIRM_LINK.search(notes[0].get_content()) is None
    assert "/accounts/password_reset/" in notes[0].get_content()
    assert not User.objects.filter(username="mallory").exists()
    assert User.objects.get(username="grace").check_password(NEW_PASSWORD)


def test_the_account_page_revokes_a_token_and_signs_out_everywhere_else(
    new_page, screenshot, live_shop
):
    UserFactory(username="lin")
    credentials = {"username": "lin", "password": PASSWORD}
    status, first = api(live_shop, "POST", "/api/auth/token/", body=credentials)
    assert status == 200, first
    status, second = api(live_shop, "POST", "/api/auth/token/", body=credentials)
    assert status == 200, second
    first, second = first["token"], second["token"]
    assert api(live_shop, "GET", "/api/wallet/", key=first)[0] == 200

    laptop, phone = new_page(), new_page()
    for browser_page in (laptop, phone):
        browser_page.goto("/accounts/login/?next=/accounts/")
        log_in(browser_page, username="lin", password=PASSWORD)
        expect(browser_page).to_have_url(re.compile(r"/accounts/$"))

    rows = laptop.get_by_test_id("api-token")
    expect(rows).to_have_count(2)
    screenshot(laptop, "two-tokens")
    rows.filter(has_text=first[:8]).get_by_role("button", name="Revoke").click()
    expect(laptop.get_by_text("The token was revoked.")).to_be_visible()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(second[:8])
    assert api(live_shop, "GET", "/api/wallet/", key=first)[0] == 401
    assert api(live_shop, "GET", "/api/wallet/", key=second)[0] == 200

    laptop.get_by_role("button", name="Sign out everywhere").click()
    expect(laptop.get_by_text("You were signed out everywhere else")).to_be_visible()
    expect(laptop.get_by_text("No token is in use.")).to_be_visible()
    screenshot(laptop, "signed-out-everywhere")
    assert api(live_shop, "GET", "/api/wallet/", key=second)[0] == 401
    # The other browser is signed out; this one is not.
    phone.goto("/accounts/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/$"))
    laptop.goto("/accounts/")
    expect(laptop).to_have_url(re.compile(r"/accounts/$"))
