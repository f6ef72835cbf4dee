"""Production's WSGI handler (``ccops.handlers``) and template backend (``ccops.templating``)
leave no reference cycles behind a request, so reference counting frees its objects as the
response closes and Python's cyclic garbage collector (which holds the GIL while it walks
them) finds next to nothing.

Requests are served as gunicorn serves them: a WSGI environ, the body read, the response
closed; the test client keeps the request after closing (``response.wsgi_request``), so it
cannot show this. ``gc.collect()`` returns how many unreachable objects it found: what the
collector would have had to walk and free.
"""

import gc
import io
import json
import os
import re
import subprocess
import sys

import django_filters.rest_framework
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.template import engines
from django.template.backends import django as django_backend
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from ccops.api.filters import DjangoFilterBackend
from ccops.handlers import ReleasingWSGIHandler
from workitems import services
from workitems.api.views import WorkItemViewSet


def environ(path, query="", headers=()):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **dict(headers),
    }


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """As the test client does: a handler's request signals would close the database
    connection the test's transaction is on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def serve(handler, env) -> tuple[str, bytes]:
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status

    response = handler(env, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # what the server does once the body is sent
    return started["status"], body


def unreachable_after(work):
    """``(work(), the unreachable objects it left)``: the collector off while it runs, so
    what ``gc.collect()`` then finds is what ``work`` left for it."""
    gc.collect()
    gc.disable()
    try:
        result = work()
        return result, gc.collect()
    finally:
        gc.enable()


def garbage_per_request(handler, make_env, times=3) -> tuple[float, list]:
    """Unreachable objects a request leaves for the collector (after one warm-up request:
    first-request imports and caches are not per-request garbage)."""
    serve(handler, make_env())
    served, found = unreachable_after(lambda: [serve(handler, make_env()) for _ in range(times)])
    return found / times, served


def test_an_agents_step_leaves_no_cycles(agent, held_item):
    """The load's dominant request: an agent starts the item they hold (``POST``, the
    version in the body), through token authentication, DRF's view, the service."""
    token = Token.objects.create(user=agent).key

    def start(handler) -> dict:
        body = json.dumps({"version": held_item.version}).encode()
        env = environ(
            f"/api/v1/workitems/{held_item.pk}/start/",
            headers={
                "REQUEST_METHOD": "POST",
                "HTTP_AUTHORIZATION": f"Token {token}",
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            },
        )
        status, answer = serve(handler, env)
        assert status == "200 OK"
        return json.loads(answer)

    def garbage_per_start(handler, times=3) -> float:
        found = 0
        for _ in range(times + 1):  # the first one warms up
            services.workitem_pend(item=held_item, by=agent, note="Waiting for the customer")
            held_item.refresh_from_db()
            started, left = unreachable_after(lambda: start(handler))
            found += left if _ else 0
            assert started["status"] == "in_progress"
            assert started["version"] == held_item.version + 1
            held_item.refresh_from_db()
            assert held_item.status == "in_progress"
        return found / times

    start(ReleasingWSGIHandler())  # held, then started; then paused and started again:
    ours = garbage_per_start(ReleasingWSGIHandler())
    djangos = garbage_per_start(WSGIHandler())

    assert djangos > 60  # the request, DRF's request, view and response context, ...
    assert ours < 30  # (what is left: the body's serializer and its fields)


def test_an_api_read_frees_its_serializer(supervisor, make_item):
    item = make_item(title="Printer on fire")
    token = Token.objects.create(user=supervisor).key

    def api_env():
        return environ(
            f"/api/v1/workitems/{item.pk}/", headers={"HTTP_AUTHORIZATION": f"Token {token}"}
        )

    djangos, served = garbage_per_request(WSGIHandler(), api_env)
    ours, ours_served = garbage_per_request(ReleasingWSGIHandler(), api_env)

    for status, body in (*served, *ours_served):
        assert status == "200 OK"
        assert json.loads(body)["title"] == "Printer on fire"
    assert djangos - ours > 80  # the serializer and its fields hold each other
    assert ours < 200  # (what is left: the filter set's form class, below)


