"""Pages of calibration, coaching and scorecard admin."""

import pytest

from quality import services
from quality.models import CalibrationSession, CoachingSession, CoachingTip, Scorecard

from .conftest import FRONT_CRITERIA, PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def answers_post(answers, **extra):
    return {**{f"answer_{k}": str(v) for k, v in answers.items()}, **extra}


@pytest.fixture
def session(qa, supervisor, front_card, done_item, agent):
    items = [done_item(agent, title=f"Call {i}") for i in range(2)]
    return services.calibration_session_create(
        by=qa,
        title="November calibration",
        scorecard=front_card,
        items=items,
        participants=[qa, supervisor],
        reference_evaluator=qa,
    )


def test_create_calibration_session_page(as_user, qa, supervisor, front_card, done_item, agent):
    items = [done_item(agent) for _ in range(2)]
    client = as_user(qa)
    data = {
        "title": "Week 47",
        "scorecard": front_card.pk,
        "items": [items[0].pk, items[1].pk],
        "participants": [qa.pk, supervisor.pk],
        "reference_evaluator": qa.pk,
    }
    response = client.post("/quality/calibration/new/", data)
    session = CalibrationSession.objects.get()
    assert response.url == f"/quality/calibration/{session.pk}/"
    assert set(session.items.all()) == set(items)
    bad = client.post("/quality/calibration/new/", {**data, "items": ["999999"]})
    assert bad.status_code == 400
    assert "Item #999999 is not a completed item." in bad.content.decode()
    one = client.post("/quality/calibration/new/", {**data, "participants": [qa.pk]})
    assert one.status_code == 400 and "at least two evaluators" in one.content.decode()
    assert CalibrationSession.objects.count() == 1


def test_calibration_is_blind_then_revealed(
    as_user, qa, supervisor, session, django_assert_num_queries
):
    item = session.items.order_by("id").first()
    client = as_user(supervisor)
    response = client.get(f"/quality/calibration/{session.pk}/?item={item.pk}")
    assert 'data-criterion="greeting"' in response.content.decode()
    response = client.post(
        f"/quality/calibration/{session.pk}/",
        answers_post(dict(PERFECT, greeting="no"), item=item.pk),
        follow=True,
    )
    assert f"Your score for item #{item.pk}: 90.48%" in response.content.decode()
    services.calibration_score_submit(session=session, by=qa, item=item, answers=PERFECT)
    # Blind: the supervisor sees their own score only.
    html = client.get(f"/quality/calibration/{session.pk}/").content.decode()
    assert "90.48%" in html and "100.00%" not in html and "2 of 2" in html
    assert (
        client.post(f"/quality/calibration/{session.pk}/", {"action": "reveal"}).status_code == 403
    )
    qa_client = as_user(qa)
    # One of two items scored by both: not revealed without an override and a reason.
    refused = qa_client.post(f"/quality/calibration/{session.pk}/", {"action": "reveal"})
    assert refused.status_code == 302
    no_reason = qa_client.post(
        f"/quality/calibration/{session.pk}/", {"action": "reveal", "override": "on"}
    )
    assert no_reason.status_code == 400
    assert "Say why the session is revealed early." in no_reason.content.decode()
    session.refresh_from_db()
    assert session.status == "open"
    qa_client.post(
        f"/quality/calibration/{session.pk}/",
        {"action": "reveal", "override": "on", "reason": "Supervisor on leave"},
    )
    session.refresh_from_db()
    assert (session.status, session.revealed_by, session.reveal_overridden) == (
        "revealed",
        qa,
        True,
    )
    client = as_user(supervisor)
    # session (+scorecard, reference, revealed by), user, roles, participant check, items,
    # scores, participants, criteria (+ sections) for alpha
    with django_assert_num_queries(8):
        response = client.get(f"/quality/calibration/{session.pk}/")
    html = response.content.decode()
    assert "before every evaluator had scored</strong>: Supervisor on leave" in html
    listing = client.get("/quality/calibration/").content.decode()
    assert 'title="Supervisor on leave">early</span>' in listing
    # 4 of the 5 criteria answered alike on the scored item: raw, no longer the headline
    assert "Raw agreement (not corrected for chance): 80%" in html
    assert "-9.52" in html  # the supervisor against the reference
    report = response.context["report"]
    assert report.criteria["greeting"].unanimous_share == 0


