"""The WSGI handler production serves with (``ccops.wsgi``): Django's, freeing each request's
objects as soon as its response is closed.

A Django request is a web of reference cycles: the request and its lazy user (a closure over
the request), its messages storage and its htmx details (each holding the request back); on
the API, DRF's request, view and response context hold one another. Reference counting
cannot free a cycle, so every request's objects waited for Python's cyclic garbage
collector: about 120 objects an agent's API call, thousands for a page. Under the load test
collecting them cost each worker some 2 CPU seconds a minute, with the GIL held, so every
thread of the worker waited too.

Once the server has closed the response nothing reads the request, the view or the response
context again, so emptying them breaks the cycles and reference counting frees the rest at
once. The test client keeps the request after closing (``response.wsgi_request``), so the
tests serve through Django's own handler; ``tests/workitems/test_handler_garbage.py``
serves through this one.
"""

from functools import partial

from django.core.handlers.wsgi import WSGIHandler
from django.forms import BaseForm


def release_form(form: BaseForm) -> None:
    """Empty a form that is done with: it and its bound fields hold each other, and so do
    a choice field and its widget (the form's own deep copies of its fields)."""
    for field in getattr(form, "fields", {}).values():
        field.__dict__.clear()
    form.__dict__.clear()


def release(request, response) -> None:
    """Empty what a closed response's request left in cycles (a response closer)."""
    context = getattr(response, "renderer_context", None)  # DRF: the view and its request
    if context:
        for obj in (context.get("view"), context.get("request")):
            if obj is not None:
                obj.__dict__.clear()
        context.clear()
    data = getattr(response, "context_data", None)  # a page: its view and forms
    if isinstance(data, dict):
        view = data.get("view")
        held = [*data.values(), *(vars(view).values() if view is not None else ())]
        for obj in {id(obj): obj for obj in held}.values():
            if isinstance(obj, BaseForm):
                release_form(obj)
        if view is not None:
            view.__dict__.clear()  # (``setup`` stores ``self.head = self.get``: a cycle)
    serializer = getattr(getattr(response, "data", None), "serializer", None)  # DRF's data
    if serializer is not None:  # a serializer and its bound fields hold each other
        for part in (getattr(serializer, "child", None), serializer):
            if part is not None:
                part.__dict__.clear()
    for name in ("renderer_context", "data", "context_data", "_request"):
        response.__dict__.pop(name, None)
    request.__dict__.clear()


class ReleasingWSGIHandler(WSGIHandler):
    def get_response(self, request):
        response = super().get_response(request)
        response._resource_closers.append(partial(release, request, response))
        return response
