"""Calibration (issue 23): items picked from the scorecard's work types, a scorecard that
does not apply refused, results only once everyone scored (or a recorded override), and
Krippendorff's alpha per criterion and ICC(2,1) of the totals on the page and in the API."""

import pytest

from ccops.audit import history_rows
from quality import services
from quality.errors import IllegalTransition, InvalidInput
from quality.models import CalibrationSession
from tests.factories import make_front_type

from .conftest import FRONT_CRITERIA, PERFECT

pytestmark = pytest.mark.django_db
API = "/api/v1/quality/calibration-sessions/"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def items(done_item, agent):
    return [done_item(agent, title=f"Refund call {i}") for i in range(2)]


@pytest.fixture
def session(qa, supervisor, front_card, items):
    return services.calibration_session_create(
        by=qa,
        title="Week 49",
        scorecard=front_card,
        items=items,
        participants=[qa, supervisor],
        reference_evaluator=qa,
    )


def score_all(session, qa, supervisor, items):
    """The qa scores both items perfectly; the supervisor misses the greeting on the first.
    Hand-worked: greeting (yes, no), (yes, yes): n = 4, n_yes = 3, n_no = 1, one disagreeing
    pair each way: alpha = 1 - (n - 1) o_yn / (n_yes n_no) = 1 - 3 / 3 = 0. The other
    criteria: every answer the same (alpha undefined). Totals [[100, 90.48], [100, 100]]:
    MSR = MSC = MSE = 22.66, so ICC(2,1) = 0 / (...) = 0."""
    for item in items:
        services.calibration_score_submit(session=session, by=qa, item=item, answers=PERFECT)
    services.calibration_score_submit(
        session=session, by=supervisor, item=items[0], answers=dict(PERFECT, greeting="no")
    )
    services.calibration_score_submit(
        session=session, by=supervisor, item=items[1], answers=PERFECT
    )


def test_reliability_of_a_session_hand_worked(session, qa, supervisor, items):
    score_all(session, qa, supervisor, items)
    rel = services.calibration_reliability(session)
    by_key = {a.criterion: a for a in rel.alphas}
    assert list(by_key) == ["greeting", "verify", "empathy", "resolution", "upsell"]
    assert by_key["greeting"].alpha == pytest.approx(0.0) and by_key["greeting"].level == "nominal"
    assert by_key["greeting"].band.label == "not reliable"
    assert by_key["empathy"].level == "ordinal"  # a 0..5 scale
    assert (by_key["verify"].alpha, by_key["verify"].note) == (None, "every answer was the same")
    assert rel.icc.icc2_1 == pytest.approx(0.0, abs=1e-9) and rel.icc.n_items == 2
    # Raw agreement still reads high: 9 of 10 (item, criterion) pairs unanimous.
    assert services.calibration_report(session).unanimous_share == pytest.approx(0.9)


def test_scorecard_that_does_not_apply_to_an_items_work_type_is_refused(
    qa, supervisor, front_card, back_card, done_item, agent, back_type
):
    back_item = done_item(agent, work_type=back_type, title="Claim")
    with pytest.raises(InvalidInput, match="does not apply to that work type") as info:
        services.calibration_session_create(
            by=qa,
            title="T",
            scorecard=front_card,
            items=[back_item],
            participants=[qa, supervisor],
        )
    assert "items" in info.value.errors
    assert not CalibrationSession.objects.exists()
    services.calibration_session_create(
        by=qa, title="T", scorecard=back_card, items=[back_item], participants=[qa, supervisor]
    )


def test_reveal_waits_for_every_score_or_a_recorded_override(session, qa, supervisor, items):
    services.calibration_score_submit(session=session, by=qa, item=items[0], answers=PERFECT)
    progress = services.calibration_progress(session)
    assert (progress.expected, progress.scored, progress.missing) == (
        4,
        1,
        {qa.pk: 1, supervisor.pk: 2},
    )
    with pytest.raises(IllegalTransition, match="3 of 4 scores are still missing"):
        services.calibration_session_reveal(session=session, by=qa)
    revealed = services.calibration_session_reveal(
        session=session, by=qa, override=True, reason="Audit next week"
    )
    assert (revealed.status, revealed.revealed_by, revealed.reveal_overridden) == (
        "revealed",
        qa,
        True,
    )
    assert revealed.reveal_reason == "Audit next week"
    record = session.history.latest()
    assert (record.history_user, record.status) == (qa, "revealed")
    assert record.history_change_reason == "Revealed early (1 of 4 scores): Audit next week"
    row = history_rows(session)[0]
    assert ("status", "Open (blind scoring)", "Revealed") in [
        (c.field, c.old, c.new) for c in row.changes
    ]


def test_complete_session_reveals_without_override(session, qa, supervisor, items):
    score_all(session, qa, supervisor, items)
    revealed = services.calibration_session_reveal(session=session, by=qa, reason="ignored")
    assert (revealed.reveal_overridden, revealed.reveal_reason) == (False, "")
    assert session.history.latest().history_change_reason.startswith("Revealed: every")


def test_picker_lists_eligible_items_searchable_paginated_keeping_the_chosen(
    as_user, qa, supervisor, front_card, done_item, agent, back_type, django_assert_num_queries
):
    calls = [done_item(agent, title=f"Call {i:02}") for i in range(12)]
    claim = done_item(agent, work_type=back_type, title="Call about a claim")
    client = as_user(qa)
    url = "/quality/calibration/new/items/"
    # user, roles, scorecard, chosen items, count, page (the scorecard's work types are a
    # subquery of the last three)
    with django_assert_num_queries(6):
        page = client.get(url, {"scorecard": front_card.pk, "items": [calls[0].pk]})
    html = page.content.decode()
    assert html.count('name="items"') == 11  # the chosen one + a page of ten
    assert f'value="{calls[0].pk}" id="pick-{calls[0].pk}" checked' in html
    assert "Call about a claim" not in html  # a back-office work type: not this scorecard's
    assert "Page 1 of 2" in html
    second = client.get(url, {"scorecard": front_card.pk, "page": 2}).content.decode()
    assert "Call 00" in second and "Call 11" not in second  # newest first
    found = client.get(url, {"scorecard": front_card.pk, "q": "call 07"}).content.decode()
    assert found.count('name="items"') == 1 and "Call 07" in found
    by_number = client.get(url, {"scorecard": front_card.pk, "q": f"#{calls[3].pk}"})
    assert by_number.content.decode().count('name="items"') == 1
    assert "Choose a scorecard" in client.get(url).content.decode()
    assert claim.pk
    assert as_user(supervisor).get(url, {"scorecard": front_card.pk}).status_code == 403


def test_create_page_refuses_a_mismatched_item_on_the_items_field(
    as_user, qa, supervisor, front_card, done_item, agent, back_type
):
    claim = done_item(agent, work_type=back_type, title="Claim")
    data = {
        "title": "Week 50",
        "scorecard": front_card.pk,
        "items": [claim.pk],
        "participants": [qa.pk, supervisor.pk],
    }
    response = as_user(qa).post("/quality/calibration/new/", data)
    assert response.status_code == 400
    assert "does not apply to that work type" in str(response.context["form"].errors["items"])
    assert not CalibrationSession.objects.exists()
    response = as_user(qa).post("/quality/calibration/new/", {**data, "items": []})
    assert "Choose at least one item" in response.content.decode()


def test_revealed_page_shows_alpha_and_icc_before_raw_agreement(
    as_user, session, qa, supervisor, items
):
    score_all(session, qa, supervisor, items)
    client = as_user(qa)
    page = client.get(f"/quality/calibration/{session.pk}/").content.decode()
    assert "<strong>4 of 4</strong> scores given" in page
    client.post(f"/quality/calibration/{session.pk}/", {"action": "reveal"})
    page = client.get(f"/quality/calibration/{session.pk}/").content.decode()
    assert page.index('data-testid="calibration-alpha"') < page.index('data-testid="agreement"')
    assert "after every evaluator had scored" in page
    greeting = page[page.index('data-testid="alpha-greeting"') :].split("</tr>")[0]
    assert "0.000" in greeting and "not reliable" in greeting and "nominal" in greeting
    assert "0.000" in page[page.index('data-testid="icc"') :].split("</div></div>")[0]


