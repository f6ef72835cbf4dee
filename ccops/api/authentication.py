"""API token authentication that reads the user, their team and their roles in one query;
the same read by id serves the pages' session login (``ccops.backends``).

DRF's ``TokenAuthentication`` reads the token and its user (one query), then the first
permission check reads the user's groups (a second one), on every API request: for an agent
taking and finishing work all day that is a third of the queries of the request. This reads
the same rows joined, one row per group, in one hand-written statement.
"""

from functools import cache

from django.db import connection
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ccops.models import Team, User
from ccops.rows import columns, execute, from_row

_SQL = """
SELECT {user_columns}, {team_columns}, g.name
FROM {source}
LEFT JOIN {teams} tm ON tm.id = u.team_id
LEFT JOIN {user_groups} ug ON ug.{ug_user} = u.id
LEFT JOIN {groups} g ON g.id = ug.{ug_group}
WHERE {where}
"""


@cache
def _sql(by: str) -> str:
    q = connection.ops.quote_name
    through = User._meta.get_field("groups").remote_field.through
    users = q(User._meta.db_table)
    source, where = {
        "token": (f"{q(Token._meta.db_table)} tk JOIN {users} u ON u.id = tk.user_id", "tk.key"),
        "id": (f"{users} u", "u.id"),
    }[by]
    return _SQL.format(
        user_columns=columns(User, "u"),
        team_columns=columns(Team, "tm"),
        source=source,
        where=f"{where} = %(value)s",
        teams=q(Team._meta.db_table),
        user_groups=q(through._meta.db_table),
        ug_user=q(through._meta.get_field("user").column),
        ug_group=q(through._meta.get_field("group").column),
        groups=q(through._meta.get_field("group").related_model._meta.db_table),
    )


def _user(by: str, value) -> User | None:
    """The user with ``team`` loaded and ``role_names`` filled; ``None`` if none."""
    with connection.cursor() as cursor:
        execute(cursor, _sql(by), {"value": value})
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    user, end = from_row(User, first)
    user.team, _ = from_row(Team, first, end, present=user.team_id is not None)
    # What ``User.role_names`` would read (an inactive user holds no role).
    names = frozenset(row[-1] for row in rows if row[-1] is not None)
    user._role_names = names if user.is_active else frozenset()
    return user


def user_by_token(key: str) -> User | None:
    """The token's user, with their team and roles (one statement)."""
    return _user("token", key)


def user_by_id(pk: int) -> User | None:
    """The user with this id, with their team and roles (one statement): a page's user,
    from the session (``ccops.backends``)."""
    return _user("id", pk)


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the user's team and roles preloaded."""

    def authenticate_credentials(self, key):
        user = user_by_token(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        # By id: a token built with the user object would be cached on the user as its
        # reverse one-to-one, a reference cycle left for the garbage collector.
        return (user, Token(key=key, user_id=user.pk))
