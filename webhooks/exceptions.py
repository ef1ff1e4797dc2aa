class WebhookError(Exception):
    """Base of this app's errors; str() is the message a merchant sees."""


class UnsafeURL(WebhookError):
    """Raised when an endpoint URL is not https where required, or resolves to an
    address webhooks must not reach (loopback, private, link-local, metadata)."""
