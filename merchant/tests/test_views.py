"""The merchant dashboard: who may see it, what each shop sees, and what staff do."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from faceauth.models import VerificationAttempt
from payments.models import Payment, Transfer
from payments.services import (
    order_line_cancel_and_refund,
    wallet_for_merchant,
    wallet_for_user,
)
from payments.tests.conftest import balance_of
from payments.tests.factories import order_place
from shop.models import Order, OrderLine, Product
from shop.services import order_line_ship
from shop.tests.factories import SHIPPING, ProductFactory
from shop.tests.helpers import messages_of, post_followed

from .conftest import (
    FACE_EVIDENCE,
    SMILE_EVIDENCE,
    customer,
    order_backdate,
    paid_order,
)

pytestmark = pytest.mark.django_db

D = Decimal
LOGIN = reverse("login")
DASHBOARD = reverse("merchant:dashboard")
ORDERS = reverse("merchant:orders")


def order_url(order):
    return reverse("merchant:order", args=[order.number])


def ship_url(line):
    return reverse("merchant:line_ship", args=[line.pk])


def cancel_url(line):
    return reverse("merchant:line_cancel", args=[line.pk])


def listed(response) -> list[str]:
    """The order numbers a list page shows, top to bottom."""
    return [order.number for order, _ in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def line_of(order, product) -> OrderLine:
    return order.lines.get(product=product)


def stock_of(product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def status_of(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


# --- who may come in --------------------------------------------------------------

PAGES = ["dashboard", "orders", "csv", "order", "ship", "cancel"]
FORBIDDEN = dict.fromkeys(PAGES, 403)
# Koala's staff have a dashboard of their own, but Panda's order and lines do not
# exist for them.
EXPECTED = {
    "staff": {
        "dashboard": 200,
        "orders": 200,
        "csv": 200,
        "order": 200,
        "ship": 302,
        "cancel": 302,
    },
    "other_staff": {
        "dashboard": 200,
        "orders": 200,
        "csv": 200,
        "order": 404,
        "ship": 404,
        "cancel": 404,
    },
    "shopper": FORBIDDEN,  # Ada, whose order it is
    "other_shopper": FORBIDDEN,
    "admin": FORBIDDEN,
}


def _visit(client, page, order, line):
    """Request one merchant page the way its own link or button does; return url too."""
    if page == "dashboard":
        url = DASHBOARD
        return url, client.get(url)
    if page == "orders":
        url = ORDERS
        return url, client.get(url)
    if page == "csv":
        url = f"{ORDERS}?format=csv"
        return url, client.get(url)
    if page == "order":
        url = order_url(order)
        return url, client.get(url)
    url = ship_url(line) if page == "ship" else cancel_url(line)
    return url, client.post(url)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, page, panda_order, mug):
    line = line_of(panda_order, mug)

    url, response = _visit(client, page, panda_order, line)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={quote(url, safe='/')}"
    assert status_of(line) == OrderLine.Status.PENDING


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_merchant_pages_answer_each_role(
    request, client, role, page, panda_order, mug, other_staff, staff
):
    line = line_of(panda_order, mug)
    client.force_login(request.getfixturevalue(role))
    stock = stock_of(mug)
    refunds = Transfer.objects.filter(kind=Transfer.Kind.REFUND).count()

    url, response = _visit(client, page, panda_order, line)

    assert response.status_code == EXPECTED[role][page]
    if response.status_code == 302:
        assert response["Location"] == order_url(panda_order)
    if role == "other_staff" and response.status_code == 200:
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        ).decode()
        assert panda_order.number not in body
    if role == "staff" and page in ("ship", "cancel"):
        moved = {"ship": OrderLine.Status.SHIPPED, "cancel": OrderLine.Status.CANCELLED}
        assert status_of(line) == moved[page]
    if role != "staff":
        # Nobody but the shop's own staff moved the line, its stock or any money.
        assert status_of(line) == OrderLine.Status.PENDING
        assert stock_of(mug) == stock
        assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == refunds


@pytest.mark.parametrize("action", ["ship", "cancel"])
def test_staff_cannot_act_on_another_shops_line_of_a_shared_order(
    staff_client, mixed_order, teapot, action
):
    line = line_of(mixed_order, teapot)
    url = ship_url(line) if action == "ship" else cancel_url(line)

    response = staff_client.post(url)

    assert response.status_code == 404
    assert status_of(line) == OrderLine.Status.PENDING
    assert stock_of(teapot) == 49


def test_unknown_order_and_line_are_404_for_staff(staff_client):
    no_order = staff_client.get(reverse("merchant:order", args=["SP000000-NOPE"]))
    no_line_ship = staff_client.post(reverse("merchant:line_ship", args=[999999]))
    no_line_cancel = staff_client.post(reverse("merchant:line_cancel", args=[999999]))

    assert no_order.status_code == 404
    assert no_line_ship.status_code == 404
    assert no_line_cancel.status_code == 404


@pytest.mark.parametrize("name", ["merchant:line_ship", "merchant:line_cancel"])
def test_get_on_line_actions_is_405_and_changes_nothing(
    staff_client, panda_order, mug, name
):
    line = line_of(panda_order, mug)

    response = staff_client.get(reverse(name, args=[line.pk]))

    assert response.status_code == 405
    assert status_of(line) == OrderLine.Status.PENDING


@pytest.mark.parametrize("name", ["merchant:line_ship", "merchant:line_cancel"])
def test_line_actions_without_csrf_token_are_refused(staff, panda_order, mug, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    line = line_of(panda_order, mug)

    response = client.post(reverse(name, args=[line.pk]))

    assert response.status_code == 403
    assert status_of(line) == OrderLine.Status.PENDING
    assert stock_of(line.product) == 49


def test_header_links_my_shop_for_staff_after_they_log_in(client, staff, password):
    assert client.login(username="pat", password=password)

    response = client.get("/")

    assert response.status_code == 200
    assert f'<a href="{DASHBOARD}">My shop</a>' in response.content.decode(), (
        "no My shop link"
    )


def test_header_has_no_my_shop_link_for_a_shopper(client, shopper, password):
    assert client.login(username="ada", password=password)

    response = client.get("/")

    assert response.status_code == 200
    assert "My shop" not in response.content.decode()


@pytest.mark.parametrize("page", ["dashboard", "orders", "order"])
def test_merchant_pages_name_the_shop_in_their_menu(
    staff_client, panda_order, mug, page
):
    _, response = _visit(staff_client, page, panda_order, line_of(panda_order, mug))

    html = response.content.decode()
    assert '<nav class="merchant-nav" aria-label="Merchant">' in html
    assert "<strong>Panda</strong>" in html


# --- only their orders, only their lines ------------------------------------------


def test_order_list_shows_only_orders_holding_the_shops_products(
    client, staff, other_staff, mixed_order, panda_order, other_shopper, teapot
):
    koala_only = paid_order(user=customer("bob", funds="100.00"), items={teapot: 1})
    client.force_login(staff)

    panda_sees = listed(client.get(ORDERS))
    client.force_login(other_staff)
    koala_sees = listed(client.get(ORDERS))

    assert panda_sees == [panda_order.number, mixed_order.number]
    assert koala_sees == [koala_only.number, mixed_order.number]


def test_shared_order_shows_each_shop_only_its_own_lines_and_amount(
    client, staff, other_staff, mixed_order
):
    client.force_login(staff)
    panda = client.get(order_url(mixed_order))
    panda_list = client.get(ORDERS)
    client.force_login(other_staff)
    koala = client.get(order_url(mixed_order))
    koala_list = client.get(ORDERS)

    assert [line.title for line in panda.context["order"].merchant_lines] == ["Tea Mug"]
    assert [line.title for line in koala.context["order"].merchant_lines] == ["Teapot"]
    panda_html, koala_html = panda.content.decode(), koala.content.decode()
    assert "Tea Mug" in panda_html and "Teapot" not in panda_html
    assert "Teapot" in koala_html and "Tea Mug" not in koala_html
    assert "<strong>¥51.00</strong>" in panda_html
    assert "<strong>¥40.00</strong>" in koala_html
    # The order's whole total (91.00) is nobody's business but the shopper's.
    for response in (panda, koala, panda_list, koala_list):
        assert "91.00" not in response.content.decode()
    assert [amount for _, amount in panda_list.context["rows"]] == [D("51.00")]
    assert [amount for _, amount in koala_list.context["rows"]] == [D("40.00")]


def test_list_amount_leaves_out_cancelled_lines(staff_client, panda_order, mug, tray):
    post_followed(staff_client, cancel_url(line_of(panda_order, tray)))

    response = staff_client.get(ORDERS)

    assert [amount for _, amount in response.context["rows"]] == [D("25.50")]
    assert "¥25.50" in response.content.decode()


# --- filters and search -----------------------------------------------------------


@pytest.fixture
def orders_by_state(funded_shopper, mug, tray):
    """Panda's orders in each state, placed today unless said otherwise."""
    bob = customer("bob")
    orders = {
        "paid": paid_order(user=funded_shopper, items={mug: 1}),
        "awaiting": order_place(user=bob, items={mug: 2}),
        "old": order_backdate(
            paid_order(user=funded_shopper, items={tray: 1}), days=10
        ),
        "fulfilled": paid_order(user=bob, items={tray: 2}),
    }
    order_line_ship(line=orders["fulfilled"].lines.get())
    return orders


