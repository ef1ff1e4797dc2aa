"""Writes of the faceauth app.

- enrolment: consent, enrolment, matching, key rotation, retention;
- attempts: live verification attempts, their verdicts and the lockout.
"""

from .enrolment import (
    ENROL_JITTER_BUDGET,
    ENROL_MAX_IMAGES,
    ENROL_MIN_IMAGES,
    FaceMatch,
    biometrics_purge,
    consent_give,
    consent_withdraw,
    enrolment_frame_check,
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
    "enrolment_frame_check",
    "face_enroll",
    "face_match",
    "templates_reencrypt",
]
