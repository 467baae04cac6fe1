"""The session engine with CACHE_URL: Django's cached_db, which reads the session from the database when
Redis does not answer, without failing on the way.

Django's cached_db.SessionStore.load() catches an error reading the cache but not one writing back what
it read from the database, so with Redis down every request with a session cookie failed in the first
middleware that looked at the user (500), /healthz included, which should say 503. Here the write-back
is guarded as Django's own save() guards its cache write: the database stays the record.
"""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
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
