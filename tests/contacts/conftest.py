import json
import time

import pytest

from ccops.choices import Office, Role
from contacts import services, signing
from tests.factories import make_front_type, make_user
from training.models import Skill

URL = "/api/v1/contact-events/"


@pytest.fixture
def calls(front_team):
    """The standard queue: calls, answer target 20 s."""
    skill = Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    return make_front_type(front_team, skill, sla_answer_seconds=20)


@pytest.fixture
def agent2(front_team):
    return make_user(Role.AGENT, username="agent2", team=front_team)


@pytest.fixture
def source(db):
    """``(source, secret)`` of a platform called "acd"."""
    return services.source_create(name="acd")


def signed_headers(name: str, secret: str, body: bytes, timestamp: str | None = None) -> dict:
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    return {
        "HTTP_X_CCOPS_SOURCE": name,
        "HTTP_X_CCOPS_TIMESTAMP": timestamp,
        "HTTP_X_CCOPS_SIGNATURE": signing.signature(secret, timestamp, body),
    }


@pytest.fixture
def post(client, source):
    """Post events signed by the "acd" source: ``post(event_or_list, **header_overrides)``."""
    src, secret = source

    def send(payload, *, headers=None, secret_=None, timestamp=None):
        body = json.dumps(payload).encode()
        sent = signed_headers(src.name, secret_ or secret, body, timestamp)
        sent.update(headers or {})
        return client.generic("POST", URL, body, content_type="application/json", **sent)

    return send


def event(eid, type_, at, contact=None, **extra) -> dict:
    out = {"id": eid, "type": type_, "at": at}
    if contact is not None:
        out["contact_id"] = contact
    out.update(extra)
    return out
