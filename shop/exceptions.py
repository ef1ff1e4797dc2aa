from django.utils.translation import gettext, ngettext


class ShopError(Exception):
    """Base of the shop's domain errors; `str()` is safe to show the shopper."""


class ProductUnavailable(ShopError):
    """Raised when a product is unknown, inactive or asked for in a bad quantity."""


class OutOfStock(ShopError):
    """Raised when a product has fewer units on the shelf than asked for."""

    def __init__(self, product, available):
        self.product = product
        self.available = available
        if available:
            message = ngettext(
                "Only %(count)d of “%(title)s” left in stock.",
                "Only %(count)d of “%(title)s” left in stock.",
                available,
            )
        else:
            message = gettext("“%(title)s” is sold out.")
        super().__init__(message % {"count": available, "title": product.title})


class CartEmpty(ShopError):
    """Raised when an order is placed from a cart with nothing in it."""


class InvalidTransition(ShopError):
    """Raised when an order is moved from a status that does not allow it."""


class LineNotPending(ShopError):
    """Raised when an order line is shipped or cancelled a second time, or its order
    is not paid."""
