"""CartSession: the visitor's cart in the session, the user's in the database."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from shop.cart import MAX_QUANTITY, CartSession, cart_clear, cart_lock_for_checkout
from shop.exceptions import OutOfStock, ProductUnavailable
from shop.models import Cart, CartItem
from shop.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _request(user=None):
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = user if user is not None else AnonymousUser()
    return request


@pytest.fixture
def visitor_cart():
    return CartSession(_request())


@pytest.fixture
def user_cart(shopper):
    return CartSession(_request(shopper))


@pytest.fixture
def big_stock_product(merchant):
    return ProductFactory(merchant=merchant, title="Spoon", slug="spoon", stock=500)


def _checkout_key(user):
    return Cart.objects.get(user=user).checkout_key


def _db_quantities(user):
    return dict(
        CartItem.objects.filter(cart__user=user).values_list("product_id", "quantity")
    )


# The visitor's cart, kept in the session ----------------------------------------


def test_visitor_add_keeps_quantity_in_session(visitor_cart, product):
    assert visitor_cart.add(product=product, quantity=2) == 2

    assert visitor_cart.session["cart"] == {str(product.pk): 2}
    assert visitor_cart.quantities() == {product.pk: 2}
    assert visitor_cart.count() == 2
    assert not CartItem.objects.exists()
    assert not Cart.objects.exists()


def test_visitor_add_twice_adds_up_quantities(visitor_cart, product):
    visitor_cart.add(product=product, quantity=2)

    assert visitor_cart.add(product=product, quantity=3) == 5
    assert visitor_cart.quantities() == {product.pk: 5}


def test_visitor_set_replaces_quantity(visitor_cart, product):
    visitor_cart.add(product=product, quantity=4)

    visitor_cart.set(product=product, quantity=1)

    assert visitor_cart.quantities() == {product.pk: 1}


def test_visitor_remove_drops_only_that_product(visitor_cart, product, merchant):
    spoon = ProductFactory(merchant=merchant, stock=3)
    visitor_cart.add(product=product, quantity=2)
    visitor_cart.add(product=spoon, quantity=1)

    visitor_cart.remove(product=product)

    assert visitor_cart.quantities() == {spoon.pk: 1}
    assert visitor_cart.count() == 1


def test_visitor_remove_of_absent_product_changes_nothing(visitor_cart, product):
    visitor_cart.remove(product=product)

    assert visitor_cart.quantities() == {}
    assert "cart" not in visitor_cart.session


def test_visitor_cart_lines_price_each_line(visitor_cart, product):
    visitor_cart.add(product=product, quantity=3)

    [line] = visitor_cart.lines()

    assert line.product == product
    assert line.quantity == 3
    assert line.line_total == Decimal("76.50")


def test_cart_lines_leave_out_products_withdrawn_since(visitor_cart, product):
    visitor_cart.add(product=product, quantity=1)
    product.active = False
    product.save()

    assert visitor_cart.lines() == []


@pytest.mark.parametrize("quantity", [1, MAX_QUANTITY])
def test_set_accepts_quantities_from_1_to_99(visitor_cart, big_stock_product, quantity):
    visitor_cart.set(product=big_stock_product, quantity=quantity)

    assert visitor_cart.quantities() == {big_stock_product.pk: quantity}


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, 10**6])
def test_set_rejects_quantity_out_of_bounds(visitor_cart, big_stock_product, quantity):
    visitor_cart.set(product=big_stock_product, quantity=2)

    with pytest.raises(ProductUnavailable, match="between 1 and 99"):
        visitor_cart.set(product=big_stock_product, quantity=quantity)

    assert visitor_cart.quantities() == {big_stock_product.pk: 2}


def test_add_past_99_in_total_is_refused(visitor_cart, big_stock_product):
    visitor_cart.add(product=big_stock_product, quantity=90)

    with pytest.raises(ProductUnavailable, match="between 1 and 99"):
        visitor_cart.add(product=big_stock_product, quantity=10)

    assert visitor_cart.quantities() == {big_stock_product.pk: 90}


def test_set_above_stock_raises_out_of_stock_with_what_is_left(visitor_cart, product):
    with pytest.raises(OutOfStock) as caught:
        visitor_cart.set(product=product, quantity=6)

    assert caught.value.available == 5
    assert str(caught.value) == "Only 5 of “Tea Mug” left in stock."
    assert visitor_cart.quantities() == {}


def test_add_that_would_exceed_stock_keeps_earlier_quantity(visitor_cart, product):
    visitor_cart.add(product=product, quantity=4)

    with pytest.raises(OutOfStock):
        visitor_cart.add(product=product, quantity=2)

    assert visitor_cart.quantities() == {product.pk: 4}


def test_add_of_sold_out_product_says_sold_out(visitor_cart, merchant):
    sold_out = ProductFactory(merchant=merchant, title="Kettle", stock=0)

    with pytest.raises(OutOfStock, match="“Kettle” is sold out."):
        visitor_cart.add(product=sold_out, quantity=1)


def test_add_of_inactive_product_raises_product_unavailable(visitor_cart, merchant):
    withdrawn = ProductFactory(merchant=merchant, title="Old Kettle", active=False)

    with pytest.raises(ProductUnavailable, match="“Old Kettle” is no longer for sale"):
        visitor_cart.add(product=withdrawn, quantity=1)

    assert visitor_cart.quantities() == {}


# The signed-in user's cart, kept in the database -----------------------------------


def test_user_add_stores_item_in_database_not_session(user_cart, shopper, product):
    assert user_cart.add(product=product, quantity=2) == 2
    assert user_cart.add(product=product, quantity=1) == 3

    assert _db_quantities(shopper) == {product.pk: 3}
    assert user_cart.count() == 3
    assert "cart" not in user_cart.session


def test_user_set_above_stock_raises_and_keeps_item(user_cart, shopper, product):
    user_cart.set(product=product, quantity=2)

    with pytest.raises(OutOfStock):
        user_cart.set(product=product, quantity=6)

    assert _db_quantities(shopper) == {product.pk: 2}


def test_user_set_of_inactive_product_is_refused(user_cart, shopper, merchant):
    withdrawn = ProductFactory(merchant=merchant, active=False)

    with pytest.raises(ProductUnavailable):
        user_cart.set(product=withdrawn, quantity=1)

    assert _db_quantities(shopper) == {}


def test_user_remove_deletes_item(user_cart, shopper, product):
    user_cart.add(product=product, quantity=2)

    user_cart.remove(product=product)

    assert _db_quantities(shopper) == {}
    assert user_cart.count() == 0


def test_each_edit_of_user_cart_rotates_checkout_key(user_cart, shopper, product):
    keys = [user_cart.checkout_key()]

    user_cart.add(product=product, quantity=1)
    keys.append(_checkout_key(shopper))
    user_cart.set(product=product, quantity=3)
    keys.append(_checkout_key(shopper))
    user_cart.add(product=product, quantity=1)
    keys.append(_checkout_key(shopper))
    user_cart.remove(product=product)
    keys.append(_checkout_key(shopper))

    assert len(set(keys)) == 5
    assert user_cart.checkout_key() == keys[-1]


def test_refused_edit_keeps_checkout_key(user_cart, shopper, product):
    user_cart.add(product=product, quantity=1)
    key = _checkout_key(shopper)

    with pytest.raises(OutOfStock):
        user_cart.set(product=product, quantity=6)

    assert _checkout_key(shopper) == key


def test_reading_user_cart_keeps_checkout_key(user_cart, shopper, product):
    user_cart.add(product=product, quantity=1)
    key = user_cart.checkout_key()

    user_cart.lines()
    user_cart.quantities()
    user_cart.count()

    assert user_cart.checkout_key() == key


def test_cart_clear_empties_cart_and_rotates_key(user_cart, shopper, product):
    user_cart.add(product=product, quantity=1)
    key = _checkout_key(shopper)

    cart_clear(user=shopper)

    assert _db_quantities(shopper) == {}
    assert _checkout_key(shopper) != key


# Signing in: the visitor's cart joins the user's ----------------------------------


def test_merge_moves_session_cart_into_empty_user_cart(visitor_cart, shopper, product):
    visitor_cart.add(product=product, quantity=2)

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == []
    assert _db_quantities(shopper) == {product.pk: 2}
    assert "cart" not in visitor_cart.session
    assert visitor_cart.quantities() == {product.pk: 2}


def test_merge_adds_quantities_to_those_already_in_user_cart(
    visitor_cart, shopper, product, big_stock_product
):
    CartSession(_request(shopper)).set(product=product, quantity=1)
    visitor_cart.add(product=product, quantity=2)
    visitor_cart.add(product=big_stock_product, quantity=4)

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == []
    assert _db_quantities(shopper) == {product.pk: 3, big_stock_product.pk: 4}


def test_merge_caps_quantity_at_stock_and_reports_it(visitor_cart, shopper, product):
    CartSession(_request(shopper)).set(product=product, quantity=4)
    visitor_cart.add(product=product, quantity=3)

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == ["Only 5 of “Tea Mug” left in stock."]
    assert _db_quantities(shopper) == {product.pk: 5}


def test_merge_caps_quantity_at_99(visitor_cart, shopper, big_stock_product):
    CartSession(_request(shopper)).set(product=big_stock_product, quantity=60)
    visitor_cart.add(product=big_stock_product, quantity=60)

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == []
    assert _db_quantities(shopper) == {big_stock_product.pk: MAX_QUANTITY}


def test_merge_reports_product_sold_out_since_and_leaves_it_out(
    visitor_cart, shopper, product
):
    visitor_cart.add(product=product, quantity=2)
    product.stock = 0
    product.save()

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == ["“Tea Mug” is sold out."]
    assert _db_quantities(shopper) == {}


def test_merge_drops_product_withdrawn_since(visitor_cart, shopper, product, merchant):
    spoon = ProductFactory(merchant=merchant, stock=3)
    visitor_cart.add(product=product, quantity=2)
    visitor_cart.add(product=spoon, quantity=1)
    product.active = False
    product.save()

    problems = visitor_cart.merge_session_into_user(shopper)

    assert problems == []
    assert _db_quantities(shopper) == {spoon.pk: 1}


def test_merge_rotates_checkout_key(visitor_cart, shopper, product):
    key = CartSession(_request(shopper)).checkout_key()
    visitor_cart.add(product=product, quantity=1)

    visitor_cart.merge_session_into_user(shopper)

    assert _checkout_key(shopper) != key


# Checkout reads the cart under a lock ---------------------------------------------


def test_cart_lock_for_checkout_returns_key_and_lines_the_cart_shows(
    user_cart, shopper, product, merchant
):
    withdrawn = ProductFactory(merchant=merchant, stock=3)
    user_cart.add(product=product, quantity=2)
    user_cart.add(product=withdrawn, quantity=1)
    withdrawn.active = False
    withdrawn.save()

    key, lines = cart_lock_for_checkout(user=shopper)

    assert key == _checkout_key(shopper)
    assert [(line.product.pk, line.quantity) for line in lines] == [(product.pk, 2)]
    assert lines == user_cart.lines()


def test_cart_lock_for_checkout_of_user_without_cart_is_empty(shopper):
    assert cart_lock_for_checkout(user=shopper) == (None, [])
