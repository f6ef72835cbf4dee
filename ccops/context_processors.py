from django.conf import settings

from . import __version__, navigation


def ccops(request):
    user = getattr(request, "user", None)
    return {
        "ccops_version": __version__,
        "nav_items": navigation.items_for(user) if user is not None else [],
        "debug_mode": settings.DEBUG,
    }
