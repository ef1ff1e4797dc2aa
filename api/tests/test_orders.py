from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from api.errors import exception_handler
from api.models import IdempotencyRecord
from api.services import request_fingerprint
from api.tasks import purge_idempotency_records
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_decide
from payments.exceptions import FaceLimitExceeded
from payments.limits import face_limit_decide
from payments.models import Payment
from payments.services import wallet_for_user
from payments.tests.conftest import check_invariants
from payments.tests.factories import cart_fill, order_place
from shop.models import CartItem, Order
from shop.tests.factories import PASSWORD, UserFactory

from .conftest import SHIPPING_BODY, new_key


@pytest.fixture
def ada(api, funded_shopper):
    return api(funded_shopper)


@pytest.fixture
def filled_cart(funded_shopper, product, other_product):
    """2 Tea Mugs (25.50) and 1 Teapot (40.00): 91.00."""
    return cart_fill(user=funded_shopper, items={product: 2, other_product: 1})


def place(client, body=None, *, key=None, **extra):
    """POST an order; a new key unless `key` is given (False: no header at all)."""
    if key is None:
        key = new_key()
    headers = {} if key is False else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(
        "/api/orders/",
        SHIPPING_BODY if body is None else body,
        format="json",
        **headers,
        **extra,
    )


def stock_of(product):
    product.refresh_from_db(fields=["stock"])
    return product.stock


# --- placing orders --------------------------------------------------------------


def test_placing_an_order_reserves_the_stock_and_empties_the_cart(
    ada, funded_shopper, filled_cart, product, other_product
):
    response = place(ada, {**SHIPPING_BODY, "expected_total": "91.00"})

    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get()
    assert body["number"] == order.number
    assert body["status"] == "awaiting_payment"
    assert body["total"] == "91.00"
    assert body["shipping"] == SHIPPING_BODY
    assert [
        (line["product"], line["quantity"], line["line_total"], line["status"])
        for line in body["lines"]
    ] == [("tea-mug", 2, "51.00", "pending"), ("teapot", 1, "40.00", "pending")]
    assert body["lines"][1]["merchant"] == {"name": "Koala", "slug": "koala"}
    assert body["payment"]["status"] == "awaiting_confirmation"
    assert body["payment"]["method"] is None
    assert body["payment"]["amount"] == "91.00"
    assert (stock_of(product), stock_of(other_product)) == (3, 2)
    assert not CartItem.objects.filter(cart__user=funded_shopper).exists()
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_the_expected_total_may_be_left_out(ada, filled_cart):
    response = place(ada, SHIPPING_BODY)

    assert response.status_code == 201
    assert response.json()["total"] == "91.00"


def test_a_retry_with_the_same_key_replays_the_first_response(
    ada, funded_shopper, filled_cart, product
):
    key = new_key()
    first = place(ada, key=key)
    # Meanwhile the order is paid: the replay is still the first answer.
    Order.objects.update(status=Order.Status.PAID)

    again = place(ada, key=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert stock_of(product) == 3


def test_the_same_body_in_another_key_order_is_the_same_request(ada, filled_cart):
    key = new_key()
    place(ada, {**SHIPPING_BODY, "expected_total": "91.00"}, key=key)

    again = place(
        ada,
        dict(reversed([*SHIPPING_BODY.items(), ("expected_total", "91.00")])),
        key=key,
    )

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_the_same_key_with_a_different_body_is_refused(ada, filled_cart):
    key = new_key()
    first = place(ada, key=key)

    response = place(ada, {**SHIPPING_BODY, "city": "Paris"}, key=key)

    assert response.status_code == 422
    assert response.json() == {
        "detail": (
            "This Idempotency-Key was already used with a different request body. "
            "Use a new key for a new request."
        ),
        "code": "idempotency_key_reused",
    }
    assert Order.objects.get().city == "London"
    assert place(ada, key=key).json() == first.json()


def test_keys_are_per_user(api, ada, other_shopper, filled_cart):
    key = new_key()
    place(ada, key=key)

    response = place(api(other_shopper), key=key)

    assert response.status_code == 409
    assert response.json()["code"] == "cart_empty"


def test_the_record_of_a_key_holds_the_body_fingerprint_and_the_answer(
    ada, funded_shopper, filled_cart
):
    key = new_key()
    body = {**SHIPPING_BODY, "expected_total": "91.00"}

    response = place(ada, body, key=key)

    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key) == (funded_shopper, key)
    assert record.fingerprint == request_fingerprint(body)
    assert record.response_status == 201
    assert record.response_body == response.json()