def test_api_create_refuses_mismatch_and_unknown_items(
    api_as, qa, supervisor, agent, front_card, done_item, back_type
):
    call = done_item(agent)
    claim = done_item(agent, work_type=back_type)
    body = {"title": "API", "scorecard": front_card.pk, "participants": [qa.pk, supervisor.pk]}
    bad = api_as(qa).post(API, {**body, "items": [claim.pk]}, format="json")
    assert bad.status_code == 400 and "does not apply" in bad.json()["errors"]["items"][0]
    unknown = api_as(qa).post(API, {**body, "items": [999999]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"]["items"] == ["No item #999999."]
    card = api_as(qa).post(API, {**body, "scorecard": 999999, "items": [call.pk]}, format="json")
    assert card.status_code == 400 and "scorecard" in card.json()["errors"]
    assert not CalibrationSession.objects.exists()
    refused = api_as(supervisor).post(API, {**body, "items": [call.pk]}, format="json")
    assert refused.status_code == 403
    created = api_as(qa).post(API, {**body, "items": [call.pk]}, format="json")
    assert created.status_code == 201, created.json()
    session = CalibrationSession.objects.get()
    assert created.json()["id"] == session.pk and list(session.items.all()) == [call]


def test_api_eligible_items(
    api_as, qa, agent, front_card, done_item, back_type, front_type, django_assert_num_queries
):
    calls = [done_item(agent, title=f"Call {i}") for i in range(3)]
    done_item(agent, work_type=back_type)
    client = api_as(qa)
    # scorecard, count, page (+ work type, assignee; the scorecard's work types a subquery)
    with django_assert_num_queries(3):
        response = client.get(f"{API}eligible-items/", {"scorecard": front_card.pk})
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [c.pk for c in reversed(calls)]
    assert body["results"][0]["work_type"] == calls[0].work_type.name
    found = client.get(f"{API}eligible-items/", {"scorecard": front_card.pk, "q": "call 1"})
    assert [row["id"] for row in found.json()["results"]] == [calls[1].pk]
    # A scorecard naming one work type offers that type's items only.
    other_type = make_front_type(front_type.owning_team, front_type.required_skill, name="Chat")
    chat = done_item(agent, work_type=other_type, title="Chat 1")
    chat_card = services.scorecard_save(
        by=qa,
        name="Chat",
        pass_mark=80,
        office="front",
        criteria=FRONT_CRITERIA,
        work_types=[other_type],
    )
    named = client.get(f"{API}eligible-items/", {"scorecard": chat_card.pk}).json()
    assert [row["id"] for row in named["results"]] == [chat.pk]
    assert client.get(f"{API}eligible-items/", {"scorecard": front_card.pk}).json()["count"] == 4
    missing = client.get(f"{API}eligible-items/")
    assert missing.status_code == 400 and "scorecard" in missing.json()["errors"]


def test_api_reveal_and_results_with_reliability(api_as, session, qa, supervisor, items):
    services.calibration_score_submit(session=session, by=qa, item=items[0], answers=PERFECT)
    url = f"{API}{session.pk}/reveal/"
    early = api_as(qa).post(url, {}, format="json")
    assert early.status_code == 409 and "still missing" in early.json()["detail"]
    no_reason = api_as(qa).post(url, {"override": True}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    assert api_as(supervisor).post(url, {"override": True, "reason": "x"}).status_code == 403
    CalibrationSession.objects.filter(pk=session.pk).update()  # still open
    score_all(session, qa, supervisor, items)
    done = api_as(qa).post(url, {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "revealed"
    assert (done.json()["revealed_by"], done.json()["reveal_overridden"]) == (qa.pk, False)
    results = api_as(supervisor).get(f"{API}{session.pk}/results/").json()
    alpha = {row["criterion"]: row for row in results["reliability"]["alpha"]}
    assert (alpha["greeting"]["alpha"], alpha["greeting"]["band"]) == (0.0, "not reliable")
    assert alpha["empathy"]["level"] == "ordinal" and alpha["empathy"]["alpha"] is None
    icc = results["reliability"]["icc"]
    assert icc["icc2_1"] == 0.0 and icc["band"] == "poor" and icc["n_evaluators"] == 2
    assert results["agreement"]["unanimous_share"] == 0.9  # raw agreement kept
    assert api_as(qa).post(url, {}, format="json").status_code == 409  # once


def test_bad_item_numbers_are_form_errors_not_server_errors(as_user, qa, supervisor, front_card):
    client = as_user(qa)
    data = {"title": "T", "scorecard": front_card.pk, "participants": [qa.pk, supervisor.pk]}
    for bad in ("9" * 30, "abc", "-3"):
        response = client.post("/quality/calibration/new/", {**data, "items": [bad]})
        assert response.status_code == 400
        assert "is not an item number" in str(response.context["form"].errors["items"])
    huge = "9" * 30
    picker = client.get(
        "/quality/calibration/new/items/",
        {"scorecard": huge, "items": [huge, "x"], "q": huge, "page": "zz"},
    )
    assert picker.status_code == 200 and "Choose a scorecard" in picker.content.decode()
    search = client.get("/quality/calibration/new/items/", {"scorecard": front_card.pk, "q": huge})
    assert search.status_code == 200 and 'name="items"' not in search.content.decode()
    assert not CalibrationSession.objects.exists()


def test_api_create_and_reveal_count_their_queries(
    api_as, qa, supervisor, agent, front_card, done_item, django_assert_num_queries
):
    calls = [done_item(agent) for _ in range(3)]
    client = api_as(qa)
    body = {
        "title": "Counted",
        "scorecard": front_card.pk,
        "items": [c.pk for c in calls],
        "participants": [qa.pk, supervisor.pk],
    }
    # scorecard, items (+ work types), participants, the scorecard's work types (the
    # work-type check), savepoint, session, its history record, items already linked,
    # link items, participants already linked, link participants, release, the answer's
    # session (+ counts)
    with django_assert_num_queries(13):
        response = client.post(API, body, format="json")
    assert response.status_code == 201
    session = CalibrationSession.objects.get()
    for call in calls:
        for user in (qa, supervisor):
            services.calibration_score_submit(session=session, by=user, item=call, answers=PERFECT)
    # the session in scope (+ counts), savepoint, the lock, participants, item count, scores
    # per evaluator, the update, its history record, release, the answer's session
    with django_assert_num_queries(10):
        response = client.post(f"{API}{session.pk}/reveal/", {}, format="json")
    assert response.json()["status"] == "revealed"
    assert session.history.latest().history_user == qa
