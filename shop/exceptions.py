class ShopError(Exception):
    """Base of the shop's domain errors; `str()` is safe to show the shopper."""


class ProductUnavailable(ShopError):
    """Raised when a product is unknown, inactive or asked for in a bad quantity."""


class OutOfStock(ShopError):
    """Raised when a product has fewer units on the shelf than asked for."""

    def __init__(self, product, available):
        self.product = product
        self.available = available
        super().__init__(
            f"Only {available} of “{product.title}” left in stock."
            if available
            else f"“{product.title}” is sold out."
        )


class CartEmpty(ShopError):
    """Raised when an order is placed from a cart with nothing in it."""


class InvalidTransition(ShopError):
    """Raised when an order is moved from a status that does not allow it."""


class LineNotPending(ShopError):
    """Raised when an order line is shipped or cancelled a second time, or its order
    is not paid."""
