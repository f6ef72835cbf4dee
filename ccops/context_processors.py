from django.conf import settings

from . import __version__, navigation


def ccops(request):
    user = getattr(request, "user", None)
    items = navigation.items_for(user) if user is not None else []
    return {
        "ccops_version": __version__,
        "nav_items": items,
        "nav_groups": navigation.groups_for(user, items) if items else [],
        "nav_has_admin_area": any(item["area"] == "Admin" for item in items),
        "debug_mode": settings.DEBUG,
    }
