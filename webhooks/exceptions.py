from django.utils.translation import gettext


def message_in_language(message: str, params: dict | None = None) -> str:
    """`message`, an English msgid kept as written (stored, or raised in a worker),
    in the active language, with its `params` put in."""
    text = gettext(message) if message else ""
    return text % params if params else text


class WebhookError(Exception):
    """Base of this app's errors; str() is the message a merchant sees."""


class UnsafeURL(WebhookError):
    """Raised when an endpoint URL is not https where required, or resolves to an
    address webhooks must not reach (loopback, private, link-local, metadata).

    It holds the English message and its parameters: str() is in the language
    active when it is read, so a refusal raised in a worker and stored on an
    attempt is shown in each reader's language.
    """

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message, self.params = message, params

    def __str__(self):
        return message_in_language(self.message, self.params)
