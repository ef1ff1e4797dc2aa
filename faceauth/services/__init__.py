"""Writes of the faceauth app.

- enrolment: consent, enrolment, matching, key rotation, retention;
- attempts: face checks: start, the state the page shows, verdicts, expiry;
- checks: one frame of a face check, from Redis to the tracker's outcome applied;
- lockout: failed checks in a row lock face payment;
- evidence: what a payment records of the check that approved it;
- sessions: whether the session a check streams through is still signed in.
"""

from .enrolment import (
    ENROL_JITTER_BUDGET,
    ENROL_MAX_IMAGES,
    ENROL_MIN_IMAGES,
    FaceMatch,
    biometrics_purge,
    consent_give,
    consent_withdraw,
    enrolment_answer,
    enrolment_frame_answer,
    enrolment_frame_check,
    enrolment_frame_screen,
    face_enroll,
    face_match,
    templates_reencrypt,
)

__all__ = [
    "ENROL_JITTER_BUDGET",
    "ENROL_MAX_IMAGES",
    "ENROL_MIN_IMAGES",
    "FaceMatch",
    "biometrics_purge",
    "consent_give",
    "consent_withdraw",
    "enrolment_answer",
    "enrolment_frame_answer",
    "enrolment_frame_check",
    "enrolment_frame_screen",
    "face_enroll",
    "face_match",
    "templates_reencrypt",
]
