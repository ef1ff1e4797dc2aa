"""Every page of the shop on a phone, as a visitor, a shopper, a merchant and an admin
(issue 13): no page is wider than the screen. Screenshots of every page at both widths
are kept in test-artifacts/e2e/<test>/ for a human to look at."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from faceauth.tests.factories import attempt_make
from payments.models import Payment
from payments.services import payment_approve
from payments.tests.factories import order_place
from shop.demo.catalogue import DEMO_USERS
from shop.models import Category, Order, Product

from .steps import add_to_cart, go_to_checkout, log_in
from .test_merchant import FACE_EVIDENCE

pytestmark = pytest.mark.e2e

# Pages drawn by others (Django's admin, Swagger UI, ReDoc): checked for width only.
THEIRS = ("/admin/", "/api/")

# Two phones held upright: a small Android's and an iPhone 12-14's CSS viewports.
PHONES = {
    "360": {"width": 360, "height": 800},
    "390": {"width": 390, "height": 844},
}


@pytest.fixture
def demo_shop(live_shop):
    """The demo shop as `make setup` seeds it, with one of the shopper's orders
    waiting for payment, one paid by face, and a face check of the waiting one."""
    call_command("seed_demo", verbosity=0)
    shopper = get_user_model().objects.get(username="shopper")
    products = list(Product.objects.filter(stock__gte=3).order_by("pk")[:3])
    waiting = order_place(user=shopper, items={products[0]: 1, products[1]: 2})
    paid = order_place(user=shopper, items={products[2]: 1})
    payment_approve(
        payment=paid.payment,
        method=Payment.Method.FACE,
        evidence=FACE_EVIDENCE,
    )
    attempt = attempt_make(shopper, reference=waiting.number)
    return {
        "waiting": waiting,
        "paid": Order.objects.get(pk=paid.pk),
        "attempt": attempt,
        "product": products[0],
        "category": Category.objects.filter(products__isnull=False).first(),
    }


def _pages(role: str, shop: dict) -> list[str]:
    waiting, paid = shop["waiting"].number, shop["paid"].number
    if role == "visitor":
        return [
            "/",
            f"/category/{shop['category'].slug}/",
            f"/products/{shop['product'].slug}/",
            "/?q=bottle",
            "/cart/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password_reset/",
            "/api/docs/",
            "/api/redoc/",
        ]
    if role == "shopper":
        return [
            "/",
            "/cart/",
            "/checkout/",
            "/orders/",
            f"/orders/{waiting}/",
            f"/orders/{paid}/",
            f"/orders/{waiting}/face/{shop['attempt'].public_id}/",
            "/wallet/",
            "/face/",
            "/face/consent/",
            "/accounts/password_change/",
        ]
    if role == "merchant":
        return ["/merchant/", "/merchant/orders/", f"/merchant/orders/{paid}/"]
    return [
        "/admin/",
        "/admin/shop/order/",
        f"/admin/shop/order/{shop['paid'].pk}/change/",
        "/admin/shop/product/",
        "/admin/payments/payment/",
        "/admin/faceauth/verificationattempt/",
    ]


def _small_targets(page) -> list[str]:
    """The controls a finger can hit that are under 44 px either way: links,
    buttons, fields, menus and summaries (a checkbox or radio counts as its
    label). A link inside a sentence is not counted: the sentence is the target
    (WCAG 2.5.5's exception)."""
    return page.evaluate(
        """() => {
          const small = [];
          const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
          for (const el of document.querySelectorAll(controls)) {
            let target = el;
            if (el.type === "checkbox" || el.type === "radio") target = el.closest("label") || el;
            const box = target.getBoundingClientRect();
            if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
            if (el.tagName === "A" && getComputedStyle(el).display === "inline") {
              const around = el.parentElement.textContent.replace(el.textContent, "").trim();
              if (around.replace(/[›|·,.]/g, "").trim()) continue;  // in a sentence
            }
            if (Math.round(box.height) < 44 || Math.round(box.width) < 44) {
              const text = (el.textContent || el.name || el.type || "").trim().slice(0, 24);
              small.push(`${el.tagName.toLowerCase()} "${text}" ${Math.round(box.width)}x${Math.round(box.height)}`);
            }
          }
          return small;
        }"""
    )


def _too_wide(page, width: int) -> list[str]:
    """What sticks out past the right edge of a screen `width` px wide (empty if
    nothing). Not window.innerWidth: a phone's browser widens its layout viewport
    to fit a page that is too wide, so the page always "fits" that."""
    return page.evaluate(
        """(width) => {
          if (document.documentElement.scrollWidth <= width) return [];
          const wide = [];
          for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0) {
              const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (el.className && typeof el.className === "string"
                   ? "." + el.className.trim().split(/\\s+/).join(".") : "");
              wide.push(`${name} (right edge ${Math.round(box.right)} px)`);
            }
          }
          return wide.length ? wide.slice(0, 8) : ["the page itself"];
        }""",
        width,
    )


@pytest.mark.parametrize("role", ["visitor", "shopper", "merchant", "admin"])
def test_every_page_fits_a_phone_and_a_finger(demo_shop, new_page, screenshot, role):
    page = new_page(
        viewport=PHONES["390"], device_scale_factor=2, is_mobile=True, has_touch=True
    )
    if role != "visitor":
        page.goto("/admin/login/" if role == "admin" else "/accounts/login/")
        credentials = DEMO_USERS[role]
        if role == "admin":
            page.get_by_label("Username").fill(role)
            page.get_by_label("Password").fill(credentials["password"])
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/admin/$"))
        else:
            log_in(page, username=role, password=credentials["password"])
    if role == "shopper":
        add_to_cart(page, slug=demo_shop["product"].slug)
        go_to_checkout(page)
    too_wide, too_small = {}, {}
    for name, viewport in PHONES.items():
        page.set_viewport_size(viewport)
        for path in _pages(role, demo_shop):
            response = page.goto(path)
            assert response.status < 400, f"{path}: {response.status}"
            page.wait_for_load_state("networkidle")
            screenshot(page, re.sub(r"[^\w.-]+", "_", f"{name}px{path}").strip("_"))
            wide = _too_wide(page, viewport["width"])
            if not path.startswith(THEIRS):
                small = _small_targets(page)
                if small:
                    too_small[f"{path} at {name} px"] = small
            if wide:
                too_wide[f"{path} at {name} px"] = wide
    assert too_wide == {}, "pages wider than the phone:\n" + "\n".join(
        f"{where}: {', '.join(what)}" for where, what in too_wide.items()
    )
    assert too_small == {}, "controls under 44 px:\n" + "\n".join(
        f"{where}: {', '.join(what)}" for where, what in too_small.items()
    )