@pytest.mark.parametrize(
    "key",
    [False, "", "short", "x" * 65, "has spaces in it", "ünïcødé-key", "a/b/c/d/e/f"],
)
def test_an_order_needs_a_well_formed_idempotency_key(ada, filled_cart, key):
    response = place(ada, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not Order.objects.exists()


def test_a_uuid_is_a_good_idempotency_key_and_so_is_a_64_character_token(
    ada, filled_cart
):
    assert place(ada, key="K" * 64).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"postcode": "x" * 21}, "postcode"),
        ({"expected_total": "ninety"}, "expected_total"),
        ({"expected_total": "-1.00"}, "expected_total"),
        ({"expected_total": "1.001"}, "expected_total"),
    ],
)
def test_an_order_with_invalid_shipping_is_refused(ada, filled_cart, change, field):
    response = place(ada, {**SHIPPING_BODY, **change})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Order.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_missing_field_is_named(ada, filled_cart):
    body = dict(SHIPPING_BODY)
    del body["country"]

    response = place(ada, body)

    assert response.status_code == 400
    assert response.json()["fields"] == {"country": ["This field is required."]}


def test_a_body_that_is_not_an_object_is_refused(ada, filled_cart):
    response = place(ada, ["London"])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_malformed_json_is_refused(ada, filled_cart):
    response = ada.post(
        "/api/orders/",
        b"{not json",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_empty_cart_is_refused_and_the_key_can_be_used_once_it_is_filled(
    ada, funded_shopper, product
):
    key = new_key()

    refused = place(ada, key=key)

    assert refused.status_code == 409
    assert refused.json() == {"detail": "Your cart is empty.", "code": "cart_empty"}
    assert not IdempotencyRecord.objects.exists()
    cart_fill(user=funded_shopper, items={product: 1})
    assert place(ada, key=key).status_code == 201


def test_an_order_whose_total_changed_is_refused(ada, filled_cart, product):
    response = place(ada, {**SHIPPING_BODY, "expected_total": "90.00"})

    assert response.status_code == 409
    assert response.json()["code"] == "checkout_stale"
    assert not Order.objects.exists()
    assert stock_of(product) == 5


def test_an_order_for_more_than_the_stock_is_refused_and_nothing_is_reserved(
    ada, funded_shopper, product, other_product
):
    cart_fill(user=funded_shopper, items={product: 5, other_product: 1})
    order_place(user=UserFactory(), items={product: 1})

    response = place(ada)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 4 of “Tea Mug” left in stock.",
        "code": "out_of_stock",
    }
    assert (stock_of(product), stock_of(other_product)) == (4, 3)
    assert CartItem.objects.filter(cart__user=funded_shopper).count() == 2
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_a_second_key_for_the_same_cart_finds_it_already_ordered(
    ada, funded_shopper, filled_cart
):
    first = place(ada)

    second = place(ada)

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "cart_empty"
    assert Order.objects.count() == 1


def _age(key, hours):
    IdempotencyRecord.objects.filter(key=key).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def test_keys_past_their_retention_are_purged_and_younger_ones_kept(
    ada, funded_shopper, filled_cart, product, settings
):
    settings.API_IDEMPOTENCY_HOURS = 24
    old, young = new_key(), new_key()
    place(ada, key=old)
    cart_fill(user=funded_shopper, items={product: 1})
    place(ada, key=young)
    _age(old, 25)
    _age(young, 23)

    assert purge_idempotency_records() == 1
    assert purge_idempotency_records() == 0  # twice is once

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [young]
    assert Order.objects.count() == 2


def test_a_retry_after_its_key_was_purged_places_nothing_twice(
    ada, funded_shopper, filled_cart, product
):
    key = new_key()
    first = place(ada, key=key)
    _age(key, 48)
    purge_idempotency_records()

    again = place(ada, key=key)

    assert first.status_code == 201
    assert again.status_code == 409  # the cart was ordered: nothing left to place
    assert again.json()["code"] == "cart_empty"
    assert Order.objects.count() == 1
    assert stock_of(product) == 3


# --- reading orders ----------------------------------------------------------------


