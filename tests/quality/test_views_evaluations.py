"""Pages of the evaluation flow: queue, form, detail, respond, resolve, list, my quality."""

from datetime import timedelta

import pytest

from quality import services
from quality.models import Evaluation, SampleRun

from .conftest import PERFECT

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


PAGES = [
    "/quality/queue/",
    "/quality/evaluations/",
    "/quality/mine/",
    "/quality/calibration/",
    "/quality/calibration/new/",
    "/quality/coaching/",
    "/quality/coaching/new/",
    "/quality/coaching/tips/",
    "/quality/coaching/tips/new/",
    "/quality/scorecards/",
    "/quality/scorecards/new/",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "persona, url",
    [
        ("agent", "/quality/queue/"),
        ("agent", "/quality/evaluations/"),
        ("agent", "/quality/scorecards/"),
        ("agent", "/quality/calibration/"),
        ("agent", "/quality/coaching/new/"),
        ("agent", "/quality/coaching/tips/new/"),
        ("supervisor", "/quality/scorecards/"),
        ("supervisor", "/quality/calibration/new/"),
        ("planner", "/quality/mine/"),
        ("planner", "/quality/queue/"),
        ("norole", "/quality/coaching/tips/"),
    ],
)
def test_wrong_role_is_403(as_user, request, persona, url):
    assert as_user(request.getfixturevalue(persona)).get(url).status_code == 403


def test_evaluation_pages_of_others_are_404(as_user, submitted, other_agent, draft, supervisor):
    client = as_user(other_agent)
    assert client.get(f"/quality/evaluations/{submitted.pk}/").status_code == 404
    response = client.post(f"/quality/evaluations/{submitted.pk}/dispute/", {"reason": "x"})
    assert response.status_code == 404
    # Only the evaluator opens the form of a draft.
    assert as_user(supervisor).get(f"/quality/evaluations/{draft.pk}/edit/").status_code == 404


def test_queue_lists_my_drafts_with_constant_queries(
    as_user, qa, agent, front_card, done_item, django_assert_num_queries
):
    client = as_user(qa)
    services.evaluation_create(item=done_item(agent), evaluator=qa)

    def load(expected_rows):
        # session, user (+team), user's roles, count of drafts, page of drafts (item, agent,
        # agent's team, work type, scorecard joined), last sample runs
        with django_assert_num_queries(5):
            response = client.get("/quality/queue/")
        assert response.content.decode().count('data-testid="queue-row"') == expected_rows
        return response

    load(1)
    for _ in range(4):
        services.evaluation_create(item=done_item(agent), evaluator=qa)
    response = load(5)
    assert "Customer question" in response.content.decode()
    assert 'data-testid="sample-form"' in response.content.decode()


def test_sample_button_draws_into_the_queue(as_user, qa, agent, front_card, done_item):
    week = services.previous_week_start()
    start, _ = services.week_bounds(week)
    for day in range(3):
        done_item(agent, completed_at=start + timedelta(days=day, hours=10))
    response = as_user(qa).post(
        "/quality/queue/sample/", {"week_start": week.isoformat(), "per_agent": 2}, follow=True
    )
    assert "drawn into evaluators" in response.content.decode()
    run = SampleRun.objects.get(week_start=week)
    assert run.drawn == 2 == Evaluation.objects.filter(evaluator=qa, status="draft").count()
    response = as_user(qa).post(
        "/quality/queue/sample/", {"week_start": "2020-01-07", "per_agent": 2}, follow=True
    )
    assert "Choose a Monday" in response.content.decode()


def test_sample_button_is_qa_only(as_user, supervisor):
    response = as_user(supervisor).post("/quality/queue/sample/", {"week_start": "2020-01-06"})
    assert response.status_code == 403


def test_start_evaluation_by_item_number(as_user, qa, agent, front_card, done_item):
    item = done_item(agent)
    response = as_user(qa).post("/quality/evaluations/start/", {"item": item.pk})
    evaluation = Evaluation.objects.get(item=item)
    assert response.url == f"/quality/evaluations/{evaluation.pk}/edit/"
    response = as_user(qa).post("/quality/evaluations/start/", {"item": item.pk}, follow=True)
    assert "already has an evaluation" in response.content.decode()


