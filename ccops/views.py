from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import ListView, TemplateView

from . import __version__, navigation
from .models import Team
from .permissions import StaffRequiredMixin


class HomeView(LoginRequiredMixin, TemplateView):
    """Sends each role to its own page; shows a welcome where no page is registered yet."""

    template_name = "ccops/home.html"

    def get(self, request, *args, **kwargs):
        url = navigation.home_url_for(request.user)
        if url and url != request.path:
            return redirect(url)
        return super().get(request, *args, **kwargs)


class TeamListView(StaffRequiredMixin, ListView):
    template_name = "ccops/team_list.html"
    paginate_by = 50
    queryset = (
        Team.objects.select_related("supervisor")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("office", "name")
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return f"error: {exc.__class__.__name__}: {exc}"[:300]


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "ok"
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"[:300]


def _check_cache() -> str:
    from django.core.cache import cache

    ping = getattr(cache, "ping", None)  # ccops.cache.ResilientRedisCache
    if ping is None:
        return "local"
    try:
        ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}: {exc}"[:300]


class HealthzView(View):
    """Liveness for load balancers: 200 when the database and broker answer, else 503.

    The cache is reported but does not make the node unhealthy: a dead cache is a miss
    (ccops.cache), and pages keep working without it."""

    def get(self, request):
        body = {
            "database": _check_database(),
            "broker": _check_broker(),
            "cache": _check_cache(),
            "version": __version__,
        }
        healthy = body["database"] == "ok" and body["broker"] in ("ok", "eager")
        return JsonResponse(body, status=200 if healthy else 503)
