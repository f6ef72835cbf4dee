"""Input that answered 500 on every API route (issue 20, finding 5): ids beyond 64 bits in
the path, whole numbers beyond 64 bits in a JSON body, and JSON nested tens of thousands
deep. Each must be a 400 in the API's error shape naming the path parameter, the field or
``body``. Every API route of the project is tried (``routes.py``), as an admin, so that the
request reaches the view rather than a role check.
"""

import json

import pytest
from django.urls import reverse

from ccops.api.fields import BIGINT
from ccops.api.parsers import check_body

from .kwargs import kwargs_for
from .routes import is_api, project_routes

pytestmark = pytest.mark.django_db

HUGE = 2**70
DEEP = "[" * 50_000 + "]" * 50_000
WRITES = ("post", "put", "patch")
# Action endpoints that never read a body: a hostile body there is ignored, not parsed.
BODY_UNREAD = {
    "workitem-next",
    "qa-coaching-complete",
    "staffing-plan-build",
    "staffing-plan-publish",
    "staffing-schedule-run-publish",
    "staffing-time-off-cancel",
    "staffing-shift-trade-take",
    "staffing-shift-trade-cancel",
    "training-pairing-end",
    "customer-erase",
    "notification-read",
    "notification-read-all",
    # Signed by its source before its body is read: a 401 without the signature
    # (tests/contacts/test_events.py posts hostile, signed bodies).
    "contact-events",
    "inbound-email",  # the same, by its mailbox (tests/workitems/test_inbound_email_webhook)
}


# Action endpoints that validate their body before reading the object: a valid body here.
BODY_FIRST = {
    "qa-evaluation-dispute": {"reason": "The customer asked for it."},
    "qa-evaluation-resolve": {"outcome": "upheld", "reason": "Checked the recording."},
}


def api_routes():
    return [route for route in project_routes()[0] if is_api(route)]


def send(client, method, url, body: str):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body, content_type="application/json")


def test_every_id_route_answers_400_naming_an_id_beyond_64_bits(world, api_as, admin_user):
    client = api_as(admin_user)
    tried, wrong = 0, []
    for route in api_routes():
        kwargs = kwargs_for(route.name, world)
        if not kwargs:
            continue
        huge = {k: str(HUGE) if k.endswith("pk") else v for k, v in kwargs.items()}
        url = reverse(route.name, kwargs=huge)
        for method in ("get", "delete", *WRITES):
            if not route.accepts(method):
                continue
            tried += 1
            response = send(client, method, url, json.dumps(BODY_FIRST.get(route.name, {})))
            errors = response.json().get("errors", {}) if response.status_code == 400 else None
            if response.status_code != 400 or list(errors) != ["pk"]:
                wrong.append(f"{method.upper()} {url}: {response.status_code} {errors}")
    assert tried > 50
    assert not wrong, "\n".join(wrong)


def test_an_id_at_the_64_bit_limit_is_just_not_found(api_as, admin_user):
    response = api_as(admin_user).post(f"/api/v1/workitems/{BIGINT}/start/", {}, format="json")
    assert response.status_code == 404  # a possible id: no such item, not a bad request


@pytest.mark.parametrize(
    "name,body,field",
    [
        ("version", {"version": HUGE}, "version"),
        ("negative", {"version": -HUGE}, "version"),
        ("nested number", {"answers": {"1": [HUGE]}}, "answers"),
        ("nesting", json.loads("[" * 40 + "]" * 40), "body"),
    ],
)
def test_json_body_is_refused_naming_the_field(world, api_as, admin_user, name, body, field):
    response = api_as(admin_user).post(
        f"/api/v1/workitems/{world.a.item.pk}/start/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    world.a.item.refresh_from_db()
    assert world.a.item.status == "assigned"  # nothing happened


def test_every_write_route_refuses_huge_numbers_and_deep_nesting(world, api_as, admin_user):
    client = api_as(admin_user)
    tried, wrong = 0, []
    for route in api_routes():
        url = reverse(route.name, kwargs=kwargs_for(route.name, world) or {})
        for method in WRITES:
            if not route.accepts(method) or route.name in BODY_UNREAD:
                continue
            for body, field in ((json.dumps({"version": HUGE}), "version"), (DEEP, "body")):
                tried += 1
                response = send(client, method, url, body)
                errors = response.json().get("errors") if response.status_code == 400 else None
                if response.status_code != 400 or list(errors) != [field]:
                    wrong.append(f"{method.upper()} {url} {field}: {response.status_code}")
    assert tried > 100
    assert not wrong, "\n".join(wrong)


def test_ordinary_bodies_pass_the_guard():
    check_body({"answers": {"1": 2, "2": [0, 1]}, "version": BIGINT, "ok": True}, 32)
    check_body([{"a": -BIGINT - 1}], 32)
    check_body("text", 32)


@pytest.mark.parametrize(
    "body,field",
    [({"a": [[[]]]}, "body"), ({"a": BIGINT + 1}, "a"), ([BIGINT + 1], "body")],
)
def test_guard_names_the_field(body, field):
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        check_body(body, 3)
    assert list(raised.value.detail) == [field]
