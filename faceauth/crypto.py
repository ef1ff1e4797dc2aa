"""Encryption of face templates at rest (Fernet, keys from FACEAUTH_KEYS).

A template is stored as the Fernet token of its little-endian float64 bytes:
never pickled, never in the clear. The first key encrypts; every key decrypts,
so keys can be rotated by putting a new one first and re-encrypting.
"""

import binascii

import numpy as np
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import engine
from .exceptions import FaceKeysMissing, TemplateUnreadable

# English, as tests compare it; translated where it is raised.
MISSING_KEYS_MESSAGE = gettext_noop(
    "Face payment is not available: the server has no face template key configured."
)


def keyring() -> MultiFernet:
    """Return the configured keys, newest first; raise FaceKeysMissing if none work."""
    keys = [key.strip() for key in settings.FACEAUTH_KEYS if key.strip()]
    if not keys:
        raise FaceKeysMissing(_(MISSING_KEYS_MESSAGE))
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, binascii.Error) as error:
        raise FaceKeysMissing(
            _(
                "Face payment is not available: a FACEAUTH_KEYS entry is not a valid "
                "Fernet key."
            )
        ) from error


def encrypt_encoding(encoding: np.ndarray) -> bytes:
    """Return the encrypted bytes of a 128-d encoding."""
    vector = np.asarray(encoding, dtype=engine.ENCODING_DTYPE)
    if vector.shape != (engine.ENCODING_SIZE,) or not np.all(np.isfinite(vector)):
        raise ValueError("a face encoding is 128 finite numbers")
    return keyring().encrypt(vector.tobytes())


def decrypt_encoding(token: bytes) -> np.ndarray:
    """Return the encoding in an encrypted template, or raise TemplateUnreadable."""
    try:
        raw = keyring().decrypt(bytes(token))
    except InvalidToken as error:
        raise TemplateUnreadable(
            _(
                "Your face template cannot be read with this server's keys; "
                "pay with your password, or set up face payment again."
            )
        ) from error
    if len(raw) != engine.ENCODING_SIZE * engine.ENCODING_DTYPE.itemsize:
        raise TemplateUnreadable(_("A stored face template is damaged."))
    return np.frombuffer(raw, dtype=engine.ENCODING_DTYPE).copy()


def reencrypt(token: bytes) -> bytes:
    """Return the token re-encrypted under the newest key (same encoding)."""
    try:
        return keyring().rotate(bytes(token))
    except InvalidToken as error:
        raise TemplateUnreadable(_("A stored face template matches no key.")) from error


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
