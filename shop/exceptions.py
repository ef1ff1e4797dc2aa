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


class InvalidStockChange(ShopError):
    """Raised when a stock change by hand is empty, goes the wrong way for its reason
    (a restock that takes away), names a reason kept for orders, or would take the
    stock above MAX_STOCK."""


class StockTooLow(ShopError):
    """Raised when staff take away more units than are on the shelf."""

    def __init__(self, product, available, asked):
        self.product = product
        self.available = available
        super().__init__(
            ngettext(
                "Only %(count)d of “%(title)s” is on the shelf: %(asked)d cannot be "
                "taken away.",
                "Only %(count)d of “%(title)s” are on the shelf: %(asked)d cannot be "
                "taken away.",
                available,
            )
            % {"count": available, "title": product.title, "asked": asked}
        )


class StockChanged(ShopError):
    """Raised when staff set a product's stock to a count, but the stock is no longer
    what they saw (an order reserved some, or someone else changed it meanwhile)."""

    def __init__(self, product, seen, current):
        self.product = product
        self.seen = seen
        self.current = current
        super().__init__(
            gettext(
                "The stock of “%(title)s” changed from %(seen)d to %(current)d while "
                "you were editing (orders reserve stock as they are placed). Nothing "
                "was saved: check the new figure and save again."
            )
            % {"title": product.title, "seen": seen, "current": current}
        )


class PictureRejected(ShopError):
    """Raised when an uploaded product picture is not a picture, is damaged, or is
    over the size or pixel limits (shop/pictures.py)."""


class ProductHasOrders(ShopError):
    """Raised when staff delete a product that orders name: it can only be
    deactivated (taken off sale), so the orders keep what they sold."""