def _days_ago(n) -> str:
    return (timezone.localdate() - timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["fulfilled", "awaiting", "paid", "old"]),
        ({"status": "paid"}, ["paid", "old"]),
        ({"status": "awaiting_payment"}, ["awaiting"]),
        ({"status": "fulfilled"}, ["fulfilled"]),
        ({"status": "cancelled"}, []),
        ({"date_from": 3}, ["fulfilled", "awaiting", "paid"]),
        ({"date_to": 5}, ["old"]),
        ({"date_from": 12, "date_to": 8}, ["old"]),
        ({"date_from": 0, "date_to": 0}, ["fulfilled", "awaiting", "paid"]),
        ({"status": "paid", "date_from": 3}, ["paid"]),
        ({"status": "paid", "date_to": 1}, ["old"]),
    ],
)
def test_order_list_filters_by_status_and_date_range(
    staff_client, orders_by_state, query, expected
):
    params = {
        key: _days_ago(value) if key.startswith("date") else value
        for key, value in query.items()
    }

    response = staff_client.get(ORDERS, params)

    assert response.status_code == 200
    assert listed(response) == [orders_by_state[key].number for key in expected]


def test_order_list_finds_an_order_by_its_number(staff_client, orders_by_state):
    number = orders_by_state["old"].number

    exact = staff_client.get(ORDERS, {"q": number})
    partial = staff_client.get(ORDERS, {"q": f"  {number[-6:].lower()} "})

    assert listed(exact) == [number]
    assert listed(partial) == [number]


