"""Every page of the shop on a phone, as a visitor, a shopper, a merchant and an admin,
in each of the shop's languages (issue 13): no page is wider than the screen, no text
sits on other text, and every control is big enough for a finger. Screenshots of every
page at both widths are kept in test-artifacts/e2e/<test>/ for a human to look at."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from accounts.signup import activation_tokens
from accounts.tokens import token_issue
from faceauth.tests.factories import attempt_make
from payments.models import Payment
from payments.services import payment_approve
from payments.tests.factories import order_place
from shop.demo.catalogue import DEMO_USERS
from shop.models import Category, Order, Product

from .steps import add_to_cart, fill_shipping, go_to_checkout, log_in
from .test_merchant import FACE_EVIDENCE

pytestmark = pytest.mark.e2e

# Pages drawn by others (Django's admin, Swagger UI, ReDoc): checked for width only.
THEIRS = ("/admin/", "/api/")

# A source file's name on a page meant for people (issue 13: "accounts/throttle.py").
INTERNAL_PATH = re.compile(r"\b[\w/]+\.(?:py|md|html)\b")

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
    token_issue(user=shopper, name="curl/8.5.0")  # a row on the account page
    # A sign-up waiting for its confirmation: the e-mailed link's page.
    newcomer = get_user_model().objects.create_user(
        "newcomer", "newcomer@example.com", "plum-orbit-lantern-42", is_active=False
    )
    confirm = reverse(
        "signup_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(newcomer.pk)),
            "token": activation_tokens.make_token(newcomer),
        },
    )
    return {
        "signup_confirm": confirm,
        "waiting": waiting,
        "paid": Order.objects.get(pk=paid.pk),
        "attempt": attempt,
        "product": products[0],
        "category": Category.objects.filter(products__isnull=False).first(),
        # One of the demo merchant's own products, with its picture and stock.
        "own_product": Product.objects.filter(merchant__staff__username="merchant")
        .order_by("pk")
        .first(),
    }


def _agree_to_face_payment(page):
    """A step between pages: agree on the consent page, then confirm the password,
    which opens the enrolment page. By ids, whatever the page's language."""
    page.goto("/face/consent/")
    page.locator("#id_agree").check()
    page.locator("form.card [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/face/confirm-password/"))
    page.locator("#id_password").fill(DEMO_USERS["shopper"]["password"])
    page.locator("form.card [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/face/enrol/"))


