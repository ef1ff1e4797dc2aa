"""The shop's session engine: Django's database sessions, in a table that knows
which user each session is signed in to (UserSession, below).

SESSION_ENGINE = "accounts.sessions" (config/settings/base.py). The session data
are signed and stored as Django's own engine does, so sessions copied from
django_session (migration 0002) read the same.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = user_id_of(data)
        return session


def user_id_of(data: dict) -> int | None:
    """The id of the user a session's data are signed in to, or None."""
    try:
        return int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


class UserSession(AbstractBaseSession):
    """A browser's session, with the id of the user signed in to it, indexed:
    "sign out everywhere" ends a user's sessions without reading anyone else's.
    A plain integer, not a foreign key, as in Django's own session data: a session
    is written after every request, even one that raced the user's deletion."""

    user_id = models.IntegerField(null=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        return SessionStore
