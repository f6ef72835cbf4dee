"""Role groups and their model permissions, declared in one place.

Groups are created by the data migration ``0002_roles``; ``sync_role_permissions`` runs after
every ``migrate`` so permissions of apps added later reach the groups too. Apps extend
``ROLE_PERMISSIONS`` in their ``AppConfig.ready`` with ``grant()`` instead of ccops naming them.
"""

from django.apps import apps as global_apps

from .choices import Role

# "app_label.codename" strings; "app_label.*" grants every permission of that app.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.AGENT: set(),
    Role.SUPERVISOR: {"ccops.view_team", "ccops.view_user"},
    Role.PLANNER: {"ccops.view_team", "ccops.view_user"},
    Role.QA: {"ccops.view_team", "ccops.view_user"},
    Role.HR: {"ccops.view_team", "ccops.view_user", "ccops.change_user"},
    Role.ADMIN: {"ccops.*", "auth.*", "django_celery_beat.*", "authtoken.*"},
}


def grant(role: str, *perms: str) -> None:
    ROLE_PERMISSIONS.setdefault(role, set()).update(perms)


def sync_role_permissions(apps=global_apps, using: str = "default") -> None:
    """Create the role groups if missing and set each group's permissions to the declared set."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        perm_ids = set()
        for spec in wanted:
            app_label, codename = spec.split(".", 1)
            qs = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            perm_ids.update(qs.values_list("id", flat=True))
        group.permissions.set(perm_ids)
