"""The one wrapper around the cart: the session for visitors, the database for users."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from .exceptions import OutOfStock, ProductUnavailable
from .models import Cart, CartItem, Product
from .selectors import products_active_by_ids

MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def exceeds_stock(self) -> bool:
        return self.quantity > self.product.stock


def _check_quantity(product, quantity):
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ProductUnavailable(
            _("Choose a quantity between 1 and %(max)d.") % {"max": MAX_QUANTITY}
        )
    if not product.active:
        raise ProductUnavailable(
            _("“%(title)s” is no longer for sale.") % {"title": product.title}
        )
    if quantity > product.stock:
        raise OutOfStock(product, product.stock)


class CartSession:
    """The shopper's cart, wherever it is kept."""

    SESSION_KEY = "cart"
    SHIPPING_KEY = "checkout_shipping"

    def __init__(self, request):
        self.session = request.session
        # login() may hand its signal a request without `user` (the test client's
        # force_login, a bare HttpRequest): that request is still a visitor's.
        user = getattr(request, "user", None)
        self.user = user if user is not None and user.is_authenticated else None

    # Reading -----------------------------------------------------------------

    def quantities(self) -> dict[int, int]:
        if self.user is None:
            raw = self.session.get(self.SESSION_KEY, {})
            return {int(pk): int(qty) for pk, qty in raw.items()}
        return dict(
            CartItem.objects.filter(cart__user=self.user).values_list(
                "product_id", "quantity"
            )
        )

    def lines(self) -> list[CartLine]:
        quantities = self.quantities()
        products = products_active_by_ids(ids=quantities.keys()).order_by("pk")
        return [CartLine(product=p, quantity=quantities[p.pk]) for p in products]

    def count(self) -> int:
        if self.user is None:
            return sum(self.quantities().values())
        total = CartItem.objects.filter(cart__user=self.user).aggregate(
            n=Sum("quantity")
        )["n"]
        return total or 0

    def checkout_key(self) -> uuid.UUID:
        return self._user_cart().checkout_key

    def shipping(self) -> dict | None:
        """The shipping address entered at checkout, kept until an order is placed."""
        return self.session.get(self.SHIPPING_KEY)

    def set_shipping(self, address: dict) -> None:
        self.session[self.SHIPPING_KEY] = address

    # Writing -----------------------------------------------------------------

    def add(self, *, product, quantity: int) -> int:
        """Add units of a product; return the quantity now in the cart."""
        new_quantity = self.quantities().get(product.pk, 0) + quantity
        self.set(product=product, quantity=new_quantity)
        return new_quantity

    def set(self, *, product, quantity: int) -> None:
        _check_quantity(product, quantity)
        if self.user is None:
            cart = self.session.get(self.SESSION_KEY, {})
            cart[str(product.pk)] = quantity
            self.session[self.SESSION_KEY] = cart
            return
        with transaction.atomic():
            cart = self._user_cart()
            CartItem.objects.update_or_create(
                cart=cart, product=product, defaults={"quantity": quantity}
            )
            self._touch(cart)

    def remove(self, *, product) -> None:
        if self.user is None:
            cart = self.session.get(self.SESSION_KEY, {})
            if cart.pop(str(product.pk), None) is not None:
                self.session[self.SESSION_KEY] = cart
            return
        with transaction.atomic():
            cart = self._user_cart()
            CartItem.objects.filter(cart=cart, product=product).delete()
            self._touch(cart)

    def merge_session_into_user(self, user) -> list[str]:
        """Move the visitor's session cart into `user`'s cart; return any problems."""
        visitor_items = self.session.pop(self.SESSION_KEY, {})
        self.user = user
        problems = []
        in_cart = self.quantities()
        products = {
            p.pk: p for p in products_active_by_ids(ids=map(int, visitor_items))
        }
        for pk, quantity in visitor_items.items():
            product = products.get(int(pk))
            if product is None:
                continue
            wanted = min(in_cart.get(product.pk, 0) + int(quantity), MAX_QUANTITY)
            try:
                self.set(product=product, quantity=wanted)
            except OutOfStock as exc:
                problems.append(str(exc))
                if exc.available:
                    self.set(product=product, quantity=exc.available)
        return problems

    def _user_cart(self) -> Cart:
        cart, _ = Cart.objects.get_or_create(user=self.user)
        return cart

    @staticmethod
    def _touch(cart):
        # A new key: any checkout reviewed before this edit is now stale.
        Cart.objects.filter(pk=cart.pk).update(checkout_key=uuid.uuid4())


def cart_clear(*, user) -> None:
    """Empty a user's cart after an order was placed from it."""
    CartItem.objects.filter(cart__user=user).delete()
    Cart.objects.filter(user=user).update(checkout_key=uuid.uuid4())


def cart_lock_for_checkout(*, user) -> tuple[uuid.UUID | None, list[CartLine]]:
    """Lock `user`'s cart row until the transaction ends; return its key and lines."""
    cart = Cart.objects.select_for_update().filter(user=user).first()
    if cart is None:
        return None, []
    # The same lines the shopper reviewed: a product withdrawn since it was added is
    # left out there, so it must be here too, or the totals never agree.
    items = (
        CartItem.objects.filter(cart=cart, product__active=True)
        .select_related("product__merchant")
        .order_by("product_id")
    )
    return cart.checkout_key, [
        CartLine(product=i.product, quantity=i.quantity) for i in items
    ]
