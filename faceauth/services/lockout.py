"""The face lockout: failed checks in a row lock face payment for a doubling time."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ..models import VerificationAttempt

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

LOCK_AFTER_FAILURES = 5
LOCK_FIRST_MINUTES = 1  # then doubled for every further failure
LOCK_MAX_MINUTES = 24 * 60
FAILED = (Status.DECLINED, Status.EXPIRED)
# Not the shopper's failure: not counted towards the lockout.
NOT_COUNTED = (
    Reason.REPLACED,
    Reason.KEYS_UNAVAILABLE,
    Reason.NOT_ENROLLED,
    Reason.SIGNED_OUT,
)


@dataclass(frozen=True)
class FaceLock:
    failures: int  # failed attempts in a row
    until: datetime | None

    @property
    def locked(self) -> bool:
        return self.until is not None and self.until > timezone.now()

    @property
    def tries_left(self) -> int:
        return max(0, LOCK_AFTER_FAILURES - self.failures)


def face_lock_of(user) -> FaceLock:
    """Failed attempts since the last approval, and until when face pay is locked."""
    recent = (
        VerificationAttempt.objects.filter(user=user)
        .exclude(status=Status.OPEN)
        .exclude(reason__in=NOT_COUNTED)
        .order_by("-decided_at")
        .values_list("status", "decided_at")[:64]
    )
    failures, last_failure = 0, None
    for status, decided_at in recent:
        if status not in FAILED:
            break
        failures += 1
        last_failure = last_failure or decided_at
    if failures < LOCK_AFTER_FAILURES:
        return FaceLock(failures=failures, until=None)
    minutes = min(
        LOCK_MAX_MINUTES, LOCK_FIRST_MINUTES * 2 ** (failures - LOCK_AFTER_FAILURES)
    )
    return FaceLock(failures=failures, until=last_failure + timedelta(minutes=minutes))
