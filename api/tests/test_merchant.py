import pytest

from payments.services import payment_confirm_with_password, wallet_for_user
from payments.tests.conftest import check_invariants
from payments.tests.factories import order_place
from shop.models import Order, OrderLine
from shop.tests.factories import PASSWORD


@pytest.fixture
def pat(api, merchant_staff):
    return api(merchant_staff)


def paid(order):
    payment_confirm_with_password(
        payment=order.payment, user=order.user, password=PASSWORD
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def mixed_order(funded_shopper, product, other_product):
    """Ada's paid order of 2 Tea Mugs (Panda) and 1 Teapot (Koala)."""
    return paid(order_place(user=funded_shopper, items={product: 2, other_product: 1}))


def line_of(order, product):
    return order.lines.get(product=product)


def test_a_merchant_sees_only_orders_with_its_lines_and_only_its_lines(
    pat, funded_shopper, mixed_order, other_product, product
):
    paid(order_place(user=funded_shopper, items={other_product: 1}))  # Koala only

    body = pat.get("/api/merchant/orders/").json()

    assert body["count"] == 1
    order = body["results"][0]
    assert order["number"] == mixed_order.number
    assert order["customer"] == "ada"
    assert order["status"] == "paid"
    assert order["amount"] == "51.00"
    assert order["shipping"]["city"] == "London"
    assert [(line["product"], line["quantity"]) for line in order["lines"]] == [
        ("tea-mug", 2)
    ]


def test_an_order_in_detail_shows_only_the_merchants_lines(
    pat, api, mixed_order, other_merchant_staff
):
    mine = pat.get(f"/api/merchant/orders/{mixed_order.number}/").json()
    theirs = api(other_merchant_staff).get(
        f"/api/merchant/orders/{mixed_order.number}/"
    )

    assert [line["title"] for line in mine["lines"]] == ["Tea Mug"]
    assert [line["title"] for line in theirs.json()["lines"]] == ["Teapot"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "paid"}, 1),
        ({"status": "awaiting_payment"}, 1),
        ({"status": "fulfilled"}, 0),
        ({"search": "ada"}, 2),
        ({"search": "nobody"}, 0),
        ({"date_from": "2000-01-01"}, 2),
        ({"date_to": "2000-01-01"}, 0),
    ],
)
def test_a_merchants_orders_can_be_filtered(
    pat, funded_shopper, mixed_order, product, params, expected
):
    order_place(user=funded_shopper, items={product: 1})  # awaiting payment

    assert pat.get("/api/merchant/orders/", params).json()["count"] == expected


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"date_from": "yesterday"}, {"search": "x" * 101}]
)
def test_bad_merchant_filters_are_refused(pat, params):
    response = pat.get("/api/merchant/orders/", params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == list(params)


def test_a_date_range_that_ends_before_it_starts_is_refused(pat, mixed_order):
    response = pat.get(
        "/api/merchant/orders/", {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"date_to": ["This date is before date_from."]}


def test_shipping_a_line(pat, mixed_order, product):
    line = line_of(mixed_order, product)

    response = pat.post(f"/api/merchant/lines/{line.pk}/ship/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["order"]) == (
        line.pk,
        "shipped",
        mixed_order.number,
    )
    assert body["shipped_at"] is not None
    # The Teapot is still to ship: the order is not fulfilled yet.
    assert body["order_status"] == "paid"


def test_shipping_the_last_line_fulfils_the_order(pat, funded_shopper, product):
    order = paid(order_place(user=funded_shopper, items={product: 1}))

    body = pat.post(f"/api/merchant/lines/{order.lines.get().pk}/ship/").json()

    assert body["order_status"] == "fulfilled"
    assert Order.objects.get(pk=order.pk).status == Order.Status.FULFILLED


def test_shipping_twice_is_a_conflict(pat, mixed_order, product):
    line = line_of(mixed_order, product)
    pat.post(f"/api/merchant/lines/{line.pk}/ship/")

    response = pat.post(f"/api/merchant/lines/{line.pk}/ship/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "“Tea Mug” is shipped already.",
        "code": "line_not_pending",
    }


def test_a_line_of_an_unpaid_order_cannot_be_shipped(pat, funded_shopper, product):
    order = order_place(user=funded_shopper, items={product: 1})

    response = pat.post(f"/api/merchant/lines/{order.lines.get().pk}/ship/")

    assert response.status_code == 409
    assert response.json()["code"] == "line_not_pending"
    assert order.lines.get().status == OrderLine.Status.PENDING


def test_a_line_of_another_shop_is_not_found(pat, mixed_order, other_product):
    line = line_of(mixed_order, other_product)

    for action in ("ship", "cancel"):
        response = pat.post(f"/api/merchant/lines/{line.pk}/{action}/")
        assert response.status_code == 404
        assert response.json() == {
            "detail": "No such line for your shop.",
            "code": "not_found",
        }
    assert OrderLine.objects.get(pk=line.pk).status == OrderLine.Status.PENDING


def test_an_unknown_line_is_not_found(pat):
    for pk in (0, 999999, 2**70):
        assert pat.post(f"/api/merchant/lines/{pk}/ship/").status_code == 404


def test_cancelling_a_line_refunds_it_and_returns_its_stock(
    pat, funded_shopper, mixed_order, product, merchant
):
    line = line_of(mixed_order, product)

    response = pat.post(f"/api/merchant/lines/{line.pk}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["order_status"]) == ("cancelled", "paid")
    assert body["cancelled_at"] is not None
    assert wallet_for_user(user=funded_shopper).balance == 1000 - 40
    product.refresh_from_db()
    assert product.stock == 5
    # (The invariant's stock count would hold a cancelled line as still held.)
    check_invariants()
    again = pat.post(f"/api/merchant/lines/{line.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["code"] == "line_not_pending"
