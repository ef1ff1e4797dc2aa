"""Settings for a developer's machine: `make run` and the demo."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)

# `make setup` writes a development key to .faceauth-keys (never committed).
if not FACEAUTH_KEYS and (BASE_DIR / ".faceauth-keys").exists():  # noqa: F405
    FACEAUTH_KEYS = (BASE_DIR / ".faceauth-keys").read_text().split()  # noqa: F405
