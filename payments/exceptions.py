class PaymentError(Exception):
    """Base of the payments domain errors; `str()` is safe to show the shopper."""


class InsufficientFunds(PaymentError):
    """Raised when a wallet would go below zero."""


class UnbalancedTransfer(PaymentError):
    """Raised when ledger entries of one transfer do not sum to zero."""


class PaymentNotOpen(PaymentError):
    """Raised when a payment is no longer awaiting confirmation (decided or late)."""


class WrongPassword(PaymentError):
    """Raised when the password re-entered to confirm a payment is not the user's."""


class PasswordLocked(PaymentError):
    """Raised when too many wrong passwords lock the account's password for a while."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class CheckoutStale(PaymentError):
    """Raised when a checkout was reviewed against a cart or prices that changed."""


class InvalidAmount(PaymentError):
    """Raised when an amount is not a positive number of cents within limits."""


class FaceLimitExceeded(PaymentError):
    """Raised when paying by face would pass the per-order or the daily face limit."""

    def __init__(self, message: str, *, limit):
        super().__init__(message)
        self.limit = limit