def test_order_list_finds_orders_by_customer_username(staff_client, orders_by_state):
    response = staff_client.get(ORDERS, {"q": "bob"})

    assert listed(response) == [
        orders_by_state["fulfilled"].number,
        orders_by_state["awaiting"].number,
    ]


def test_order_list_search_with_no_match_says_so(staff_client, orders_by_state):
    response = staff_client.get(ORDERS, {"q": "nobody-like-this"})

    assert listed(response) == []
    assert "No orders here yet." in response.content.decode()


def test_search_never_reaches_another_shops_orders(
    staff_client, orders_by_state, teapot
):
    other = paid_order(user=customer("bobby"), items={teapot: 1})

    assert listed(staff_client.get(ORDERS, {"q": other.number})) == []
    assert listed(staff_client.get(ORDERS, {"q": "bobby"})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "not-a-date"},
        {"date_to": "2026-02-30"},
        {"date_from": "99999-01-01"},
        {"status": "shipped-to-mars"},
        {"status": ["paid", "cancelled"]},
        {"q": "x" * 500},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999999999999999"},
        {"date_from": "\x00"},
        {"q": "\x00"},
    ],
)
def test_bad_filter_input_never_breaks_the_list_or_the_export(
    staff_client, orders_by_state, params
):
    page = staff_client.get(ORDERS, params)
    export = staff_client.get(ORDERS, {**params, "format": "csv"})

    assert page.status_code == 200
    assert export.status_code == 200
    assert len(csv_rows(export)) >= 1


def test_invalid_date_shows_an_error_and_keeps_the_valid_filters(
    staff_client, orders_by_state
):
    response = staff_client.get(ORDERS, {"status": "paid", "date_from": "31/12/2026"})

    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert listed(response) == [
        orders_by_state["paid"].number,
        orders_by_state["old"].number,
    ]


def test_a_to_date_before_the_from_date_says_so_instead_of_listing_nothing(
    staff_client, orders_by_state
):
    response = staff_client.get(
        ORDERS, {"date_from": _days_ago(1), "date_to": _days_ago(5)}
    )

    assert response.status_code == 200
    assert "This date is before the “From” date." in response.content.decode()
    # The end date is left out: the orders since the start date are listed.
    recent = staff_client.get(ORDERS, {"date_from": _days_ago(1)})
    assert listed(response) == listed(recent) != []


