import warnings

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from ccops.choices import Office


@pytest.mark.django_db
def test_unauthenticated_gets_json_401(api):
    response = api.get("/api/v1/users/me/")
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Token")
    assert response.json()["detail"].startswith("Authentication credentials")
    assert response.json()["errors"] == {}


@pytest.mark.django_db
def test_token_authentication(api, agent):
    token = Token.objects.create(user=agent)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = api.get("/api/v1/users/me/").json()
    assert body["username"] == "agent"
    assert body["roles"] == ["Agent"]
    assert body["team_name"] == "Front A" and body["office"] == "front"


@pytest.mark.django_db
def test_teams_list_paginated_with_counts(
    api_as, supervisor, agent, back_team, django_assert_num_queries
):
    client = api_as(supervisor)
    # count, page of teams (annotated, supervisor joined); role check needs no query for reads
    with django_assert_num_queries(2):
        body = client.get("/api/v1/teams/?office=front").json()
    assert body["count"] == 1
    assert body["results"][0]["name"] == "Front A"
    assert body["results"][0]["member_count"] == 2


@pytest.mark.django_db
def test_bad_input_is_400_with_field_errors(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/teams/", {"name": "", "office": "sideways"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"name", "office"}
    assert body["detail"].startswith("Invalid input")


@pytest.mark.django_db
def test_agents_cannot_create_teams_403_json(api_as, agent):
    response = api_as(agent).post("/api/v1/teams/", {"name": "X", "office": Office.BACK})
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow this."


@pytest.mark.django_db
def test_admin_creates_team(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/teams/", {"name": "Night", "office": "back"})
    assert response.status_code == 201
    from ccops.models import Team

    assert Team.objects.get(name="Night").office == "back"


@pytest.mark.django_db
def test_agents_cannot_list_users_but_staff_can(api_as, agent, hr):
    assert api_as(agent).get("/api/v1/users/").status_code == 403
    assert api_as(hr).get("/api/v1/users/").json()["count"] >= 2


@pytest.mark.django_db
def test_404_is_json(api_as, supervisor):
    response = api_as(supervisor).get("/api/v1/teams/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Team matches the given query.", "errors": {}} or (
        response.json()["errors"] == {}
    )


def test_schema_builds_without_warnings(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call_command("spectacular", "--file", str(tmp_path / "schema.yml"), "--fail-on-warn")
    assert "openapi" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
def test_swagger_ui_served_locally(client, supervisor):
    client.force_login(supervisor)
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower()