def test_the_order_list_holds_only_ones_own_orders_newest_first(
    ada, funded_shopper, other_shopper, product
):
    older = order_place(user=funded_shopper, items={product: 1})
    newer = order_place(user=funded_shopper, items={product: 2})
    order_place(user=other_shopper, items={product: 1})

    body = ada.get("/api/orders/").json()

    assert body["count"] == 2
    assert [o["number"] for o in body["results"]] == [newer.number, older.number]
    assert body["results"][0]["lines"][0]["quantity"] == 2


def test_an_order_in_detail(ada, funded_shopper, product):
    order = order_place(user=funded_shopper, items={product: 1})

    body = ada.get(f"/api/orders/{order.number}/").json()

    assert body["number"] == order.number
    assert body["total"] == "25.50"
    assert body["payment"]["status"] == "awaiting_confirmation"


def test_another_shoppers_order_is_not_found(
    api, other_shopper, funded_shopper, product
):
    order = order_place(user=funded_shopper, items={product: 1})

    for path in ("", "payment/"):
        response = api(other_shopper).get(f"/api/orders/{order.number}/{path}")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such order.", "code": "not_found"}


def test_an_unknown_order_number_is_not_found(ada):
    for number in ("SP000000-NOPE", "x" * 33, "bad%2Fnumber"):
        response = ada.get(f"/api/orders/{number}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- payment status and confirmation --------------------------------------------------


@pytest.fixture
def order(funded_shopper, product):
    return order_place(user=funded_shopper, items={product: 2})


def attempt_for(order, **fields):
    return VerificationAttempt.objects.create(
        user=order.user,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference=order.number,
        deadline=timezone.now() + timedelta(seconds=30),
        **fields,
    )


def test_the_payment_status_of_an_order_awaiting_confirmation(ada, order):
    body = ada.get(f"/api/orders/{order.number}/payment/").json()

    assert body == {
        "order": order.number,
        "order_status": "awaiting_payment",
        "status": "awaiting_confirmation",
        "method": None,
        "amount": "51.00",
        "deadline": body["deadline"],
        "decided_at": None,
        "evidence": {},
        "face": None,
        "face_allowed": True,
        "face_limit": {
            "code": None,
            "message": "",
            "max_amount": "1000.00",
            "daily_max_amount": "1000.00",
            "paid_by_face_today": "0.00",
        },
    }


def test_the_payment_status_shows_the_face_check_under_way(ada, order):
    attempt = attempt_for(order)

    face = ada.get(f"/api/orders/{order.number}/payment/").json()["face"]

    assert face == {
        "attempt": str(attempt.public_id),
        "state": "streaming",
        "message": face["message"],
        "final": False,
        "deadline": face["deadline"],
        "reason": None,
        "tries_left": None,
    }
    assert face["message"]


def test_the_payment_status_shows_the_latest_face_checks_verdict(ada, order):
    attempt_for(order, status="declined", reason="no_smile")
    latest = attempt_for(order, status="declined", reason="no_match")
    VerificationAttempt.objects.filter(pk=latest.pk).update(
        started_at=timezone.now() + timedelta(seconds=1)
    )

    face = ada.get(f"/api/orders/{order.number}/payment/").json()["face"]

    assert face["attempt"] == str(latest.public_id)
    assert face["state"] == "declined"
    assert face["reason"] == "no_match"
    assert face["final"] is True
    assert face["tries_left"] == 3
    assert "does not match" in face["message"]


def _pay_by_face(order):
    attempt = attempt_for(order)
    attempt_decide(
        attempt=attempt,
        status=VerificationAttempt.Status.APPROVED,
        reason=VerificationAttempt.Reason.MATCHED_AND_SMILED,
    )
    assert Payment.objects.get(order=order).method == Payment.Method.FACE


def test_the_payment_status_says_why_face_payment_is_not_offered_over_the_order_limit(
    ada, order, settings
):
    settings.FACEAUTH_MAX_AMOUNT = "50.99"  # the order is 51.00

    body = ada.get(f"/api/orders/{order.number}/payment/").json()

    assert body["face_allowed"] is False
    assert body["face_limit"] == {
        "code": "order_over_face_limit",
        "message": (
            "Face payment is for orders up to ¥50.99. Confirm with your password."
        ),
        "max_amount": "50.99",
        "daily_max_amount": "1000.00",
        "paid_by_face_today": "0.00",
    }


def test_the_payment_status_says_why_face_payment_is_not_offered_over_the_daily_limit(
    ada, funded_shopper, product, order, settings
):
    settings.FACEAUTH_DAILY_MAX_AMOUNT = "100"
    _pay_by_face(order_place(user=funded_shopper, items={product: 2}))

    body = ada.get(f"/api/orders/{order.number}/payment/").json()

    assert body["face_allowed"] is False
    assert body["face_limit"]["code"] == "daily_face_limit"
    assert body["face_limit"]["message"] == (
        "You have paid ¥51 by face today; the daily limit is ¥100. "
        "Confirm with your password."
    )
    assert body["face_limit"]["paid_by_face_today"] == "51.00"
    assert body["face_limit"]["daily_max_amount"] == "100.00"


def test_the_payment_status_of_a_face_payment_counts_not_itself_and_has_no_limit(
    ada, order
):
    _pay_by_face(order)

    body = ada.get(f"/api/orders/{order.number}/payment/").json()

    assert (body["status"], body["method"]) == ("approved", "face")
    assert body["face_allowed"] is False
    assert body["face_limit"] is None


def test_a_face_limit_refusal_is_a_409_in_the_api_error_shape(rf):
    # No API endpoint starts a face check today; one that does gets this answer.
    limit = face_limit_decide(
        amount=Decimal("51"),
        paid_today=Decimal("0"),
        max_amount=Decimal("50"),
        daily_max=Decimal("100"),
    )
    request = rf.post("/api/orders/SP1/face/")

    response = exception_handler(
        FaceLimitExceeded(limit.message, limit=limit), {"request": request}
    )

    assert response.status_code == 409
    assert response.data == {
        "detail": "Face payment is for orders up to ¥50. Confirm with your password.",
        "code": "face_limit_exceeded",
    }


def test_confirming_with_the_password_pays_the_order(ada, funded_shopper, order):
    response = ada.post(
        f"/api/orders/{order.number}/confirm-password/",
        {"password": PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["method"], body["order_status"]) == (
        "approved",
        "password",
        "paid",
    )
    assert "password_confirmed_at" in body["evidence"]
    assert body["decided_at"] is not None
    assert wallet_for_user(user=funded_shopper).balance == 949
    assert ada.get(f"/api/orders/{order.number}/payment/").json() == body
    check_invariants()


def test_a_wrong_password_charges_nothing(ada, funded_shopper, order):
    response = ada.post(
        f"/api/orders/{order.number}/confirm-password/",
        {"password": "not-it"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "That password is not right. Nothing was charged. "
        "4 tries left before you have to wait to try again.",
        "code": "wrong_password",
    }
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION
    assert wallet_for_user(user=funded_shopper).balance == 1000


def test_too_many_wrong_passwords_answer_429_with_retry_after(
    ada, funded_shopper, order, password
):
    url = f"/api/orders/{order.number}/confirm-password/"
    codes = [
        ada.post(url, {"password": "not-it"}, format="json").status_code
        for _ in range(5)
    ]
    response = ada.post(url, {"password": password}, format="json")

    assert codes == [400, 400, 400, 400, 429]
    assert response.status_code == 429
    assert response.json()["code"] == "password_locked"
    assert int(response["Retry-After"]) > 0
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION
    assert wallet_for_user(user=funded_shopper).balance == 1000


def test_a_payment_is_confirmed_once(ada, order):
    url = f"/api/orders/{order.number}/confirm-password/"
    ada.post(url, {"password": PASSWORD}, format="json")

    response = ada.post(url, {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This payment is approved.",
        "code": "payment_not_open",
    }
    check_invariants()


def test_a_payment_the_wallet_cannot_cover_is_refused(api, shopper, product):
    order = order_place(user=shopper, items={product: 1})

    response = api(shopper).post(
        f"/api/orders/{order.number}/confirm-password/",
        {"password": PASSWORD},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION


def test_confirming_needs_a_password(ada, order):
    response = ada.post(
        f"/api/orders/{order.number}/confirm-password/", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"password": ["This field is required."]}


def test_after_eight_anonymous_wrong_passwords_the_shopper_still_pays(
    ada, api, funded_shopper, order, password
):
    # A stranger, without any session, at the token endpoint and the login form.
    stranger = api()
    for _ in range(4):
        stranger.post(
            "/api/auth/token/", {"username": "ada", "password": "x"}, format="json"
        )
        Client().post("/accounts/login/", {"username": "ada", "password": "x"})

    response = ada.post(
        f"/api/orders/{order.number}/confirm-password/",
        {"password": password},
        format="json",
    )

    assert response.status_code == 200
    assert Payment.objects.get().status == Payment.Status.APPROVED
