"""What every training page shares: role sets, scoping helpers, service errors on pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from ccops.choices import Role

from ..errors import InvalidInput, NotAllowed, TrainingError
from ..forms import agents_qs
from ..services.common import is_hr

EVERYONE = (Role.AGENT, Role.SUPERVISOR, Role.HR, Role.QA, Role.PLANNER)
MANAGERS = (Role.HR, Role.SUPERVISOR)
MATRIX_READERS = (Role.HR, Role.SUPERVISOR, Role.PLANNER)
AGENTS = (Role.AGENT,)
HR = (Role.HR,)


def report_error(request, exc: TrainingError) -> None:
    """403 for refusals; otherwise a message on the next page."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


def apply_errors(form, exc: TrainingError) -> bool:
    """Put an InvalidInput's errors on ``form``; True if the form shows them."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    if not isinstance(exc, InvalidInput) and not exc.errors:
        form.add_error(None, exc.message)
        return True
    form.add_service_errors(exc.errors or {None: [exc.message]})
    return True


def managed_agents(user):
    """Agents ``user`` manages: everyone for HR, their teams' agents for a supervisor."""
    qs = agents_qs()
    if is_hr(user):
        return qs
    return qs.filter(team__supervisor=user)


def query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def object_or_404(queryset, value):
    """``get_object_or_404`` for an id taken from the query string or a form: anything that
    is not a whole number is a 404, not a 500."""
    if not str(value or "").strip().isdigit():
        raise Http404("No such object.")
    return get_object_or_404(queryset, pk=int(value))


def safe_next(request, fallback: str) -> str:
    """The ``next`` the form asked to return to, if it is on this site; else ``fallback``."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback
