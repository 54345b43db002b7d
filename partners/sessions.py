"""The session engine (SESSION_ENGINE = "partners.sessions"): Django's database-backed sessions, stored as
partners.BrowserSession with the signed-in person's id beside the encoded data ("Extending database-backed
session engines" in Django's documentation).

The class keeps Django's name, SessionStore: the name is part of the salt of the session data's signature,
so sessions written by django.contrib.sessions' engine decode with this one (migration 0006 moved them).
`manage.py clearsessions` calls SessionStore.clear_expired(), which deletes the expired BrowserSession rows.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


def user_id_of(data) -> int | None:
    """The signed-in person's id in a session's data, None for an anonymous session."""
    try:
        return int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import BrowserSession

        return BrowserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = user_id_of(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_id = user_id_of(data)
        return session
