import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class AccountsError(Exception):
    """Base of the accounts domain errors; `str()` is safe to show the user."""


class TooManyAttempts(AccountsError):
    """Raised when a username, address or email is locked after too many tries."""

    def __init__(self, *, retry_after: int, action: str = "sign-in"):
        self.retry_after = max(1, math.ceil(retry_after))
        self.action = action
        super().__init__(_wait_text(action, math.ceil(self.retry_after / 60)))


class AttemptsInFlight(TooManyAttempts):
    """Raised when as many password checks of one account are under way as it has
    failures left: a moment's wait, counted as nothing."""

    def __init__(self):
        AccountsError.__init__(
            self, _("Another password check is under way. Try again in a moment.")
        )
        self.retry_after = 1
        self.action = "sign-in"


def _wait_text(action: str, minutes: int) -> str:
    """The refusal in the active language (raised in a request): one whole sentence
    per action, so a translator never has to fit a noun into another's sentence."""
    if action == "password reset":
        if minutes <= 1:
            return _(
                "Too many password reset attempts. Please wait a minute and try again."
            )
        return ngettext(
            "Too many password reset attempts. Please wait %(minutes)d minute and "
            "try again.",
            "Too many password reset attempts. Please wait %(minutes)d minutes and "
            "try again.",
            minutes,
        ) % {"minutes": minutes}
    if action == "sign-up":
        return ngettext(
            "Too many sign-ups. Please wait %(minutes)d minute and try again.",
            "Too many sign-ups. Please wait %(minutes)d minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
    if minutes <= 1:
        return _("Too many sign-in attempts. Please wait a minute and try again.")
    return ngettext(
        "Too many sign-in attempts. Please wait %(minutes)d minute and try again.",
        "Too many sign-in attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}
