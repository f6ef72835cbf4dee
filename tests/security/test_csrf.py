"""CSRF: every form page and the session-authenticated API refuse a POST without the token
and accept it with the token; token-authenticated API calls need none.

Each page is posted by a role the permission matrix lets through (its first ``P`` in
``RULES``), so the only 403 left to see is the CSRF check's.
"""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from .conftest import ROLES
from .kwargs import kwargs_for, post_data_for
from .routes import is_api, project_routes, url_of
from .test_permission_matrix import RULES

TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
PREFERENCE = ("agent", "supervisor", "planner", "qa", "hr", "admin", "other_agent", "anon")
IDEAS = "/api/v1/training/ideas/"
IDEA = {"title": "Fewer clicks", "description": "One page for the claim form."}


# Not a session's endpoints: a telephony platform signs each request with its source's
# secret (HMAC, tests/contacts), a mail provider each inbound e-mail with its mailbox's
# (tests/workitems/test_inbound_email_webhook.py); no browser session or cookie is read,
# so no CSRF token.
SIGNED_NOT_SESSION = {"contact-events", "inbound-email"}


def _posted_routes(api: bool):
    routes, _ = project_routes()
    return [
        r
        for r in routes
        if r.accepts("post")
        and is_api(r) == api
        and r.name in RULES
        and r.name not in SIGNED_NOT_SESSION
    ]


def _poster(name: str) -> str:
    """The first role whose POST passes the view's own checks (else the admin)."""
    codes = dict(zip(ROLES, (RULES[name][1] or "").split() or ["-"] * len(ROLES), strict=True))
    return next((role for role in PREFERENCE if codes[role] == "P"), "admin")


def _client(world, role) -> tuple[Client, str]:
    """A client that enforces CSRF, signed in as ``role``, and a token from a real form."""
    client = Client(enforce_csrf_checks=True)
    user = world.people[role]
    if user is not None:
        client.force_login(user)
    page = client.get(reverse("password_change" if user else "login"))
    return client, TOKEN_FIELD.search(page.content).group(1).decode()


def test_form_pages_are_found():
    names = {r.name for r in _posted_routes(api=False)}
    assert {"logout", "login", "workitems:item_action", "staffing:schedule"} <= names


@pytest.mark.parametrize("role", PREFERENCE)
def test_form_pages_need_the_token(world, role):
    """Each form page is posted twice by the role that passes its checks: without the token
    (403), then with it (anything but 403)."""
    client, token = _client(world, role)
    wrong = []
    for route in _posted_routes(api=False):
        if _poster(route.name) != role:
            continue
        url = url_of(route, kwargs_for(route.name, world) or {})
        data = post_data_for(route.name, world)
        if client.post(url, data).status_code != 403:
            wrong.append(f"{url}: POST without the CSRF token was accepted")
        elif client.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 403:
            wrong.append(f"{url}: refused even with the CSRF token")
    assert not wrong, "\n".join(wrong)


def test_session_api_posts_need_the_token(world):
    """A signed-in browser's session cannot be ridden by another site: every API POST
    without the token is refused before the view runs."""
    client, _ = _client(world, "admin")
    wrong = []
    for route in _posted_routes(api=True):
        url = url_of(route, kwargs_for(route.name, world) or {})
        response = client.post(url, "{}", content_type="application/json")
        if response.status_code != 403 or "CSRF" not in response.json()["detail"]:
            wrong.append(f"{url}: {response.status_code} {response.content[:120]!r}")
    assert not wrong, "\n".join(wrong)


def test_session_api_with_the_token_works(world):
    client, token = _client(world, "agent")
    response = client.post(
        IDEAS, json.dumps(IDEA), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == IDEA["title"]


def test_token_auth_needs_no_csrf_token(world):
    token = Token.objects.create(user=world.people["agent"])
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        IDEAS, json.dumps(IDEA), content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["submitted_by"] == world.people["agent"].pk
