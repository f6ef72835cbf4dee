"""What the API fuzz found, pinned down one request each (the fuzz draws them only by chance)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from ccops.choices import Office
from staffing import services as staffing
from staffing.models import ForecastValue, PlanLine
from tests.factories import make_front_type
from training.models import Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_type(front_team):
    return make_front_type(
        front_team, Skill.objects.create(name="Inbound calls", office=Office.FRONT)
    )


def test_unrouted_api_url_is_a_json_404(api_as, agent):
    # ``{id}`` routes take ``[^/.]+`` (or digits): "1.5" matches no route at all.
    response = api_as(agent).get("/api/v1/training/modules/1.5/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_malformed_id_in_an_action_is_a_404(api_as, hr):
    response = api_as(hr).post("/api/v1/training/pairings/abc/end/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_deleting_a_skill_in_use_is_a_409(api_as, hr, front_type):
    skill = front_type.required_skill
    response = api_as(hr).delete(f"/api/v1/training/skills/{skill.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Cannot delete: still used by work type.", "errors": {}}
    assert Skill.objects.filter(pk=skill.pk).exists()


def test_new_team_has_its_member_count_and_no_supervisor_name(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/teams/", {"name": "Night", "office": "front"})
    assert response.status_code == 201
    body = response.json()
    assert body["member_count"] == 0
    assert body["supervisor_name"] is None  # was "<method-wrapper '__str__' of NoneType ...>"


@pytest.mark.parametrize("value", ["-3e54", "1.5", "ten", str(10**30)])
def test_id_filter_takes_64_bit_whole_numbers_only(api_as, planner, value):
    response = api_as(planner).get(f"/api/v1/staffing/plan-lines/?plan={value}")
    assert response.status_code == 400  # -3e54 and 10**30 were a 500 (driver overflow)
    assert list(response.json()["errors"]) == ["plan"]


def test_id_beyond_the_column_in_a_body_is_a_400(api_as, supervisor, agent):
    body = {"agent": agent.pk, "agreed_actions": "Verify first.", "tips": [10**38]}
    response = api_as(supervisor).post("/api/v1/quality/coaching-sessions/", body, format="json")
    assert response.status_code == 400  # was a 500: pk__in overflowed the driver
    assert list(response.json()["errors"]) == ["tips"]


def test_datetime_filter_takes_any_iso_offset(api_as, planner):
    # +23:16 is valid ISO 8601 but out of PostgreSQL's range: it was a 500 there.
    url = "/api/v1/staffing/forecasts/?starts_before=5117-12-31T06:33:11%2B23:16"
    assert api_as(planner).get(url).status_code == 200


def test_datetime_filter_before_the_calendar_is_a_400(api_as, planner):
    url = "/api/v1/staffing/shifts/?starts_after=0001-01-01T00:00:00%2B05:00"
    response = api_as(planner).get(url)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["starts_after"]


def test_absurd_what_if_volume_is_refused(api_as, planner, front_type):
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    start = timezone.make_aware(datetime.combine(monday, time(10)))
    ForecastValue.objects.create(
        work_type=front_type,
        interval_start=start,
        granularity="30min",
        volume=100,
        aht_seconds=180,
        method="mean",
    )
    plan = staffing.plan_create(name="W", start=monday, end=monday, by=planner)
    line = PlanLine.objects.get(plan=plan, interval_start=start)
    url = f"/api/v1/staffing/plan-lines/{line.pk}/"
    response = api_as(planner).patch(url, {"override_volume": 5.6e16}, format="json")
    assert response.status_code == 400  # was a 500: numpy asked for 79 PiB
    assert list(response.json()["errors"]) == ["override_volume"]
    line.refresh_from_db()
    assert line.override_volume is None


def test_backlog_plan_with_a_denormal_aht_is_a_400(api_as, planner):
    # Issue 26: 5e-324 minutes an item made one agent's capacity infinite, and 0 agents x inf
    # a NaN that the whole-items rule could not floor: a 500.
    body = {"aht_minutes": 5e-324, "arrivals": [0], "sla_working_days": 0, "start": "2000-01-01"}
    response = api_as(planner).post("/api/v1/staffing/backlog-plan/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["aht_minutes"]
    assert response.json()["detail"].startswith("Invalid input: aht_minutes:")
    # The same horizon with a handle time in the domain is planned: nothing arrives, no one
    # is needed.
    response = api_as(planner).post(
        "/api/v1/staffing/backlog-plan/", body | {"aht_minutes": 1 / 60}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["required_agents"] == [0] and response.json()["backlog_end"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("productive_hours", 5e-324), ("shrinkage", 1 - 1e-16), ("target_service_level", 5e-324)],
)
def test_plan_numbers_outside_the_domain_are_a_400(api_as, planner, field, value):
    # Values the old "(0, 24]" / "[0, 1)" / "(0, 1]" checks let through: a plan shares the
    # calculators' domain limits and refuses them on the field.
    body = {"name": "X", "start": "2026-03-02", "end": "2026-03-02", field: value}
    response = api_as(planner).post("/api/v1/staffing/plans/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


# --- A wrong token is a 401 with WWW-Authenticate (issue 20, finding 6) ------------------


@pytest.mark.parametrize("header", ["Token " + "0" * 40, "Token wrong", "Token"])
def test_wrong_token_is_a_401_asking_for_a_token(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.post("/api/v1/workitems/next/")
    assert response.status_code == 401  # was 403: the session class came first
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"detail", "errors"}


def test_no_credentials_is_a_401_too(api):
    response = api.get("/api/v1/workitems/")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Token")


def test_a_signed_in_browser_still_uses_its_session(client, agent):
    client.force_login(agent)
    response = client.get("/api/v1/users/me/")
    assert response.status_code == 200 and response.json()["username"] == "agent"


def test_a_valid_token_is_used_before_a_session(api, agent, supervisor):
    from rest_framework.authtoken.models import Token

    api.force_login(agent)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=supervisor).key}")
    assert api.get("/api/v1/users/me/").json()["username"] == "super"
