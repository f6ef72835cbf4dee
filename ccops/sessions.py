"""Django's database sessions, read by one prepared statement.

Every page reads its session first. Through the ORM that query was compiled in Python and
planned by PostgreSQL on every request; this reads the same row (the key, not expired) with
a statement planned once per database connection (``ccops.rows``). Writing, expiring and
clearing sessions are Django's own.
"""

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from ccops.rows import columns, execute, from_row


class SessionStore(db.SessionStore):
    @classmethod
    @cache
    def _sql(cls) -> str:
        model = cls.get_model_class()
        return (
            f"SELECT {columns(model)} FROM {connection.ops.quote_name(model._meta.db_table)} "
            "WHERE session_key = %(key)s AND expire_date > %(now)s"
        )

    def _get_session_from_db(self):
        with connection.cursor() as cursor:
            execute(cursor, self._sql(), {"key": self.session_key, "now": timezone.now()})
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: a new session, under a new key
            return None
        return from_row(self.model, row)[0]
