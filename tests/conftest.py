import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ccops.choices import Office, Role

from .factories import TeamFactory, make_user


@pytest.fixture
def fresh_cache(settings):
    """``fresh_cache()`` switches the cache to a new, empty key prefix (see below)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")

    def switch():
        default = {**settings.CACHES["default"], "KEY_PREFIX": f"{prefix}t{uuid.uuid4().hex}"}
        settings.CACHES = {**settings.CACHES, "default": default}

    return switch


@pytest.fixture(autouse=True)
def _own_cache_keys(fresh_cache):
    """Each test reads and writes the cache under its own key prefix: pages share some reads
    for a few seconds (the live backlog, KPI aggregates), and a reading of a previous test's
    database must not show up in the next. A prefix, not ``cache.clear()``: in CI the cache's
    Redis database is also Celery's broker."""
    fresh_cache()


@pytest.fixture
def front_team(db):
    return TeamFactory(name="Front A", office=Office.FRONT)


@pytest.fixture
def back_team(db):
    return TeamFactory(name="Back A", office=Office.BACK)


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Front B", office=Office.FRONT)


@pytest.fixture
def supervisor(front_team):
    user = make_user(Role.SUPERVISOR, username="super", team=front_team)
    front_team.supervisor = user
    front_team.save()
    return user


@pytest.fixture
def agent(front_team, supervisor):
    return make_user(Role.AGENT, username="agent", team=front_team)


@pytest.fixture
def back_agent(back_team):
    return make_user(Role.AGENT, username="backagent", team=back_team)


@pytest.fixture
def other_agent(other_team):
    return make_user(Role.AGENT, username="otheragent", team=other_team)


@pytest.fixture
def planner(db):
    return make_user(Role.PLANNER, username="planner")


@pytest.fixture
def qa(db):
    return make_user(Role.QA, username="qa")


@pytest.fixture
def hr(db):
    return make_user(Role.HR, username="hr")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def norole(db):
    return make_user(None, username="norole")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user):
        api.force_authenticate(user)
        return api

    return login


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and at the end of the run, on PostgreSQL, close what
    is still connected to it (a thread's or a subprocess's lingering connection) so the
    database can be dropped instead of being left for the next run."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# The demo contact center, built once per session (tests/demo_world.py), and a quicker flush
# after the transactional tests on PostgreSQL (tests/fast_flush.py).
from .demo_world import demo_center  # noqa: E402, F401
from .fast_flush import _fast_flush  # noqa: E402, F401
