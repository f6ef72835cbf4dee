"""What every quality page shares: role sets and turning domain errors into responses."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied

from ccops.choices import Role

from ..errors import InvalidInput, NotAllowed, QualityError

REVIEWERS = (Role.QA, Role.SUPERVISOR)


def report_error(request, exc: QualityError) -> None:
    """403 for refusals; otherwise a message on the next page."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


def apply_errors(form, exc: QualityError) -> bool:
    """Show an InvalidInput's errors on ``form``; True if the form can show them."""
    if not isinstance(exc, InvalidInput):
        return False
    if hasattr(form, "add_service_errors"):
        form.add_service_errors(exc.errors or {None: [exc.message]})
        return True
    for key, msgs in (exc.errors or {None: [exc.message]}).items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)
    return True


def query_string(request, drop=("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()
