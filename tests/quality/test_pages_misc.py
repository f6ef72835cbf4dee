"""Query counts of the remaining pages and endpoints, admin pages, navigation."""

import pytest

from ccops.models import User
from quality import services
from quality.models import CoachingSession

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_qa_lands_on_the_queue_and_sees_quality_navigation(as_user, qa):
    response = as_user(qa).get("/")
    assert response.url == "/quality/queue/"
    labels = [i["label"] for i in as_user(qa).get("/quality/queue/").context["nav_items"]]
    assert {"QA queue", "Evaluations", "Calibration", "Coaching", "Scorecards"} <= set(labels)


def test_agent_navigation(as_user, agent):
    labels = [i["label"] for i in as_user(agent).get("/quality/mine/").context["nav_items"]]
    assert "My quality" in labels and "QA queue" not in labels and "Scorecards" not in labels


def test_form_pages_constant_queries(
    as_user, qa, supervisor, agent, submitted, django_assert_num_queries
):
    client = as_user(qa)
    # session, user, roles, current scorecards, reviewers (participants), reviewers (reference)
    with django_assert_num_queries(5):
        client.get("/quality/calibration/new/")
    # session, user, roles
    with django_assert_num_queries(2):
        client.get("/quality/coaching/tips/new/")
    client = as_user(supervisor)
    # session, user, roles, the evaluation (scope), its suggested tips, agents they coach,
    # the agent's recent evaluations, those as choices (+ item), active tips
    with django_assert_num_queries(8):
        response = client.get(f"/quality/coaching/new/?evaluation={submitted.pk}")
    assert response.context["form"].initial["agent"] == agent.pk


def test_coaching_detail_constant_queries(
    as_user, supervisor, agent, submitted, qa, django_assert_num_queries
):
    tip = services.coaching_tip_create(
        by=qa, title="Warm opening", body="b", kind="tip", criterion_keys=["greeting"]
    )
    session = services.coaching_session_create(
        coach=supervisor, agent=agent, agreed_actions="x", evaluations=[submitted], tips=[tip]
    )
    client = as_user(agent)
    # session, user, roles, the session (agent, team, coach), tips, tips' tags, evaluations
    # (+ item, scorecard)
    with django_assert_num_queries(6):
        response = client.get(f"/quality/coaching/{session.pk}/")
    assert response.context["evaluations"] == [submitted]


def test_api_lists_constant_queries(
    api_as, qa, supervisor, agent, front_card, done_item, django_assert_num_queries
):
    item = done_item(agent)
    services.calibration_session_create(
        by=qa, title="C", scorecard=front_card, items=[item], participants=[qa, supervisor]
    )
    evaluation = services.evaluation_start(item=item, evaluator=qa, answers=PERFECT, submit=True)
    for _ in range(2):
        services.coaching_session_create(
            coach=supervisor, agent=agent, agreed_actions="x", evaluations=[evaluation]
        )
    client = api_as(qa)
    client.force_authenticate(User.objects.get(pk=qa.pk))
    # roles, count, page annotated with item and participant counts
    with django_assert_num_queries(3):
        body = client.get("/api/v1/quality/calibration-sessions/").json()
    assert body["results"][0]["n_items"] == 1 and body["results"][0]["n_participants"] == 2
    client.force_authenticate(User.objects.get(pk=qa.pk))
    # roles, count, page (agent, team, coach), evaluations, tips
    with django_assert_num_queries(5):
        body = client.get("/api/v1/quality/coaching-sessions/").json()
    assert body["count"] == 2 and body["results"][0]["evaluations"] == [evaluation.pk]
    client.force_authenticate(User.objects.get(pk=qa.pk))
    # roles, the evaluation (joins), its events (+ actors)
    with django_assert_num_queries(3):
        body = client.get(f"/api/v1/quality/evaluations/{evaluation.pk}/").json()
    assert [e["action"] for e in body["events"]] == ["created", "submitted"]


def test_calibration_api_is_for_reviewers(api_as, agent):
    assert api_as(agent).get("/api/v1/quality/calibration-sessions/").status_code == 403


ADMIN_PAGES = [
    "scorecard",
    "criterion",
    "evaluation",
    "evaluationevent",
    "samplerun",
    "calibrationsession",
    "calibrationscore",
    "coachingtip",
    "coachingtipcriterion",
    "coachingsession",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_admin_changelists(client, admin_user, submitted, model):
    CoachingSession.objects.create(agent=submitted.agent, coach=admin_user, agreed_actions="x")
    client.force_login(admin_user)
    response = client.get(f"/admin/quality/{model}/?q=a")
    assert response.status_code == 200


def test_admin_scorecard_in_use_is_read_only(client, admin_user, submitted):
    client.force_login(admin_user)
    response = client.get(f"/admin/quality/scorecard/{submitted.scorecard_id}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()  # view only: edit on the page
    unused = services.scorecard_save(
        by=admin_user,
        name="Unused",
        pass_mark=50,
        criteria=[{"section": "S", "key": "a", "text": "A", "weight": 1}],
    )
    response = client.get(f"/admin/quality/scorecard/{unused.pk}/change/")
    assert 'name="_save"' in response.content.decode()
