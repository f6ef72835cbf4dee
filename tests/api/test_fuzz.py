"""API fuzzing: schemathesis against the project's own OpenAPI schema, in process, as every
role (anonymous, agent, supervisor, planner, QA, HR, admin).

Each operation of ``/api/v1/schema/`` gets generated requests (valid ones and ones that break
the schema) with the role's token, sent to the Django WSGI app. Every response must be no 500,
have a documented status code and content type, and a body that matches the documented
schema for that code (errors: the shared ``Error`` component).

Bounded and repeatable: ``FUZZ_EXAMPLES`` examples per operation and role (default 2, so
14 per operation, about a minute for the whole API), each role with its own fixed seed; run
``FUZZ_EXAMPLES=15`` (and ``FUZZ_SEED=<anything>`` for other cases) locally to dig deeper.
One small world is built once for the module (``tests/api/world.py``); every request runs in
a savepoint that is rolled back, so each example sees the same rows and the order of tests
does not matter. Path ids and ids in bodies are often drawn from the rows that exist, so
requests get past "no such row" to the rules.

Nothing is excluded: the schema and docs views are not in the schema they serve.
"""

from __future__ import annotations

import json
import os
import re
import zlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .world import build

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))  # per operation and role
SEED = os.environ.get("FUZZ_SEED", "")  # another value explores other cases, as repeatably
ROLES = ("anonymous", "agent", "supervisor", "planner", "qa", "hr", "admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _load_schema():
    """The schema ``/api/v1/schema/`` serves (same generator, rendered to JSON and back)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))


SCHEMA = _load_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _resource(path: str) -> str:
    """``/api/v1/staffing/plans/{id}/copy/`` -> ``plans``: the key of ``world.build()["ids"]``."""
    parts = [p for p in path.removeprefix("/api/v1/").split("/") if p]
    index = parts.index("{id}") if "{id}" in parts else len(parts)
    return parts[index - 1]


def _wsgi_app():
    """Django's WSGI handler that, like the test client, keeps the test's connection open:
    ``close_old_connections`` on request start/finish would close it inside the transaction."""
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return list(handler(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The dataset, built once in an outer transaction that is rolled back after the module;
    each test's ``db`` savepoint and each request's savepoint nest inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = build()
        yield data
        transaction.set_rollback(True)


def _strategy(operation, ids: list[int]):
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if "{id}" in operation.path and ids:
        strategies += [
            operation.as_strategy(path_parameters={"id": pk}, generation_mode=mode)
            for pk in ids
            for mode in modes
        ]
    return st.one_of(strategies)


# Body fields that name other rows, and the world's resource they point to: a random integer
# almost never exists, so half of the bodies get real ids and reach the services' rules.
REFERENCES = {
    "users": {"agent", "buddy", "coach", "supervisor", "co_authors", "participants"}
    | {"pilot_agents", "control_agents"},
    "teams": {"team", "owning_team", "pilot_teams", "control_teams"},
    "workitems": {"item", "into", "items"},
    "worktypes": {"work_type", "work_types"},
    "skills": {"skill", "required_skill"},
    "scorecards": {"scorecard"},
    "modules": {"module"},
    "evaluations": {"evaluations"},
    "customers": {"customer"},
}
REFERENCE_OF = {field: resource for resource, fields in REFERENCES.items() for field in fields}


def _with_real_ids(body: dict, ids: dict, data) -> None:
    for key, value in body.items():
        choices = ids.get(REFERENCE_OF.get(key), [])
        if not choices:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            body[key] = data.draw(st.sampled_from(choices))
        elif isinstance(value, list) and all(type(v) is int for v in value):
            body[key] = data.draw(st.lists(st.sampled_from(choices), max_size=3, unique=True))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_fuzz(world, db, operation):
    app = _wsgi_app()
    strategy = _strategy(operation, world["ids"].get(_resource(operation.path), []))

    def fuzz(role: str) -> None:
        token = world["tokens"].get(role)
        headers = {"Authorization": f"Token {token}"} if token else {}

        # A fixed seed per operation and role: repeatable, yet each role gets other cases.
        @seed(zlib.crc32(f"{operation.label} {role}{SEED}".encode()))
        @settings(
            max_examples=EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, role=st.just(role), data=st.data())
        def run(case, role, data):
            if isinstance(case.body, dict) and data.draw(st.booleans(), label="real ids"):
                _with_real_ids(case.body, world["ids"], data)
            with transaction.atomic():
                try:
                    response = case.call(app=app, headers=headers)
                    case.validate_response(response, checks=CHECKS, headers=headers)
                finally:
                    transaction.set_rollback(True)

        run()

    for role in ROLES:
        fuzz(role)


def test_resource_keys_match_the_world(world):
    """Every detail path's resource has ids in the world (else its logic goes unfuzzed)."""
    missing = {_resource(op.path) for op in OPERATIONS if "{id}" in op.path} - set(world["ids"])
    assert not missing, missing
    assert all(re.fullmatch(r"[a-z-]+", key) for key in world["ids"])
