from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, app_config=None, using="default", **kwargs):
    # Runs once per migrate (sender is this app): keep groups and beat schedules in step with
    # the code that declares them, whichever apps were added since.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .roles import sync_role_permissions
    from .schedules import sync_schedules

    # post_migrate reaches ccops before the apps listed after it have their permissions:
    # create every app's permissions first so each role gets all of its grants at once.
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_role_permissions(using=using)
    sync_schedules(using=using)


def _teach_anonymous_roles():
    # Views, templates and querysets ask ``user.has_role(...)`` of whoever is there; the
    # anonymous user holds no role, so the question needs no "is authenticated" guard first.
    from django.contrib.auth.models import AnonymousUser

    AnonymousUser.has_role = lambda self, *roles: False
    AnonymousUser.role_names = frozenset()
    AnonymousUser.primary_role = None


class CcopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ccops"
    verbose_name = "ccops core"

    def ready(self):
        from . import navigation
        from .choices import Role
        from .permissions import STAFF_ROLES

        navigation.register("Teams", "ccops:team_list", STAFF_ROLES, order=900, area="People")
        navigation.register("API docs", "api-docs", STAFF_ROLES, order=990)
        navigation.register("Audit export", "ccops:audit_export", (Role.ADMIN,), order=980)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="ccops_after_migrate")
        _teach_anonymous_roles()

        # KPI framework: <app>/kpis.py modules, dashboards and the nightly recompute.
        from . import audit, kpis, schedules

        kpis.autodiscover()
        audit.autodiscover()  # <app>/audit_trail.py: audit records outside simple-history
        dashboard_roles = (Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR)
        navigation.register("Dashboard", "dashboard:overview", dashboard_roles, order=10)
        navigation.register("Process map", "dashboard:process_map", dashboard_roles, order=11)
        navigation.register("Pilots", "dashboard:pilot_list", dashboard_roles, order=12)
        navigation.register("Goals", "dashboard:goal_list", dashboard_roles, order=13)
        navigation.register("Wallboard", "dashboard:wallboard_front", dashboard_roles, order=14)
        navigation.register("My scorecard", "dashboard:me", (Role.AGENT,), order=15)
        schedules.register("nightly KPIs", "ccops.tasks.nightly_kpis", minute="15", hour="2")
