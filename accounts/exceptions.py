import math


class AccountsError(Exception):
    """Base of the accounts domain errors; `str()` is safe to show the user."""


class TooManyAttempts(AccountsError):
    """Raised when a username, address or email is locked after too many tries."""

    def __init__(self, *, retry_after: int, action: str = "sign-in"):
        self.retry_after = max(1, math.ceil(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
        super().__init__(
            f"Too many {action} attempts. Please wait {wait} and try again."
        )
