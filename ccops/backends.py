from django.contrib.auth.backends import ModelBackend

from ccops.models import User


class TeamAwareBackend(ModelBackend):
    """Django's ``ModelBackend``, loading the user's team with the user: every page shows
    it and scopes its reads by it, so it would otherwise be a second query per page."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("team").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
