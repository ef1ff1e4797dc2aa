class ApiError(Exception):
    """Base of the API's own request errors; `str()` is safe to show the client."""

    status_code = 400
    code = "invalid"


class IdempotencyKeyInvalid(ApiError):
    """Raised when the Idempotency-Key header is missing or not a short token."""

    code = "idempotency_key_invalid"


class IdempotencyKeyReused(ApiError):
    """Raised when an Idempotency-Key comes back with a different request body."""

    status_code = 422
    code = "idempotency_key_reused"


class NotInCart(ApiError):
    """Raised when a cart line is changed for a product the cart does not hold."""

    status_code = 404
    code = "not_found"
