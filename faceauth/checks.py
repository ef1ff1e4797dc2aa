from django.conf import settings
from django.core.checks import Error, Warning, register

from . import crypto
from .exceptions import FaceKeysMissing


@register()
def check_face_keys(app_configs, **kwargs):
    """Say at start-up, not at the first checkout, when face keys are unusable."""
    if not [key for key in settings.FACEAUTH_KEYS if key.strip()]:
        return [
            Warning(
                "FACEAUTH_KEYS is empty: face enrolment and face payment are off.",
                hint="Run `make setup` (writes .faceauth-keys) or set FACEAUTH_KEYS.",
                id="faceauth.W001",
            )
        ]
    try:
        crypto.keyring()
    except FaceKeysMissing as error:
        return [Error(str(error), id="faceauth.E001")]
    return []
