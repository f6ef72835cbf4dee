from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class TeamAwareBackend(ModelBackend):
    """Loads the user with their team in one query: every page shows and checks the team."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("team").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