def test_start_own_work_is_403(as_user, supervisor, front_card, done_item):
    from django.contrib.auth.models import Group

    from ccops.choices import Role

    supervisor.groups.add(Group.objects.get(name=Role.AGENT))
    response = as_user(supervisor).post(
        "/quality/evaluations/start/", {"item": done_item(supervisor).pk}
    )
    assert response.status_code == 403


def form_data(answers, version, action="save", comments=None, overall=""):
    data = {f"answer_{k}": str(v) for k, v in answers.items()}
    data.update({f"comment_{k}": v for k, v in (comments or {}).items()})
    data.update(version=version, action=action, overall_comment=overall)
    return data


def test_evaluation_form_renders_live_score_attributes(
    as_user, qa, draft, django_assert_num_queries
):
    client = as_user(qa)
    # session, user, roles, the evaluation (item, agent, work type, scorecard), its criteria
    with django_assert_num_queries(4):
        response = client.get(f"/quality/evaluations/{draft.pk}/edit/")
    html = response.content.decode()
    assert 'data-criterion="empathy"' in html and 'data-scale-max="5"' in html
    assert 'data-critical="1"' in html and 'data-pass-mark="80.00"' in html
    assert "quality/live_score.js" in html and "<script>" not in html


def test_save_draft_shows_server_score(as_user, qa, draft):
    client = as_user(qa)
    response = client.post(
        f"/quality/evaluations/{draft.pk}/edit/",
        form_data(
            {"greeting": "yes", "verify": "yes", "empathy": 3}, 1, comments={"empathy": "ok"}
        ),
        follow=True,
    )
    # (10 + 20 + 18) / 60 = 80.00
    assert "Draft saved (score so far 80.00%)" in response.content.decode()
    assert 'data-testid="saved-score">80.00%' in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers == {"greeting": "yes", "verify": "yes", "empathy": 3}
    assert draft.comments == {"empathy": "ok"}


