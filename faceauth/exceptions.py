class FaceAuthError(Exception):
    """Base of the faceauth domain errors; `str()` is safe to show the user."""


class FaceKeysMissing(FaceAuthError):
    """Raised when FACEAUTH_KEYS holds no usable key, so templates cannot be used."""


class TemplateUnreadable(FaceAuthError):
    """Raised when a stored template does not decrypt under any configured key."""


class ConsentRequired(FaceAuthError):
    """Raised when biometrics would be processed for a user without active consent."""


class NotEnrolled(FaceAuthError):
    """Raised when a user who has no face templates is to be matched."""


class EnrolmentRejected(FaceAuthError):
    """Raised when an enrolment image gives no usable face; carries the reason."""

    def __init__(self, message: str, *, index: int, reason: str):
        super().__init__(message)
        self.index = index
        self.reason = reason


class FaceLocked(FaceAuthError):
    """Raised when too many failed attempts in a row lock face payment for a while."""

    def __init__(self, message: str, *, until):
        super().__init__(message)
        self.until = until


class AttemptNotOpen(FaceAuthError):
    """Raised when a verification attempt is decided, expired or not the user's."""
