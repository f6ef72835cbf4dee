"""One JSON error shape for the whole API: ``{"detail": ..., "errors": {field: [...]}}``."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .fields import BIGINT


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def _as_list(value):
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(_as_list(v) if isinstance(v, (list, tuple)) else [str(v)])
        return out
    if isinstance(value, dict):
        return [f"{k}: {', '.join(_as_list(v))}" for k, v in value.items()]
    return [str(value)]


def _id_beyond_64_bits(context) -> str | None:
    """The name of a path parameter holding a whole number no 64-bit id column can hold."""
    view = context.get("view")
    for name, value in (getattr(view, "kwargs", None) or {}).items():
        # A string (DRF's lookups) or an int (Django's ``<int:...>`` converter).
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(number, int) and not isinstance(number, bool) and number > BIGINT:
            return name
    return None


def exception_handler(exc, context):
    if isinstance(exc, Http404 | exceptions.NotFound):
        # Django finds no row for /workitems/<2**70>/start/, rightly; but no row could ever
        # have that id, so the request is malformed: a 400 naming the path parameter, as a
        # body id beyond 64 bits is (ccops.api.parsers, IdField).
        name = _id_beyond_64_bits(context)
        if name:
            exc = exceptions.ValidationError(
                {name: [f"Ensure this value is less than or equal to {BIGINT}."]}
            )
    if isinstance(exc, DjangoValidationError):
        data = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(data)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ProtectedError | RestrictedError):
        # Deleting a row that others still point to: a plain CRUD delete with no service.
        names = sorted({type(obj)._meta.verbose_name for obj in exc.args[1]})
        exc = Conflict(f"Cannot delete: still used by {', '.join(names)}.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, dict):
            errors = {k: _as_list(v) for k, v in data.items()}
        else:
            errors = {"non_field_errors": _as_list(data)}
        first = next(iter(errors.items()), ("", [""]))
        detail = f"Invalid input: {first[0]}: {first[1][0]}" if first[0] else "Invalid input."
        response.data = {"detail": detail, "errors": errors}
    else:
        detail = data.get("detail", data) if isinstance(data, dict) else data
        errors = (
            {k: _as_list(v) for k, v in data.items() if k != "detail"}
            if isinstance(data, dict)
            else {}
        )
        response.data = {"detail": str(detail), "errors": errors}
    return response


def error_response(detail: str, status_code: int, errors: dict | None = None) -> Response:
    return Response({"detail": detail, "errors": errors or {}}, status=status_code)


def not_found(request, exception=None):
    """``handler404``: a URL no route matches (``/api/v1/teams/1.5/``) answers in the API's
    JSON shape under ``/api/``, and with Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    return page_not_found(request, exception)