def _pages(role: str, shop: dict) -> list:
    """The paths a role visits in turn, and the steps (callables) taken between
    them to reach pages that need one, such as enrolment after consent."""
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
            "/accounts/signup/done/",
            shop["signup_confirm"],
            "/accounts/signup/confirm/MQ/no-such-token/",  # "this link does not work"
            "/accounts/password_reset/",
            "/contact/",
            "/returns/",
            "/privacy/",
            "/api/docs/",
            "/api/redoc/",
        ]
    if role == "shopper":
        return [
            "/",
            "/cart/",
            "/checkout/",
            "/checkout/review/",
            "/orders/",
            f"/orders/{waiting}/",
            f"/orders/{paid}/",
            f"/orders/{waiting}/face/{shop['attempt'].public_id}/",
            "/wallet/",
            "/face/",
            "/face/consent/",
            _agree_to_face_payment,
            "/face/confirm-password/",
            "/face/enrol/",
            "/face/consent/",  # now agreed: it says so
            "/accounts/password_change/",
            "/accounts/",
        ]
    if role == "merchant":
        return [
            "/merchant/",
            "/merchant/orders/",
            f"/merchant/orders/{paid}/",
            "/merchant/products/",
            "/merchant/products/new/",
            f"/merchant/products/{shop['own_product'].pk}/",
            f"/merchant/products/{shop['own_product'].pk}/stock/",
            "/merchant/webhooks/",
            "/merchant/webhooks/new/",
        ]
    # Every list in the admin, and a page of each kind an admin reads closely.
    lists = [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]
    attempt = shop["attempt"]
    return [
        "/admin/",
        *sorted(lists),
        f"/admin/shop/order/{shop['paid'].pk}/change/",
        f"/admin/shop/product/{shop['product'].pk}/change/",
        f"/admin/payments/payment/{shop['paid'].payment.pk}/change/",
        f"/admin/faceauth/verificationattempt/{attempt.pk}/change/",
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
            // checkVisibility: not in a closed <details> either, whose boxes still measure.
            if (!box.width || !box.height || !el.checkVisibility({visibilityProperty: true})) continue;
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


def _overlapping_text(page, within: str = "body") -> list[str]:
    """Pairs of visible text runs whose boxes overlap: a name over its price, a
    label under a button. Each run is a text node's line boxes, so two lines of one
    paragraph never count; a run nested in the other's element does not either.
    `within` limits it to one element's text (a menu open over the page)."""
    return page.evaluate(
        """(within) => {
          const runs = [];
          const root = document.querySelector(within);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent.trim();
            const el = node.parentElement;
            if (!text || !el || el.closest("script, style, noscript, svg, .visually-hidden, [hidden]")) continue;
            // Not hidden, see-through, or in a closed <details> (whose boxes still measure).
            if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
            // What shows of a run is what its clipping ancestors let through
            // (a visually hidden table head is clipped to 1 px; a scroller to its box).
            const clips = [];
            for (let up = el; up && up !== document.body; up = up.parentElement) {
              const s = getComputedStyle(up);
              if (s.overflowX !== "visible" || s.overflowY !== "visible" || s.clip !== "auto") {
                clips.push(up.getBoundingClientRect());
              }
            }
            const range = document.createRange();
            range.selectNodeContents(node);
            for (const rect of range.getClientRects()) {
              let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
              for (const clip of clips) {
                left = Math.max(left, clip.left); top = Math.max(top, clip.top);
                right = Math.min(right, clip.right); bottom = Math.min(bottom, clip.bottom);
              }
              const box = {left, top, right, bottom};
              if (right - left > 1 && bottom - top > 1) runs.push({el, text: text.slice(0, 20), box});
            }
          }
          const overlaps = [];
          for (let i = 0; i < runs.length; i++) {
            for (let j = i + 1; j < runs.length; j++) {
              const a = runs[i], b = runs[j];
              if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
              const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
              const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
              if (x > 2 && y > 2) overlaps.push(`"${a.text}" over "${b.text}"`);
            }
          }
          return overlaps.slice(0, 6);
        }""",
        within,
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


@pytest.mark.parametrize("language", ["en", "fr", "zh-hans"])
@pytest.mark.parametrize("role", ["visitor", "shopper", "merchant", "admin"])
def test_every_page_fits_a_phone_and_a_finger(
    demo_shop, live_shop, new_page, screenshot, role, language
):
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
        fill_shipping(page)
    # Signed in by the English names; then the language the switcher would set.
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_shop}]
    )
    too_wide, too_small, overlapping, wrong_language, internal = {}, {}, {}, [], []
    for path in _pages(role, demo_shop):
        if callable(path):
            path(page)
            continue
        for name, viewport in PHONES.items():
            page.set_viewport_size(viewport)
            response = page.goto(path)
            assert response.status < 400, f"{path}: {response.status}"
            page.wait_for_load_state("networkidle")
            screenshot(page, re.sub(r"[^\w.-]+", "_", f"{name}px{path}").strip("_"))
            served = page.evaluate("document.documentElement.lang")
            # Swagger UI's and ReDoc's pages name no language.
            if served != language and not path.startswith("/api/"):
                wrong_language.append(f"{path} ({served})")
            wide = _too_wide(page, viewport["width"])
            if not path.startswith(THEIRS):
                small = _small_targets(page)
                if small:
                    too_small[f"{path} at {name} px"] = small
                text = page.evaluate("document.body.innerText")
                internal += [f"{path}: {m}" for m in INTERNAL_PATH.findall(text)]
                overlaps = _overlapping_text(page)
                if overlaps:
                    overlapping[f"{path} at {name} px"] = overlaps
            if wide:
                too_wide[f"{path} at {name} px"] = wide
    assert wrong_language == [], f"pages not served in {language}"
    assert internal == [], "internal file paths shown to users"
    assert too_wide == {}, "pages wider than the phone:\n" + "\n".join(
        f"{where}: {', '.join(what)}" for where, what in too_wide.items()
    )
    assert too_small == {}, "controls under 44 px:\n" + "\n".join(
        f"{where}: {', '.join(what)}" for where, what in too_small.items()
    )
    assert overlapping == {}, "text over other text:\n" + "\n".join(
        f"{where}: {', '.join(what)}" for where, what in overlapping.items()
    )


