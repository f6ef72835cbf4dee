from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, app_config=None, using="default", **kwargs):
    # Runs once per migrate (sender is this app): keep groups and beat schedules in step with
    # the code that declares them, whichever apps were added since.
    from .roles import sync_role_permissions
    from .schedules import sync_schedules

    sync_role_permissions(using=using)
    sync_schedules(using=using)


class CcopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ccops"
    verbose_name = "ccops core"

    def ready(self):
        from . import navigation
        from .permissions import STAFF_ROLES

        navigation.register("Teams", "ccops:team_list", STAFF_ROLES, order=900)
        navigation.register("API docs", "api-docs", STAFF_ROLES, order=990)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="ccops_after_migrate")