def test_submit_with_missing_answers_shows_errors_on_the_criteria(as_user, qa, draft):
    response = as_user(qa).post(
        f"/quality/evaluations/{draft.pk}/edit/", form_data({"greeting": "yes"}, 1, "submit")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "Criterion 'verify' is required" in form.errors["answer_verify"][0]
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.version == 1


def test_submit_then_detail(as_user, qa, draft):
    response = as_user(qa).post(
        f"/quality/evaluations/{draft.pk}/edit/",
        form_data(dict(PERFECT, resolution="no"), 1, "submit", overall="Close the loop"),
    )
    assert response.url == f"/quality/evaluations/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == "submitted" and str(draft.score) == "61.90"
    # A submitted evaluation's form sends you to the detail.
    assert as_user(qa).get(f"/quality/evaluations/{draft.pk}/edit/").status_code == 302


def test_stale_form_is_refused(as_user, qa, draft):
    services.evaluation_save(evaluation=draft, by=qa, answers={"greeting": "no"})
    response = as_user(qa).post(
        f"/quality/evaluations/{draft.pk}/edit/", form_data(PERFECT, 1, "submit"), follow=True
    )
    assert "changed by someone else" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.answers == {"greeting": "no"}


def test_detail_for_the_agent_with_tips_and_actions(
    as_user, agent, submitted, django_assert_num_queries
):
    from quality.models import CoachingTip, CoachingTipCriterion

    tip = CoachingTip.objects.create(title="Open warmly", body="Smile.", office="front")
    CoachingTipCriterion.objects.create(tip=tip, criterion_key="greeting")
    other = CoachingTip.objects.create(title="Back office only", body="x", office="back")
    CoachingTipCriterion.objects.create(tip=other, criterion_key="greeting")
    client = as_user(agent)
    # session, user, roles, evaluation (+ joins), its events (+ actors), criteria (+ sections),
    # tips matching missed criteria, their tags
    with django_assert_num_queries(7):
        response = client.get(f"/quality/evaluations/{submitted.pk}/")
    html = response.content.decode()
    assert 'data-testid="acknowledge"' in html and 'data-testid="dispute"' in html
    assert "Open warmly" in html and "Back office only" not in html
    assert "90.48%" in html


def test_agent_acknowledges_on_the_page(as_user, agent, submitted):
    response = as_user(agent).post(
        f"/quality/evaluations/{submitted.pk}/acknowledge/",
        {"comment": "Will do", "version": submitted.version},
        follow=True,
    )
    assert "Evaluation acknowledged." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "acknowledged" and submitted.agent_comment == "Will do"


def test_dispute_by_supervisor_on_the_page_is_403(as_user, supervisor, submitted):
    response = as_user(supervisor).post(
        f"/quality/evaluations/{submitted.pk}/dispute/",
        {"reason": "for them", "version": submitted.version},
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.fixture
def disputed(submitted, agent):
    return services.evaluation_dispute(evaluation=submitted, by=agent, reason="I greeted")


def test_resolve_page_rescore(as_user, supervisor, disputed, django_assert_num_queries):
    client = as_user(supervisor)
    # session, user, roles, evaluation (+ joins), its criteria
    with django_assert_num_queries(4):
        response = client.get(f"/quality/evaluations/{disputed.pk}/resolve/")
    assert "I greeted" in response.content.decode()
    data = form_data(PERFECT, disputed.version)
    data.update(outcome="rescored", reason="Greeting heard on the recording")
    response = client.post(f"/quality/evaluations/{disputed.pk}/resolve/", data)
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.status == "resolved" and str(disputed.score) == "100.00"
    assert str(disputed.original_score) == "90.48"


def test_resolve_page_errors(as_user, qa, disputed):
    data = form_data({"greeting": "yes"}, disputed.version)
    data.update(outcome="rescored", reason="x")
    response = as_user(qa).post(f"/quality/evaluations/{disputed.pk}/resolve/", data)
    assert response.status_code == 400
    assert "answer_verify" in response.context["form"].errors
    disputed.refresh_from_db()
    assert disputed.status == "disputed"


def test_resolve_by_other_team_supervisor_is_404(as_user, disputed, other_team):
    from ccops.choices import Role
    from tests.factories import make_user

    stranger = make_user(Role.SUPERVISOR, username="sup2", team=other_team)
    other_team.supervisor = stranger
    other_team.save()
    assert as_user(stranger).get(f"/quality/evaluations/{disputed.pk}/resolve/").status_code == 404


def test_evaluation_list_scoped_filtered_and_constant(
    as_user, supervisor, agent, other_agent, qa, front_card, done_item, django_assert_num_queries
):
    def add(who, n):
        for _ in range(n):
            services.evaluation_start(
                item=done_item(who), evaluator=qa, answers=PERFECT, submit=True
            )

    add(agent, 2)
    add(other_agent, 2)  # another team: not the supervisor's
    client = as_user(supervisor)

    def load():
        # session, user, roles, count, page (item, agent, work type, scorecard, evaluator)
        with django_assert_num_queries(4):
            return client.get("/quality/evaluations/?status=submitted")

    assert len(load().context["object_list"]) == 2
    add(agent, 3)
    assert len(load().context["object_list"]) == 5
    response = client.get("/quality/evaluations/?status=disputed")
    assert list(response.context["object_list"]) == []


def test_my_quality_summary_chart_and_constant_queries(
    as_user, agent, qa, front_card, done_item, django_assert_num_queries
):
    def add(n, answers):
        for _ in range(n):
            services.evaluation_start(
                item=done_item(agent), evaluator=qa, answers=answers, submit=True
            )

    add(1, PERFECT)
    client = as_user(agent)

    def load():
        # session, user, roles, summary aggregate, scores by work type and completed items
        # by work type (the weighted mean), weekly series, count, page
        with django_assert_num_queries(8):
            return client.get("/quality/mine/")

    response = load()
    assert response.context["summary"]["count"] == 1
    add(3, dict(PERFECT, verify="no"))
    services.evaluation_create(item=done_item(agent), evaluator=qa)  # a draft: not shown
    response = load()
    summary = response.context["summary"]
    assert summary["count"] == 4 and summary["passed"] == 1 and summary["pass_rate"] == 25
    assert float(summary["mean"]) == 25.0
    assert summary["weighted"].mean == pytest.approx(25.0)  # one work type: no correction
    assert summary["to_acknowledge"] == 4
    html = response.content.decode()
    assert 'id="weekly-scores"' in html and "chart.umd.min.js" in html
    assert response.context["weekly"][-1]["count"] == 4
