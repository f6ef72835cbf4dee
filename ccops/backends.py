from django.contrib.auth.backends import ModelBackend

from ccops.api.authentication import user_by_id
from ccops.api.fields import BIGINT


class TeamAwareBackend(ModelBackend):
    """Loads the user with their team and roles in one statement (planned once per database
    connection): every page shows and checks both. Through the ORM it was a query for the
    user and team and one for the roles, 4% of the server's CPU under the load test."""

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        if not 0 < pk <= BIGINT:  # (beyond it PostgreSQL refuses the statement)
            return None
        user = user_by_id(pk)
        return user if user and self.user_can_authenticate(user) else None
