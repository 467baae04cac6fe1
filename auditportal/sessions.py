"""The session engine with CACHE_URL: Django's cached_db, which reads the session from the database when
Redis does not answer, without failing on the way.

Django's cached_db.SessionStore.load() catches an error reading the cache but not one writing back what
it read from the database, so with Redis down every request with a session cookie failed in the first
middleware that looked at the user (500), /healthz included, which should say 503. Here the write-back
is guarded as Django's own save() guards its cache write: the database stays the record.

Nor does it catch one in exists() (asked for each new session key: signing in, cycle_key()) or delete()
(signing out, and the session left behind on signing in): with Redis down nobody could sign in or out,
a bare 500 each time. exists() asks the database alone then; delete() removes the database's row, the
record, and the response clears the browser's cookie as usual. A copy Redis still holds, if it comes back
with its data, would answer for that cookie's value until the session's expiry (SESSION_IDLE_SECONDS at
most), signed in: so a session ended (signing out, flush()) whose copy could not be deleted ends every
session of its person (User.sessions_ended_at, which the session auth hash checked on every request
holds), that copy with them, logged as an error; the person signs in again on their other devices.
"""

import logging

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import cached_db
from django.utils import timezone

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    _cache_copy_left = False  # delete() could not take the session's copy out of the cache

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - as Django's: any cache error means "read the database"
            data = None
        if data is not None:
            return data
        s = self._get_session_from_db()
        if not s:
            return {}
        data = self.decode(s.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=s.expire_date))
        except Exception as error:  # noqa: BLE001
            logger.warning("sessions: not kept in the cache (%s): %r", self._cache, error)
        return data

    def exists(self, session_key):
        if not session_key:
            return False
        try:
            if self.cache_key_prefix + session_key in self._cache:
                return True
        except Exception as error:  # noqa: BLE001
            logger.warning("sessions: the cache not asked whether a key exists (%s): %r", self._cache, error)
        return super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        # The database's row first (Django's order): the record, whatever the cache does.
        super(cached_db.SessionStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception as error:  # noqa: BLE001
            self._cache_copy_left = True
            logger.error("sessions: a deleted session left in the cache (%s): %r", self._cache, error)

    def flush(self):
        user_id = self.get(SESSION_KEY)
        self._cache_copy_left = False
        super().flush()
        if self._cache_copy_left and user_id is not None:
            # Its copy would be signed in again for its cookie once the cache answers: no longer.
            get_user_model().objects.filter(pk=user_id).update(sessions_ended_at=timezone.now())
            logger.error(
                "sessions: a session ended with its copy left in the cache; every session of user %s ended", user_id
            )