def test_the_overlap_check_sees_text_on_text_and_not_hidden_text(live_shop, new_page):
    """The sweep's overlap check can fail: a price drawn over a product's name is
    caught; a visually hidden label (a stacked table's head) is not."""
    page = new_page(viewport=PHONES["360"], is_mobile=True, has_touch=True)
    page.goto("/")
    assert _overlapping_text(page) == []

    page.evaluate(
        """() => {
          // Styled through the CSSOM: the shop's CSP refuses inline style attributes.
          const add = (tag, text, css) => {
            const el = document.createElement(tag);
            el.textContent = text;
            Object.assign(el.style, css);
            document.body.prepend(el);
            return el;
          };
          add("p", "A 27-inch monitor", {position: "absolute", top: "300px", left: "20px"});
          add("p", "¥1,899.00", {position: "absolute", top: "304px", left: "40px"});
          add("span", "Price", {position: "absolute", top: "300px", left: "30px"})
            .className = "visually-hidden";
        }"""
    )

    overlaps = _overlapping_text(page)
    assert '"¥1,899.00" over "A 27-inch monitor"' in overlaps
    assert not [overlap for overlap in overlaps if '"Price"' in overlap]


@pytest.mark.parametrize("language", ["en", "fr", "zh-hans"])
def test_on_a_phone_the_account_links_fold_into_a_menu(
    demo_shop, live_shop, new_page, screenshot, language
):
    """The header of a signed-in merchant (the most links) on the smallest phone:
    the brand, the cart and "Menu" share one row, the search the next; the menu
    opens over the page, fits the screen and a finger, and closes on Escape or a
    tap elsewhere. On a 1280 px desktop the same links are all in one row, with no
    menu."""
    page = new_page(viewport=PHONES["360"], is_mobile=True, has_touch=True)
    page.goto("/accounts/login/")
    log_in(page, username="merchant", password=DEMO_USERS["merchant"]["password"])
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_shop}]
    )
    page.goto("/")
    menu = page.get_by_test_id("account-menu")
    toggle = menu.locator("summary")
    log_out = menu.locator(".account-nav [type=submit]")

    tops = {
        name: page.locator(selector).bounding_box()
        for name, selector in {
            "brand": ".brand",
            "cart": ".cart-link",
            "menu": ".account-menu > summary",
            "search": "form.search",
        }.items()
    }
    assert abs(tops["cart"]["y"] - tops["brand"]["y"]) < 12, tops
    assert abs(tops["menu"]["y"] - tops["brand"]["y"]) < 12, tops
    assert tops["search"]["y"] >= tops["brand"]["y"] + tops["brand"]["height"]
    header = page.locator(".header-row").bounding_box()
    assert header["height"] < 130, f"the header takes {header['height']} px"
    expect(log_out).to_be_hidden()

    toggle.tap()
    expect(log_out).to_be_visible()
    screenshot(page, "menu-open")
    assert _too_wide(page, PHONES["360"]["width"]) == []
    assert _small_targets(page) == []
    assert _overlapping_text(page, within=".account-menu") == []

    page.keyboard.press("Escape")
    expect(log_out).to_be_hidden()
    toggle.tap()
    page.locator(".site-footer p").tap()  # plain text, away from the menu
    expect(page).to_have_url(re.compile(r"/$"))
    expect(log_out).to_be_hidden()

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(log_out).to_be_visible()
    expect(toggle).to_be_hidden()
    header = page.locator(".header-row").bounding_box()
    assert header["height"] < 80, f"the desktop header wraps: {header['height']} px"
    screenshot(page, "desktop")