def test_unknown_status_shows_an_error_and_lists_every_order(
    staff_client, orders_by_state
):
    response = staff_client.get(ORDERS, {"status": "shipped-to-mars"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert len(listed(response)) == 4


# --- pagination -------------------------------------------------------------------


@pytest.fixture
def many_orders(funded_shopper, mug):
    """25 paid orders of Panda's, oldest first."""
    orders = [paid_order(user=funded_shopper, items={mug: 1}) for _ in range(25)]
    for age, order in enumerate(reversed(orders)):
        order_backdate(order, days=age)
    return orders


def test_order_list_shows_twenty_orders_a_page_newest_first(staff_client, many_orders):
    response = staff_client.get(ORDERS)

    html = response.content.decode()
    assert listed(response) == [o.number for o in reversed(many_orders[-20:])]
    assert "Page 1 of 2" in html
    assert 'href="?page=2">Next</a>' in html
    assert ">Previous</a>" not in html


def test_second_page_shows_the_rest(staff_client, many_orders):
    response = staff_client.get(ORDERS, {"page": 2})

    html = response.content.decode()
    assert listed(response) == [o.number for o in reversed(many_orders[:5])]
    assert "Page 2 of 2" in html
    assert 'href="?page=1">Previous</a>' in html
    assert ">Next</a>" not in html


@pytest.mark.parametrize(("page", "shown"), [("99", 2), ("0", 2), ("abc", 1)])
def test_out_of_range_page_shows_a_real_page(staff_client, many_orders, page, shown):
    response = staff_client.get(ORDERS, {"page": page})

    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert listed(response)


def test_page_links_keep_the_filters(staff_client, many_orders):
    response = staff_client.get(ORDERS, {"status": "paid", "page": 1})

    html = response.content.decode()
    assert 'href="?status=paid&amp;page=2">Next</a>' in html
    assert 'href="?status=paid&amp;format=csv"' in html


# --- CSV export -------------------------------------------------------------------

HEADER = ["order", "placed", "customer", "status", "paid_by", "lines", "amount"]


def test_csv_export_is_a_csv_download(staff_client, mixed_order):
    response = staff_client.get(ORDERS, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="orders-{timezone.localdate().isoformat()}.csv"'
    )


def test_csv_export_has_a_header_and_the_shops_share_of_each_order(
    staff_client, mixed_order
):
    rows = csv_rows(staff_client.get(ORDERS, {"format": "csv"}))

    placed = timezone.localtime(mixed_order.created_at).strftime("%Y-%m-%d %H:%M")
    assert rows == [
        HEADER,
        [
            mixed_order.number,
            placed,
            "ada",
            "paid",
            "password",
            "2 x Tea Mug (To ship)",
            "51.00",
        ],
    ]


def test_csv_export_has_one_row_per_order_of_the_filtered_list(
    staff_client, orders_by_state
):
    everything = csv_rows(staff_client.get(ORDERS, {"format": "csv"}))
    paid = csv_rows(staff_client.get(ORDERS, {"format": "csv", "status": "paid"}))
    recent_bob = csv_rows(
        staff_client.get(
            ORDERS, {"format": "csv", "q": "bob", "date_from": _days_ago(1)}
        )
    )

    numbers = {key: order.number for key, order in orders_by_state.items()}
    assert [row[0] for row in everything[1:]] == [
        numbers[key] for key in ["fulfilled", "awaiting", "paid", "old"]
    ]
    assert [row[0] for row in paid[1:]] == [numbers["paid"], numbers["old"]]
    assert [row[0] for row in recent_bob[1:]] == [
        numbers["fulfilled"],
        numbers["awaiting"],
    ]
    assert everything[0] == paid[0] == recent_bob[0] == HEADER
    by_number = {row[0]: row for row in everything[1:]}
    assert by_number[numbers["awaiting"]][3:] == [
        "awaiting_payment",
        "",
        "2 x Tea Mug (Awaiting payment)",  # nothing to ship before it is paid
        "51.00",
    ]
    assert by_number[numbers["fulfilled"]][3:] == [
        "fulfilled",
        "password",
        "2 x Bamboo Tray (Shipped)",
        "24.00",
    ]


@pytest.mark.parametrize("username", ["=cmd", "+SUM(A1)", "-2+3", "@SUM(A1)"])
def test_csv_export_neutralises_a_formula_looking_username(staff_client, mug, username):
    order = paid_order(user=customer(username), items={mug: 1})

    rows = csv_rows(staff_client.get(ORDERS, {"format": "csv"}))

    assert rows[1][0] == order.number
    assert rows[1][2] == f"'{username}"


def test_csv_export_of_another_shop_leaves_out_this_shops_lines(
    client, other_staff, mixed_order
):
    client.force_login(other_staff)

    rows = csv_rows(client.get(ORDERS, {"format": "csv"}))

    assert [row[5:] for row in rows[1:]] == [["1 x Teapot (To ship)", "40.00"]]


# --- order detail -----------------------------------------------------------------


def test_order_detail_shows_the_shipping_address(staff_client, mixed_order):
    html = staff_client.get(order_url(mixed_order)).content.decode()

    for part in (
        SHIPPING.full_name,
        SHIPPING.address,
        SHIPPING.city,
        SHIPPING.postcode,
        SHIPPING.country,
    ):
        assert escape(part) in html
    assert "by ada" in html


def test_order_detail_says_the_order_was_paid_by_password(staff_client, mixed_order):
    response = staff_client.get(order_url(mixed_order))

    html = response.content.decode()
    assert re.search(r">Approved</span>\s*by password</p>", html)
    assert 'data-testid="face-evidence"' not in html


def test_order_detail_shows_the_face_check_evidence(staff_client, funded_shopper, mug):
    order = paid_order(
        user=funded_shopper,
        items={mug: 1},
        method=Payment.Method.FACE,
        evidence=FACE_EVIDENCE,
    )

    html = staff_client.get(order_url(order)).content.decode()

    assert re.search(r">Approved</span>\s*by face</p>", html)
    assert (
        "Approved by face: worst distance 0.41, answered 3 moves on cue, 8.2 s." in html
    ), "no face evidence"


def test_order_detail_shows_the_evidence_of_a_single_smile_check_as_it_was(
    staff_client, funded_shopper, mug
):
    order = paid_order(
        user=funded_shopper, items={mug: 1}, method="face", evidence=SMILE_EVIDENCE
    )

    html = staff_client.get(order_url(order)).content.decode()

    assert "Approved by face: worst distance 0.41, smiled on cue, 3.2 s." in html


def test_order_detail_shows_a_face_check_without_answers_as_such(
    staff_client, funded_shopper, mug
):
    evidence = {**FACE_EVIDENCE, "answered_on_cue": False, "seconds": None}
    order = paid_order(
        user=funded_shopper, items={mug: 1}, method="face", evidence=evidence
    )

    html = staff_client.get(order_url(order)).content.decode()

    assert "Approved by face: worst distance 0.41, no move recorded." in html


def test_order_detail_offers_ship_and_cancel_only_for_pending_lines_of_paid_orders(
    staff_client, funded_shopper, panda_order, mug, tray
):
    unpaid = order_place(user=funded_shopper, items={mug: 1})
    order_line_ship(line=line_of(panda_order, tray))

    paid_html = staff_client.get(order_url(panda_order)).content.decode()
    unpaid_html = staff_client.get(order_url(unpaid)).content.decode()

    assert paid_html.count("Mark shipped") == 1
    assert paid_html.count("Cancel and refund") == 1
    assert ship_url(line_of(panda_order, mug)) in paid_html
    assert ship_url(line_of(panda_order, tray)) not in paid_html
    assert "Mark shipped" not in unpaid_html
    assert "Awaiting confirmation" in unpaid_html


# --- shipping ---------------------------------------------------------------------


def test_shipping_a_line_marks_it_shipped_and_says_so(
    staff_client, mixed_order, mug, teapot
):
    line = line_of(mixed_order, mug)

    response = staff_client.post(ship_url(line))

    assert response.status_code == 302
    assert response["Location"] == order_url(mixed_order)
    assert messages_of(response) == ["Shipped: 2 × Tea Mug."]
    line.refresh_from_db()
    assert line.status == OrderLine.Status.SHIPPED
    assert line.shipped_at is not None
    # Koala's teapot is still to ship: the order is not fulfilled yet.
    assert status_of(mixed_order) == Order.Status.PAID
    assert status_of(line_of(mixed_order, teapot)) == OrderLine.Status.PENDING
    html = staff_client.get(order_url(mixed_order)).content.decode()
    assert f'<tr data-testid="line-{line.pk}">' in html
    assert '<span class="status status-shipped">Shipped</span>' in html


def test_shipping_the_last_pending_line_fulfils_the_order(
    client, staff, other_staff, mixed_order, mug, teapot
):
    client.force_login(staff)
    post_followed(client, ship_url(line_of(mixed_order, mug)))
    client.force_login(other_staff)

    response = client.post(ship_url(line_of(mixed_order, teapot)))

    assert messages_of(response) == ["Shipped: 1 × Teapot."]
    assert status_of(mixed_order) == Order.Status.FULFILLED
    page = client.get(order_url(mixed_order)).content.decode()
    assert '<span class="status status-fulfilled">Fulfilled</span>' in page


def test_shipping_a_line_twice_shows_an_error_and_changes_nothing(
    staff_client, mixed_order, mug, state
):
    line = line_of(mixed_order, mug)
    post_followed(staff_client, ship_url(line))
    shipped_at = OrderLine.objects.get(pk=line.pk).shipped_at
    before = state()

    response = staff_client.post(ship_url(line))

    assert response.status_code == 302
    assert messages_of(response) == ["“Tea Mug” is shipped already."]
    assert state() == before
    assert OrderLine.objects.get(pk=line.pk).shipped_at == shipped_at


def test_shipping_a_line_of_an_unpaid_order_is_refused(
    staff_client, funded_shopper, mug, state
):
    order = order_place(user=funded_shopper, items={mug: 1})
    before = state()

    response = staff_client.post(ship_url(order.lines.get()))

    assert messages_of(response) == ["“Tea Mug” is on an order that is not paid."]
    assert state() == before


# --- cancelling and refunding -----------------------------------------------------


def test_cancelling_a_line_returns_its_stock_and_refunds_it(
    staff_client,
    mixed_order,
    mug,
    teapot,
    funded_shopper,
    merchant,
    other_merchant,
    assert_invariants,
):
    line = line_of(mixed_order, mug)
    shopper_wallet = wallet_for_user(user=funded_shopper)
    panda_wallet = wallet_for_merchant(merchant=merchant)
    koala_wallet = wallet_for_merchant(merchant=other_merchant)
    assert (stock_of(mug), balance_of(shopper_wallet)) == (48, D("909.00"))

    response = staff_client.post(cancel_url(line))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Cancelled: 2 × Tea Mug. ¥51.00 went back to the customer's wallet "
        "and the stock is back on the shelf."
    ]
    assert status_of(line) == OrderLine.Status.CANCELLED
    assert stock_of(mug) == 50
    assert balance_of(shopper_wallet) == D("960.00")
    assert balance_of(panda_wallet) == D("0.00")
    assert balance_of(koala_wallet) == D("40.00")
    refund = Transfer.objects.get(kind=Transfer.Kind.REFUND)
    assert refund.payment == mixed_order.payment
    assert sorted(refund.entries.values_list("amount", flat=True)) == [
        D("-51.00"),
        D("51.00"),
    ]
    assert status_of(mixed_order) == Order.Status.PAID
    assert_invariants(initial_stock={mug.pk: 50, teapot.pk: 50})


def test_cancelling_every_line_cancels_the_order(
    staff_client, panda_order, mug, tray, funded_shopper, assert_invariants
):
    post_followed(staff_client, cancel_url(line_of(panda_order, mug)))

    response = staff_client.post(cancel_url(line_of(panda_order, tray)))

    assert messages_of(response) == [
        "Cancelled: 1 × Bamboo Tray. ¥12.00 went back to the customer's wallet "
        "and the stock is back on the shelf."
    ]

    assert status_of(panda_order) == Order.Status.CANCELLED
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert (stock_of(mug), stock_of(tray)) == (50, 50)
    page = staff_client.get(order_url(panda_order)).content.decode()
    assert '<span class="status status-cancelled">Cancelled</span>' in page
    assert "Mark shipped" not in page
    assert_invariants(initial_stock={mug.pk: 50, tray.pk: 50})


def test_cancelling_a_cancelled_line_refunds_nothing_more(
    staff_client, mixed_order, mug, state, assert_invariants
):
    line = line_of(mixed_order, mug)
    post_followed(staff_client, cancel_url(line))
    before = state()

    response = staff_client.post(cancel_url(line))

    assert messages_of(response) == ["“Tea Mug” is cancelled already."]
    assert state() == before
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 1
    assert_invariants()


def test_cancelling_a_shipped_line_is_refused(
    staff_client, mixed_order, mug, state, assert_invariants
):
    line = line_of(mixed_order, mug)
    post_followed(staff_client, ship_url(line))
    before = state()

    response = staff_client.post(cancel_url(line))

    assert messages_of(response) == ["“Tea Mug” is shipped already."]
    assert state() == before
    assert not Transfer.objects.filter(kind=Transfer.Kind.REFUND).exists()
    assert_invariants()


def test_cancelling_a_line_of_an_unpaid_order_is_refused(
    staff_client, funded_shopper, mug, state
):
    order = order_place(user=funded_shopper, items={mug: 1})
    before = state()

    response = staff_client.post(cancel_url(order.lines.get()))

    assert messages_of(response) == ["“Tea Mug” is on an order that is not paid."]
    assert state() == before


# --- the same queries whatever the size ------------------------------------------


def _orders_for_counting(count, *, start, mug, teapot):
    """`count` paid orders from as many shoppers, by face and by password."""
    for n in range(start, start + count):
        user = customer(f"buyer{n:02}")
        if n % 2:
            paid_order(
                user=user,
                items={mug: 1, teapot: 1},
                method=Payment.Method.FACE,
                evidence=FACE_EVIDENCE,
            )
        else:
            paid_order(user=user, items={mug: 2})


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (ORDERS, {}),
        (ORDERS, {"page": 2}),
        (ORDERS, {"status": "paid", "q": "buyer"}),
        (ORDERS, {"format": "csv"}),
        (DASHBOARD, {}),
    ],
)
def test_merchant_lists_run_as_many_queries_for_25_orders_as_for_3(
    staff_client, mug, teapot, django_assert_num_queries, url, params
):
    _orders_for_counting(3, start=0, mug=mug, teapot=teapot)
    staff_client.get(url, params)  # the session and the user are cached from here
    few = _count_queries(staff_client, url, params)
    _orders_for_counting(22, start=3, mug=mug, teapot=teapot)

    with django_assert_num_queries(few):
        response = staff_client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)

    if params.get("page") != 2 and url == ORDERS and "format" not in params:
        assert len(listed(response)) == 20


