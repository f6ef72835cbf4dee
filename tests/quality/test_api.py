"""The quality API: scoping, actions, JSON errors naming the criterion, query counts."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from ccops.models import User
from quality import services
from quality.models import CoachingSession, Evaluation, EvaluationEvent

from .conftest import PERFECT

pytestmark = pytest.mark.django_db

URL = "/api/v1/quality/evaluations/"


def test_anonymous_is_refused(api):
    response = api.get(URL)
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail", "errors"}


def test_scorecards_list_with_criteria(api_as, agent, front_card, django_assert_num_queries):
    client = api_as(agent)
    # role check needs no query on reads; count; page; prefetch criteria (+ sections); work types
    with django_assert_num_queries(4):
        body = client.get("/api/v1/quality/scorecards/").json()
    assert body["count"] == 1
    card = body["results"][0]
    assert card["name"] == "Front call" and card["version"] == 1
    assert [c["key"] for c in card["criteria"]] == [
        "greeting",
        "verify",
        "empathy",
        "resolution",
        "upsell",
    ]
    assert card["criteria"][2]["section"] == "Soft skills"


def test_qa_creates_and_submits_in_one_call(api_as, qa, agent, front_card, done_item):
    item = done_item(agent)
    response = api_as(qa).post(
        URL,
        {"item": item.pk, "answers": dict(PERFECT, resolution="no"), "submit": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # 65 / 105 = 61.90
    assert body["status"] == "submitted" and body["score"] == "61.90" and body["passed"] is False
    assert [e["action"] for e in body["events"]] == ["created", "submitted"]


@pytest.mark.parametrize("action", ["draft", "submit in one go", "submit", "dispute"])
def test_write_answers_are_what_a_read_shows(api_as, qa, agent, front_card, done_item, action):
    """Write actions answer from the evaluation the service returned (names joined by its
    lock, or the objects a new one was made of) and its events read back: the answer
    equals the detail read afterwards."""
    item = done_item(agent)
    one_go = action == "submit in one go"
    payload = {"item": item.pk, "answers": PERFECT if one_go else {"greeting": "no"}}
    response = api_as(qa).post(URL, dict(payload, submit=one_go), format="json")
    assert response.status_code == 201, response.json()
    answer, who = response.json(), qa
    if action in ("submit", "dispute"):
        response = api_as(qa).post(
            f"{URL}{answer['id']}/submit/", {"answers": PERFECT}, format="json"
        )
        assert response.status_code == 200, response.json()
        answer = response.json()
    if action == "dispute":
        response = api_as(agent).post(
            f"{URL}{answer['id']}/dispute/", {"reason": "Was polite"}, format="json"
        )
        assert response.status_code == 200, response.json()
        answer, who = response.json(), agent
    read = api_as(who).get(f"{URL}{answer['id']}/").json()
    assert answer == read
    # The events as text: read back as stored, their keys keep the stored order (jsonb's on
    # PostgreSQL), as in the read.
    assert json.dumps(answer["events"]) == json.dumps(read["events"])
    assert (answer["item_title"], answer["agent_name"]) == (item.title, str(agent))
    assert answer["evaluator_name"] == str(qa) and answer["scorecard_name"] == "Front call"
    expected = {
        "draft": ["created", "saved"],
        "submit in one go": ["created", "submitted"],
        "submit": ["created", "saved", "submitted"],
        "dispute": ["created", "saved", "submitted", "disputed"],
    }[action]
    assert [e["action"] for e in answer["events"]] == expected
    assert answer["events"][-1]["actor_name"] == str(who)


def test_a_write_answers_the_events_in_history_order(api_as, qa, agent, submitted):
    """By time, then id (events at the same instant keep the order they were written in);
    an actor who is gone is a null name."""
    created, sent = submitted.events.order_by("id")
    # Written last, at the submit's instant, by nobody; then one dated after it all, by the
    # creator (the log is append-only: events are added, never moved).
    EvaluationEvent.objects.create(evaluation=submitted, action="upheld", at=sent.at)
    EvaluationEvent.objects.create(
        evaluation=submitted, action="created", actor=qa, at=sent.at + timedelta(hours=1)
    )
    response = api_as(agent).post(f"{URL}{submitted.pk}/acknowledge/", {"comment": "ok"})
    assert response.status_code == 200, response.json()
    events = response.json()["events"]
    assert [e["action"] for e in events] == [
        "created",
        "submitted",
        "upheld",
        "acknowledged",
        "created",
    ]
    assert [e["actor_name"] for e in events] == [str(qa), str(qa), None, str(agent), str(qa)]


def test_bad_answer_is_a_400_naming_the_criterion_and_writes_nothing(
    api_as, qa, agent, front_card, done_item
):
    item = done_item(agent)
    response = api_as(qa).post(
        URL,
        {"item": item.pk, "answers": dict(PERFECT, empathy=7), "submit": True},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "empathy" in body["detail"]
    assert body["errors"] == {
        "answers.empathy": ["Criterion 'empathy' expects a whole number from 0 to 5; got 7."]
    }
    assert not Evaluation.objects.exists()  # the draft was not left behind


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "item"),
        ({"item": "x"}, "item"),
        ({"item": 999999}, "item"),
        ({"item": None, "answers": {}}, "item"),
    ],
)
def test_bad_create_input(api_as, qa, front_card, payload, field):
    response = api_as(qa).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_agent_cannot_create(api_as, agent, other_agent, front_card, done_item):
    response = api_as(agent).post(URL, {"item": done_item(other_agent).pk}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only QA analysts and supervisors evaluate work."


def test_self_evaluation_is_403(api_as, supervisor, front_card, done_item):
    from django.contrib.auth.models import Group

    from ccops.choices import Role

    supervisor.groups.add(Group.objects.get(name=Role.AGENT))
    response = api_as(supervisor).post(URL, {"item": done_item(supervisor).pk}, format="json")
    assert response.status_code == 403
    assert "own work" in response.json()["detail"]


def test_patch_saves_draft_then_submit_validates(api_as, qa, draft):
    client = api_as(qa)
    response = client.patch(
        f"{URL}{draft.pk}/", {"answers": {"greeting": "no"}, "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["answers"] == {"greeting": "no"}
    response = client.post(f"{URL}{draft.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    assert {"answers.verify", "answers.empathy", "answers.resolution"} <= set(
        response.json()["errors"]
    )
    response = client.post(f"{URL}{draft.pk}/submit/", {"answers": PERFECT}, format="json")
    assert response.status_code == 200 and response.json()["score"] == "100.00"


@pytest.mark.parametrize("method, path", [("post", "submit/"), ("patch", "")])
def test_a_write_to_an_evaluation_that_is_not_there_is_a_404(
    api_as, qa, supervisor, draft, method, path
):
    """A missing evaluation, or an id that is none, is the read's 404 before the service
    does anything; so is someone else's draft for a supervisor (out of their scope)."""
    client = api_as(qa)
    not_found = client.get(f"{URL}{10**9}/")
    assert (not_found.status_code, not_found.json()) == (
        404,
        {"detail": "Not found.", "errors": {}},
    )
    for pk in (10**9, "abc", -1, 0):
        response = getattr(client, method)(f"{URL}{pk}/{path}", {"answers": PERFECT}, format="json")
        assert (response.status_code, response.json()) == (404, not_found.json()), pk
        assert client.get(f"{URL}{pk}/").json() == not_found.json()
    # An id past 64 bits is no id at all: a 400 naming it (ccops/api/errors.py).
    response = getattr(client, method)(f"{URL}{10**30}/{path}", {"answers": PERFECT}, format="json")
    assert response.status_code == 400 and "pk" in response.json()["errors"]
    # The body is still checked first.
    response = getattr(client, method)(f"{URL}{10**9}/{path}", {"version": "x"}, format="json")
    assert response.status_code == 400 and "version" in response.json()["errors"]
    response = getattr(api_as(supervisor), method)(
        f"{URL}{draft.pk}/{path}", {"answers": PERFECT}, format="json"
    )
    assert (response.status_code, response.json()) == (404, not_found.json())
    assert Evaluation.objects.get().version == 1 and Evaluation.objects.get().status == "draft"