def test_the_filter_backend_frees_its_filter_set(supervisor, make_item):
    """DRF filters every list and every read by id: django-filter builds a filter set, its
    form and a new form class each time. The set and the form are emptied; the class (a
    class is a cycle of its own) and the fields it was made with are what is left."""
    make_item(title="Printer on fire")
    view = WorkItemViewSet(action_map={"get": "list"}, format_kwarg=None)
    view.request = view.initialize_request(RequestFactory().get("/", {"status": "new"}))
    view.request.user = supervisor

    def filtered(backend) -> tuple[list, int]:
        backend().filter_queryset(view.request, view.get_queryset(), view)  # warm
        qs, left = unreachable_after(
            lambda: backend().filter_queryset(view.request, view.get_queryset(), view)
        )
        return [item.title for item in qs], left

    titles, ours = filtered(DjangoFilterBackend)
    djangos_titles, djangos = filtered(django_filters.rest_framework.DjangoFilterBackend)

    assert titles == djangos_titles == ["Printer on fire"]
    assert djangos > 250
    assert ours < djangos / 2


def test_a_page_leaves_no_cycles(supervisor, make_item, front_team):
    make_item(title="Printer on fire")
    client = Client()
    client.force_login(supervisor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def page_env():
        return environ("/work/queue/", f"team={front_team.pk}", {"HTTP_COOKIE": cookie})

    djangos, served = garbage_per_request(WSGIHandler(), page_env)
    ours, ours_served = garbage_per_request(ReleasingWSGIHandler(), page_env)

    for status, body in (*served, *ours_served):
        assert status == "200 OK"
        assert b"Printer on fire" in body
    assert djangos > 200  # the view, its forms and fields, the template's context, ...
    assert ours < 15


CSRF = re.compile(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"')


def rendered_garbage(template, request) -> tuple[str, int]:
    def context():  # made here, so that only the render's context holds it
        return {"rows": [[f"Team {i}", [i]] for i in range(500)]}  # lists: all tracked

    template.render(context(), request)  # warm
    return unreachable_after(lambda: template.render(context(), request))


def test_a_render_leaves_no_cycles(supervisor):
    """The template backend alone, for every page, whichever handler serves it (the test
    client's included): the context, and all it holds, is freed as the render ends."""
    ours = engines["django"]
    djangos = django_backend.Template(ours.engine.get_template("base.html"), ours)

    request = RequestFactory().get("/")
    request.user = supervisor
    html, left = rendered_garbage(ours.get_template("base.html"), request)
    djangos_html, djangos_left = rendered_garbage(djangos, request)

    assert "</html>" in html
    assert CSRF.sub("", html) == CSRF.sub("", djangos_html)  # (a new token each render)
    assert djangos_left > 500  # the context's layers hold it back, and the rows with it
    assert left < 10


def test_production_serves_with_the_releasing_handler_and_a_frozen_heap():
    """``ccops.wsgi`` (a fresh interpreter: importing it here would freeze the test run's
    own objects) warms up, then freezes what it loaded out of the collector's sight, and
    runs young-generation passes less often than Python's default of every 700 objects."""
    code = (
        "import gc, ccops.wsgi as w; "
        "print(type(w.application).__name__, gc.get_freeze_count(), len(gc.get_objects()), "
        "gc.get_threshold()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ccops.settings.test"},
    ).stdout.split()
    name, frozen, tracked, young = out[0], int(out[1]), int(out[2]), int(out[3])
    assert name == "ReleasingWSGIHandler"
    assert frozen > 100_000  # Django, the apps, scipy and statsmodels (the URLconf's imports)
    assert tracked < frozen / 10
    assert young == 20_000