def test_calibration_score_errors_and_outsiders(as_user, session, supervisor, other_agent):
    item = session.items.first()
    response = as_user(supervisor).post(
        f"/quality/calibration/{session.pk}/", answers_post({"greeting": "yes"}, item=item.pk)
    )
    assert response.status_code == 400
    assert "answer_verify" in response.context["form"].errors
    from ccops.choices import Role
    from tests.factories import make_user

    outsider = make_user(Role.SUPERVISOR, username="sup9")
    assert as_user(outsider).get(f"/quality/calibration/{session.pk}/").status_code == 404


def test_calibration_list_constant_queries(as_user, qa, session, django_assert_num_queries):
    client = as_user(qa)
    # session, user, roles, count, page annotated with item and participant counts
    with django_assert_num_queries(4):
        response = client.get("/quality/calibration/")
    row = response.context["object_list"][0]
    assert (row.n_items, row.n_participants) == (2, 2)


def test_tip_library_filters(as_user, agent, qa, django_assert_num_queries):
    services.coaching_tip_create(
        by=qa,
        title="Name the customer",
        body="Use their name.",
        kind="tip",
        office="front",
        criterion_keys=["greeting"],
    )
    services.coaching_tip_create(
        by=qa,
        title="Check the file",
        body="Read it all.",
        kind="technique",
        office="back",
        criterion_keys=["accuracy", "documentation"],
    )
    client = as_user(agent)
    # session, user, roles, count, page of tips, their criterion tags
    with django_assert_num_queries(5):
        response = client.get("/quality/coaching/tips/")
    assert len(response.context["object_list"]) == 2
    front = client.get("/quality/coaching/tips/?office=front").context["object_list"]
    assert [t.title for t in front] == ["Name the customer"]
    keyed = client.get("/quality/coaching/tips/?criterion=documentation").context["object_list"]
    assert [t.title for t in keyed] == ["Check the file"]


def test_add_tip_page(as_user, qa):
    client = as_user(qa)
    data = {
        "title": "Pause",
        "body": "Let them finish.",
        "kind": "trick",
        "criterion_keys": "empathy, listening",
    }
    assert client.post("/quality/coaching/tips/new/", data).status_code == 302
    tip = CoachingTip.objects.get()
    assert sorted(tip.criteria.values_list("criterion_key", flat=True)) == ["empathy", "listening"]
    again = client.post("/quality/coaching/tips/new/", data)
    assert again.status_code == 400 and "exists" in again.content.decode()


def test_coaching_from_an_evaluation(as_user, supervisor, agent, submitted, qa):
    tip = services.coaching_tip_create(
        by=qa, title="Open warmly", body="Smile.", kind="tip", criterion_keys=["greeting"]
    )
    client = as_user(supervisor)
    response = client.get(f"/quality/coaching/new/?evaluation={submitted.pk}")
    form = response.context["form"]
    assert form.initial["agent"] == agent.pk and form.initial["tips"] == [tip.pk]
    data = {
        "agent": agent.pk,
        "held_on": "2026-01-05",
        "agreed_actions": "Greet by name",
        "evaluations": [submitted.pk],
        "tips": [tip.pk],
        "follow_up_on": "2026-01-04",
    }
    bad = client.post("/quality/coaching/new/", data)
    assert bad.status_code == 400 and "follow-up cannot be before" in bad.content.decode()
    data["follow_up_on"] = "2026-01-19"
    response = client.post("/quality/coaching/new/", data)
    session = CoachingSession.objects.get()
    assert response.url == f"/quality/coaching/{session.pk}/"
    assert list(session.evaluations.all()) == [submitted] and list(session.tips.all()) == [tip]
    # The agent sees it but cannot close it; the supervisor can.
    html = as_user(agent).get(f"/quality/coaching/{session.pk}/").content.decode()
    assert "Greet by name" in html and 'data-testid="coaching-done"' not in html
    assert as_user(agent).post(f"/quality/coaching/{session.pk}/done/").status_code == 403
    as_user(supervisor).post(f"/quality/coaching/{session.pk}/done/")
    session.refresh_from_db()
    assert session.done