def test_order_detail_runs_as_many_queries_for_three_lines_as_for_one(
    staff_client, funded_shopper, mug, tray, merchant
):
    bowl = ProductFactory(merchant=merchant, title="Bowl", price=D("8.00"), stock=5)
    one = paid_order(user=funded_shopper, items={mug: 1})
    three = paid_order(user=funded_shopper, items={mug: 1, tray: 1, bowl: 1})
    staff_client.get(order_url(one))
    few = _count_queries(staff_client, order_url(one))

    assert _count_queries(staff_client, order_url(three)) == few


# --- dashboard --------------------------------------------------------------------


@pytest.fixture
def sales(funded_shopper, mug, tray, teapot):
    """Panda's orders over time; 100.50 of them count as sales of the last 30 days."""
    bob = customer("bob")
    orders = {
        # 51.00 for Panda (Koala's 40.00 is not theirs).
        "shared": paid_order(user=funded_shopper, items={mug: 2, teapot: 1}),
        # 25.50 + 12.00, and the tray is cancelled: 25.50.
        "part_cancelled": paid_order(user=bob, items={mug: 1, tray: 1}),
        # Shipped and fulfilled: 12.00.
        "fulfilled": paid_order(user=funded_shopper, items={tray: 1}),
        # Three days ago: 12.00.
        "recent": order_backdate(paid_order(user=bob, items={tray: 1}), days=3),
        # Never paid, or too long ago: not sales.
        "awaiting": order_place(user=bob, items={mug: 1}),
        "old": order_backdate(paid_order(user=bob, items={mug: 1}), days=40),
        "koala": paid_order(user=bob, items={teapot: 2}),
    }
    order_line_cancel_and_refund(line=line_of(orders["part_cancelled"], tray))
    order_line_ship(line=orders["fulfilled"].lines.get())
    return orders