def test_stale_version_is_409(api_as, qa, draft):
    response = api_as(qa).patch(f"{URL}{draft.pk}/", {"answers": {}, "version": 7}, format="json")
    assert response.status_code == 409
    assert "version" in response.json()["errors"]


def test_agent_sees_only_own_submitted(api_as, agent, other_agent, submitted, qa, done_item):
    services.evaluation_create(item=done_item(agent), evaluator=qa)  # a draft: hidden
    other = services.evaluation_start(
        item=done_item(other_agent), evaluator=qa, answers=PERFECT, submit=True
    )
    body = api_as(agent).get(URL).json()
    assert [row["id"] for row in body["results"]] == [submitted.pk]
    assert api_as(agent).get(f"{URL}{other.pk}/").status_code == 404


def test_acknowledge_and_dispute_by_the_agent_only(api_as, agent, other_agent, submitted):
    response = api_as(other_agent).post(f"{URL}{submitted.pk}/dispute/", {"reason": "x"})
    assert response.status_code == 404  # not even visible
    response = api_as(agent).post(f"{URL}{submitted.pk}/dispute/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api_as(agent).post(f"{URL}{submitted.pk}/acknowledge/", {"comment": "ok"})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    response = api_as(agent).post(f"{URL}{submitted.pk}/dispute/", {"reason": "late"})
    assert response.status_code == 409


def test_supervisor_cannot_dispute_for_the_agent(api_as, supervisor, submitted):
    response = api_as(supervisor).post(f"{URL}{submitted.pk}/dispute/", {"reason": "x"})
    assert response.status_code == 403
    assert Evaluation.objects.get().status == "submitted"


def test_resolve_rescored(api_as, agent, qa, submitted):
    api_as(agent).post(f"{URL}{submitted.pk}/dispute/", {"reason": "I greeted"})
    response = api_as(qa).post(
        f"{URL}{submitted.pk}/resolve/",
        {"outcome": "rescored", "reason": "Yes they did", "answers": PERFECT},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved" and body["score"] == "100.00"
    assert body["original_score"] == "90.48"
    bad = api_as(qa).post(f"{URL}{submitted.pk}/resolve/", {"outcome": "maybe", "reason": "x"})
    assert bad.status_code == 400 and "outcome" in bad.json()["errors"]


def test_list_query_count_is_constant(
    api_as, qa, agent, front_card, done_item, django_assert_num_queries
):
    for _ in range(3):
        services.evaluation_start(item=done_item(agent), evaluator=qa, answers=PERFECT, submit=True)
    client = api_as(qa)

    def check():
        client.force_authenticate(User.objects.get(pk=qa.pk))  # roles not cached yet
        # 1 the user's roles (has_role), 2 page joined with item, agent, work type, scorecard
        # and evaluator (by cursor: no count)
        with django_assert_num_queries(2):
            body = client.get(URL).json()
        return body

    assert len(check()["results"]) == 3
    for _ in range(4):
        services.evaluation_start(item=done_item(agent), evaluator=qa, answers=PERFECT, submit=True)
    assert len(check()["results"]) == 7


def test_coaching_sessions_api(api_as, supervisor, agent, other_agent, submitted):
    client = api_as(supervisor)
    response = client.post(
        "/api/v1/quality/coaching-sessions/",
        {"agent": agent.pk, "agreed_actions": "Greet every caller", "evaluations": [submitted.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    session_id = response.json()["id"]
    assert response.json()["evaluations"] == [submitted.pk]
    bad = client.post(
        "/api/v1/quality/coaching-sessions/", {"agent": other_agent.pk, "agreed_actions": "x"}
    )
    assert bad.status_code == 403  # not their team
    missing = client.post("/api/v1/quality/coaching-sessions/", {"agent": agent.pk})
    assert missing.status_code == 400 and "agreed_actions" in missing.json()["errors"]
    assert api_as(agent).get("/api/v1/quality/coaching-sessions/").json()["count"] == 1
    assert api_as(other_agent).get("/api/v1/quality/coaching-sessions/").json()["count"] == 0
    client = api_as(supervisor)  # api_as re-authenticates the one shared client
    done = client.post(f"/api/v1/quality/coaching-sessions/{session_id}/complete/")
    assert done.status_code == 200 and done.json()["done"] is True
    again = client.post(f"/api/v1/quality/coaching-sessions/{session_id}/complete/")
    assert again.status_code == 409
    assert CoachingSession.objects.get().done


def test_calibration_results_blind_until_revealed(
    api_as, qa, supervisor, front_card, done_item, agent
):
    item = done_item(agent)
    session = services.calibration_session_create(
        by=qa,
        title="Week 1",
        scorecard=front_card,
        items=[item],
        participants=[qa, supervisor],
        reference_evaluator=qa,
    )
    services.calibration_score_submit(session=session, by=qa, item=item, answers=PERFECT)
    services.calibration_score_submit(
        session=session, by=supervisor, item=item, answers=dict(PERFECT, greeting="no")
    )
    url = f"/api/v1/quality/calibration-sessions/{session.pk}/results/"
    assert api_as(qa).get(url).status_code == 409
    services.calibration_session_reveal(session=session, by=qa)
    body = api_as(supervisor).get(url).json()
    assert body["agreement"]["unanimous_share"] == 0.8  # 4 of 5 criteria unanimous
    by_id = {row["evaluator"]: row for row in body["evaluators"]}
    assert by_id[supervisor.pk]["mean_deviation_from_reference"] == pytest.approx(-9.52)
    assert Decimal(str(body["items"][0]["mean_score"])) == Decimal("95.24")
    assert api_as(agent).get(url).status_code == 403  # agents have no calibration


def test_draft_and_submit_by_token_count_their_queries(
    api, qa, agent, front_card, done_item, django_assert_num_queries
):
    """The load test's QA path: a draft with half the answers, then the submit."""
    from rest_framework.authtoken.models import Token

    item = done_item(agent)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=qa).key}")
    half = {k: PERFECT[k] for k in ("greeting", "verify")}
    # 1 the token with its user, 2 the user's roles, 3 the item with its work type and
    # agent, 4 the current scorecards, 5 the work types they name, 6 the card's criteria
    # (+ sections), 7 savepoint, 8 the evaluation with its answers, 9 both events in one
    # insert, 10 release, 11 the answer's events (+ actors)
    with django_assert_num_queries(11):
        response = api.post(URL, {"item": item.pk, "answers": half}, format="json")
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert (draft["status"], draft["answers"]) == ("draft", half)
    # 1 the token with its user, 2 roles, 3 the evaluation in the caller's scope,
    # 4 savepoint, 5 the lock (joined with its scorecard and names), 6 criteria
    # (+ sections), 7 the conditional update, 8 the event, 9-12 the agent told (savepoint,
    # their preference for the kind, the notification, release), 13 release, 14 the
    # answer's events (+ actors)
    with django_assert_num_queries(14):
        response = api.post(
            f"{URL}{draft['id']}/submit/",
            {"answers": PERFECT, "version": draft["version"]},
            format="json",
        )
    body = response.json()
    assert (body["status"], body["score"], body["version"]) == ("submitted", "100.00", 3)
    assert [e["action"] for e in body["events"]] == ["created", "saved", "submitted"]
    evaluation = Evaluation.objects.get(pk=draft["id"])
    assert (evaluation.status, evaluation.answers) == ("submitted", PERFECT)
