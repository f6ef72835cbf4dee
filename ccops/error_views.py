"""The 400 handler: a clear page, or the API's JSON error shape under ``/api/``.

Django answers 400 for a ``SuspiciousOperation`` raised while reading a request: most often
a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``) or too many form fields.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseBadRequest, JsonResponse
from django.template import loader

from .uploads import human_size

logger = logging.getLogger(__name__)


def describe(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        limit = human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return (
            f"The request is larger than the {limit} limit, so it was not processed "
            "and nothing was saved. Send less data at once (for a file, use the import page)."
        )
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return (
            "The request has more fields or files than the server accepts, so it was not "
            "processed and nothing was saved. Send less data at once."
        )
    return "The request could not be understood, so it was not processed and nothing was saved."


def bad_request(request, exception=None):
    message = describe(exception)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "errors": {"non_field_errors": [message]}}, status=400
        )
    try:
        body = loader.render_to_string("400.html", {"message": message}, request=request)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        logger.exception("The 400 page could not be rendered")
        body = f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{message}</p>"
    return HttpResponseBadRequest(body)