def test_dashboard_draws_the_sales_chart_as_inline_svg(staff_client, sales):
    html = staff_client.get(DASHBOARD).content.decode()

    svg = re.search(r"<svg [^>]*>.*?</svg>", html, re.S)
    assert svg, "no inline SVG"
    assert 'role="img"' in svg.group(0)
    assert 'aria-label="Sales per day, last 30 days"' in svg.group(0)
    assert svg.group(0).count("<rect ") == 30
    today = timezone.localdate()
    three_days_ago = today - timedelta(days=3)
    assert f"<title>{today.day} {today:%b}: ¥88.50</title>" in svg.group(0)
    assert (
        f"<title>{three_days_ago.day} {three_days_ago:%b}: ¥12.00</title>"
        in svg.group(0)
    )
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_dashboard_totals_paid_and_fulfilled_sales_of_the_last_30_days(
    staff_client, sales
):
    response = staff_client.get(DASHBOARD)

    assert response.context["sales_total"] == D("100.50")
    assert (
        '<p class="price-big" data-testid="sales-total">¥100.50</p>'
        in response.content.decode()
    )


def test_dashboard_counts_the_orders_left_to_ship(staff_client, sales):
    response = staff_client.get(DASHBOARD)

    # shared, part_cancelled, recent and old each have a Panda line still to ship.
    assert response.context["to_ship"] == 4
    assert 'data-testid="to-ship">4</a>' in response.content.decode()