def test_coaching_list_scoped_and_constant(
    as_user, supervisor, agent, other_agent, qa, django_assert_num_queries
):
    services.coaching_session_create(coach=qa, agent=agent, agreed_actions="A")
    services.coaching_session_create(coach=qa, agent=other_agent, agreed_actions="B")
    client = as_user(supervisor)
    # session, user, roles, count, page (agent, coach joined)
    with django_assert_num_queries(4):
        response = client.get("/quality/coaching/")
    assert [s.agent for s in response.context["object_list"]] == [agent]
    assert (
        as_user(other_agent).get("/quality/coaching/").context["object_list"][0].agreed_actions
        == "B"
    )


def test_coaching_someone_elses_agent_is_refused(as_user, supervisor, other_agent):
    response = as_user(supervisor).post(
        "/quality/coaching/new/",
        {"agent": other_agent.pk, "held_on": "2026-01-05", "agreed_actions": "x"},
    )
    assert response.status_code == 400  # not in the list of agents they may coach
    assert not CoachingSession.objects.exists()


def criteria_post(rows, prefix="criteria"):
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{i}-{key}"] = "on"
            else:
                data[f"{prefix}-{i}-{key}"] = value
    return data


def full_rows():
    return [
        {
            "kind": "yes_no",
            "guidance": "",
            "scale_max": "",
            "required": True,
            "critical": False,
            "na_allowed": False,
            **row,
        }
        for row in FRONT_CRITERIA
    ]


def test_scorecard_create_and_versioned_edit(as_user, qa, submitted, front_card):
    client = as_user(qa)
    data = {"name": "Back case", "office": "back", "pass_mark": "75", **criteria_post(full_rows())}
    response = client.post("/quality/scorecards/new/", data)
    card = Scorecard.objects.get(name="Back case")
    assert response.url == f"/quality/scorecards/{card.pk}/"
    assert card.criteria.count() == 5
    # Edit the front card, which has an evaluation: a new version is made.
    rows = full_rows()
    rows[0]["weight"] = "50"
    data = {"name": "Front call", "office": "front", "pass_mark": "80", **criteria_post(rows)}
    response = client.post(f"/quality/scorecards/{front_card.pk}/edit/", data, follow=True)
    assert "is in use, so your changes are saved as Front call v2" in response.content.decode()
    new = Scorecard.objects.get(name="Front call", is_current=True)
    assert new.version == 2 and new.criteria.get(key="greeting").weight == 50
    submitted.refresh_from_db()
    assert submitted.scorecard_id == front_card.pk and str(submitted.score) == "90.48"


def test_scorecard_form_errors_on_the_row(as_user, qa):
    rows = full_rows()
    rows[1]["key"] = rows[0]["key"]
    data = {"name": "X", "office": "", "pass_mark": "80", **criteria_post(rows)}
    response = as_user(qa).post("/quality/scorecards/new/", data)
    assert response.status_code == 400
    formset = response.context["formset"]
    assert "Duplicate criterion key 'greeting'." in formset.forms[1].errors["key"]
    assert not Scorecard.objects.exists()


def test_scorecard_pages_constant_queries(
    as_user, qa, front_card, back_card, django_assert_num_queries
):
    client = as_user(qa)
    # session, user, roles, count, page annotated with criteria and evaluation counts
    with django_assert_num_queries(4):
        response = client.get("/quality/scorecards/")
    assert [c.name for c in response.context["object_list"]] == ["Back case", "Front call"]
    # session, user, roles, scorecard, its criteria (+sections), work types, versions, the
    # family's history records (with users), the users named in them (created_by)
    with django_assert_num_queries(8):
        response = client.get(f"/quality/scorecards/{front_card.pk}/")
    assert "Verifies identity" in response.content.decode()
    # session, user, roles, scorecard, criteria (+sections), work types, work type choices
    with django_assert_num_queries(6):
        response = client.get(f"/quality/scorecards/{front_card.pk}/edit/")
    assert response.context["formset"].initial[1]["key"] == "verify"
