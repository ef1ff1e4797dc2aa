"""Whether the session a face check streams through is still signed in."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare


def session_signed_in(*, session_key: str, user_id: int, user=None) -> bool:
    """Whether the session is still signed in as the user: not signed out (flushed),
    not expired, not cut off by a password change. Only reads; `user`, when the
    caller has just loaded it, saves reading it again.

    django.contrib.auth.get_user would also flush or cycle the session it checks.
    """
    if not session_key:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY, "")) != str(user_id):
        return False
    if user is None:
        user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        return False
    session_hash = data.get(HASH_SESSION_KEY) or ""
    return any(
        constant_time_compare(session_hash, known)
        for known in (
            user.get_session_auth_hash(),
            *user.get_session_auth_fallback_hash(),
        )
    )