def test_orders_to_ship_leave_out_orders_waiting_only_on_another_shop(
    staff_client, mixed_order
):
    panda_line = mixed_order.lines.get(merchant__slug="panda")
    order_line_ship(line=panda_line)  # Koala's teapot is still to ship

    dashboard = staff_client.get(DASHBOARD)
    listed = staff_client.get(reverse("merchant:orders"), {"to_ship": "on"})

    assert dashboard.context["to_ship"] == 0
    assert listed.context["rows"] == []
    assert Order.objects.get(pk=mixed_order.pk).status == Order.Status.PAID


def test_dashboard_of_another_shop_counts_only_its_own_sales(
    client, other_staff, sales
):
    client.force_login(other_staff)

    response = client.get(DASHBOARD)

    assert response.context["sales_total"] == D("120.00")  # 40.00 + 80.00


def _attempt(order, status, *, reason="", user=None, started_days_ago=0):
    started = timezone.now() - timedelta(days=started_days_ago)
    return VerificationAttempt.objects.create(
        user=user or order.user,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference=order.number,
        status=status,
        reason=reason,
        started_at=started,
        deadline=started + timedelta(minutes=2),
    )


def test_dashboard_shows_face_approval_and_decline_rates_of_its_orders(
    staff_client, sales
):
    Status, Reason = VerificationAttempt.Status, VerificationAttempt.Reason
    _attempt(sales["shared"], Status.APPROVED, reason=Reason.MATCHED_AND_SMILED)
    _attempt(sales["part_cancelled"], Status.APPROVED)
    _attempt(sales["fulfilled"], Status.APPROVED)
    _attempt(sales["shared"], Status.DECLINED, reason=Reason.NO_SMILE)
    _attempt(sales["recent"], Status.EXPIRED, reason=Reason.TIMED_OUT)
    # Not counted: still open, replaced, another shop's order, too old.
    _attempt(sales["shared"], Status.OPEN)
    _attempt(sales["shared"], Status.DECLINED, reason=Reason.REPLACED)
    _attempt(sales["koala"], Status.APPROVED)
    _attempt(sales["old"], Status.DECLINED)
    _attempt(sales["shared"], Status.DECLINED, started_days_ago=31)

    response = staff_client.get(DASHBOARD)

    rates = response.context["rates"]
    assert (rates["decided"], rates["approved"], rates["declined"]) == (5, 3, 2)
    assert rates["approval_rate"] == pytest.approx(0.6)
    assert rates["decline_rate"] == pytest.approx(0.4)
    html = response.content.decode()
    assert "<strong>60 %</strong> approved" in html
    assert "<strong>40 %</strong> declined or timed out" in html
    assert "5 checks" in html


def test_dashboard_without_face_checks_says_so(staff_client, sales):
    response = staff_client.get(DASHBOARD)

    assert response.context["rates"]["approval_rate"] is None
    assert "No face checks yet." in response.content.decode()


def test_dashboard_of_a_new_shop_shows_zero_and_an_empty_chart(staff_client):
    response = staff_client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "¥0.00" in html
    assert 'role="img"' in html
    assert "No orders here yet." in html


def test_the_lines_of_an_unpaid_order_await_payment_not_shipping(
    staff_client, funded_shopper, mug
):
    """Nothing is to ship before the shopper pays: the order page and the export
    say the line awaits payment."""
    unpaid = order_place(user=funded_shopper, items={mug: 2})

    html = staff_client.get(order_url(unpaid)).content.decode()
    rows = csv_rows(staff_client.get(ORDERS, {"format": "csv"}))

    assert "Awaiting payment</span>" in html
    assert "To ship" not in html
    assert "Mark shipped" not in html
    assert [row[5] for row in rows[1:]] == ["2 x Tea Mug (Awaiting payment)"]
