"""What a shopper does in the browser, step by step, by the names on the page."""

import re

from playwright.sync_api import Page, expect

SHIPPING = {
    "Full name": "Ada Lovelace",
    "Address": "12 Analytical Row",
    "City": "London",
    "Postcode": "SW1A 1AA",
    "Country": "United Kingdom",
}


def add_to_cart(page: Page, *, slug: str, quantity: int = 1, shot=None):
    page.goto(f"/products/{slug}/")
    if shot:
        shot(page, "product")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))


def log_in(page: Page, *, username: str, password: str, shot=None):
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    if shot:
        shot(page, "login")
    page.get_by_role("button", name="Log in").click()
    # On a phone "Log out" is in the folded menu: attached, not visible.
    expect(
        page.get_by_role("button", name="Log out", include_hidden=True)
    ).to_be_attached()


def go_to_checkout(page: Page, *, shot=None):
    """Open the cart and press its Checkout link (or button)."""
    page.goto("/cart/")
    if shot:
        shot(page, "cart")
    page.get_by_role("link", name="Checkout", exact=True).or_(
        page.get_by_role("button", name="Checkout", exact=True)
    ).click()


def fill_shipping(page: Page, *, shot=None):
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    for label, value in SHIPPING.items():
        page.get_by_label(label, exact=True).fill(value)
    if shot:
        shot(page, "shipping")
    page.get_by_role("button", name=re.compile(r"^Continue")).click()
    expect(page).to_have_url(re.compile(r"/checkout/review/$"))
    expect(page.get_by_role("button", name="Place order")).to_be_visible()


def order_number_from(page: Page) -> str:
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
    return page.url.rstrip("/").rsplit("/", 1)[1]
