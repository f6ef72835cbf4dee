"""Quality pages in a real browser: evaluate, acknowledge, dispute, resolve, sample,
calibrate, coach, edit scorecards."""

from datetime import timedelta

import pytest

from quality import services
from quality.models import CalibrationSession, CoachingSession, CoachingTip, Evaluation, Scorecard
from tests.quality import conftest as quality_fixtures
from tests.quality.conftest import PERFECT
from tests.workitems import conftest as work_fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Fixtures shared with tests/quality (assigned, so pytest registers them in this module).
call_skill = work_fixtures.call_skill
claims_skill = work_fixtures.claims_skill
front_type = work_fixtures.front_type
back_type = work_fixtures.back_type
front_card = quality_fixtures.front_card
done_item = quality_fixtures.done_item


def answer(page, key, value):
    page.check(f"input[name=answer_{key}][value='{value}']")


def logout(page):
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/")


def test_qa_evaluates_and_agent_acknowledges(page, login, qa, agent, front_card, done_item):
    item = done_item(agent, title="Caller asks about a refund")
    draft = services.evaluation_create(item=item, evaluator=qa)
    login("qa")
    page.goto("/quality/queue/")
    assert "Caller asks about a refund" in page.locator("[data-testid=queue]").inner_text()
    page.click("[data-testid=queue] >> text=Evaluate")
    page.wait_for_url(f"**/quality/evaluations/{draft.pk}/edit/")
    live = page.locator("[data-testid=live-score]")
    assert live.inner_text() == "–"
    for key, value in PERFECT.items():
        answer(page, key, value)
    assert live.inner_text() == "100.00%"
    answer(page, "empathy", 3)  # (10 + 20 + 18 + 40 + 5) / 105 = 88.57
    assert live.inner_text() == "88.57%"
    answer(page, "verify", "no")  # critical
    assert live.inner_text() == "0.00%"
    assert "critical" in page.locator("[data-testid=live-status]").inner_text()
    answer(page, "verify", "yes")
    page.fill("input[name=comment_empathy]", "Acknowledge the frustration first")
    page.click("[data-testid=save]")
    page.wait_for_url(f"**/quality/evaluations/{draft.pk}/edit/")
    assert page.locator("[data-testid=saved-score]").inner_text() == "88.57%"
    assert page.locator("[data-testid=live-score]").inner_text() == "88.57%"
    page.fill("textarea[name=overall_comment]", "Good call overall")
    page.click("[data-testid=submit]")
    page.wait_for_url(f"**/quality/evaluations/{draft.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "Submitted"
    assert page.locator("[data-testid=score]").inner_text() == "88.57%"
    logout(page)

    login("agent")
    page.goto("/quality/mine/")
    assert page.locator("[data-testid=to-acknowledge]").inner_text() == "1"
    page.click("[data-testid=my-evaluations] >> text=Review")
    page.wait_for_url(f"**/quality/evaluations/{draft.pk}/")
    assert "Acknowledge the frustration first" in page.content()
    page.fill("[data-testid=acknowledge-form] input[name=comment]", "Thanks, will do")
    page.click("[data-testid=acknowledge]")
    page.wait_for_url(f"**/quality/evaluations/{draft.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "Acknowledged"
    draft.refresh_from_db()
    assert draft.status == "acknowledged" and draft.agent_comment == "Thanks, will do"


def test_submit_with_missing_answers_shows_the_criterion(
    page, login, qa, agent, front_card, done_item
):
    draft = services.evaluation_create(item=done_item(agent), evaluator=qa)
    login("qa")
    page.goto(f"/quality/evaluations/{draft.pk}/edit/")
    answer(page, "greeting", "yes")
    page.click("[data-testid=submit]")
    assert "Criterion 'verify' is required" in page.content()
    assert Evaluation.objects.get().status == "draft"


def test_agent_disputes_and_supervisor_rescores(
    page, login, qa, agent, supervisor, front_card, done_item
):
    evaluation = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers=dict(PERFECT, greeting="no"), submit=True
    )
    login("agent")
    page.goto(f"/quality/evaluations/{evaluation.pk}/")
    page.fill("[data-testid=dispute-form] textarea[name=reason]", "I greeted, listen at 0:05")
    page.click("[data-testid=dispute]")
    page.wait_for_url(f"**/quality/evaluations/{evaluation.pk}/")
    assert page.locator("[data-testid=status]").inner_text() == "Disputed"
    logout(page)

    login("super")
    page.goto("/quality/evaluations/")
    page.click("[data-testid=disputes-link]")
    page.click(f"[data-testid=evaluations] >> text={evaluation.pk}")
    page.click("[data-testid=resolve-link]")
    page.check("input[name=outcome][value=rescored]")
    page.fill("textarea[name=reason]", "Greeting is on the recording")
    answer(page, "greeting", "yes")
    assert page.locator("[data-testid=live-score]").inner_text() == "100.00%"
    page.click("[data-testid=resolve]")
    page.wait_for_url(f"**/quality/evaluations/{evaluation.pk}/")
    assert "Re-scored" in page.locator("[data-testid=resolution]").inner_text()
    assert page.locator("[data-testid=score]").inner_text() == "100.00%"
    evaluation.refresh_from_db()
    assert evaluation.resolution == "rescored" and str(evaluation.original_score) == "90.48"


def test_qa_draws_the_weekly_sample(page, login, qa, agent, other_agent, front_card, done_item):
    week = services.previous_week_start()
    start, _ = services.week_bounds(week)
    for day in range(4):
        done_item(agent, completed_at=start + timedelta(days=day, hours=9))
        done_item(other_agent, completed_at=start + timedelta(days=day, hours=11))
    login("qa")
    page.goto("/quality/queue/")
    page.fill("[data-testid=sample-form] input[name=per_agent]", "2")
    page.click("[data-testid=sample-form] button")
    page.wait_for_url("**/quality/queue/")
    assert "4 item(s) drawn" in page.content()
    assert page.locator("[data-testid=queue-row]").count() == 4
    page.fill("[data-testid=sample-form] input[name=per_agent]", "2")
    page.click("[data-testid=sample-form] button")  # the same week again: idempotent
    page.get_by_text("0 item(s) drawn").wait_for()
    assert Evaluation.objects.count() == 4


def test_calibration_session(page, login, qa, supervisor, agent, front_card, done_item, back_type):
    """Open a session by picking items from the list (search, next page), score, and see
    alpha and the ICC once every evaluator has scored."""
    item = done_item(agent, title="Caller asks about a refund")
    for i in range(11):  # a second page of items in the picker
        done_item(agent, title=f"Other call {i}")
    done_item(agent, work_type=back_type, title="Claim for a refund")  # not this scorecard's
    login("qa")
    page.goto("/quality/calibration/new/")
    page.fill("input[name=title]", "Week 47 calibration")
    page.select_option("select[name=scorecard]", str(front_card.pk))
    picker = page.locator("[data-testid=picker-items]")
    picker.get_by_text("Other call 10").wait_for()
    page.check(
        "#pick-"
        + str(page.locator("[data-testid=picker-items] input").first.get_attribute("value"))
    )
    page.click("[data-testid=picker-next]")
    page.locator("[data-testid=picker-selected]").wait_for()
    assert page.locator("[data-testid=picker-selected] input:checked").count() == 1
    page.fill("[data-testid=picker-search]", "refund")
    picker.get_by_text("Caller asks about a refund").wait_for()
    assert "Claim for a refund" not in picker.inner_text()
    page.check(f"#pick-{item.pk}")
    page.check(f"input[name=participants][value='{qa.pk}']")
    page.check(f"input[name=participants][value='{supervisor.pk}']")
    page.select_option("select[name=reference_evaluator]", str(qa.pk))
    page.click("[data-testid=open-session]")
    page.wait_for_url("**/quality/calibration/*/")
    session = CalibrationSession.objects.get()
    assert session.items.count() == 2 and session.items.filter(pk=item.pk).exists()
    for target in session.items.all():
        page.goto(f"/quality/calibration/{session.pk}/?item={target.pk}")
        for key, value in PERFECT.items():
            answer(page, key, value)
        page.click("[data-testid=save-calibration]")
        page.wait_for_url(f"**/quality/calibration/{session.pk}/")
    assert "2 of 4" in page.locator("[data-testid=progress]").inner_text()
    page.click("[data-testid=reveal]")  # not everyone has scored: refused
    assert "still missing" in page.content()
    assert CalibrationSession.objects.get().status == "open"
    for n, target in enumerate(session.items.order_by("id")):
        answers = dict(PERFECT, greeting="no") if n == 0 else PERFECT
        services.calibration_score_submit(
            session=session, by=supervisor, item=target, answers=answers
        )
    page.reload()
    assert "4 of 4" in page.locator("[data-testid=progress]").inner_text()
    page.click("[data-testid=reveal]")
    page.locator("[data-testid=calibration-alpha]").wait_for()
    greeting = page.locator("[data-testid=alpha-greeting]").inner_text()
    assert "0.000" in greeting and "not reliable" in greeting  # hand-worked: alpha = 0
    assert "0.000" in page.locator("[data-testid=icc]").inner_text()
    assert "Raw agreement" in page.locator("[data-testid=agreement]").inner_text()
    assert "after every evaluator had scored" in page.locator("[data-testid=revealed]").inner_text()


def test_supervisor_coaches_from_an_evaluation(
    page, login, qa, agent, supervisor, front_card, done_item
):
    services.coaching_tip_create(
        by=qa, title="Warm opening", body="Name and smile.", kind="tip", criterion_keys=["greeting"]
    )
    evaluation = services.evaluation_start(
        item=done_item(agent), evaluator=qa, answers=dict(PERFECT, greeting="no"), submit=True
    )
    login("super")
    page.goto(f"/quality/evaluations/{evaluation.pk}/")
    assert "Warm opening" in page.locator("[data-testid=tip]").inner_text()
    page.click("text=Start a coaching session")
    page.fill("textarea[name=agreed_actions]", "Open every call with your name")
    page.click("[data-testid=coaching-form] button")
    session = CoachingSession.objects.get()
    page.wait_for_url(f"**/quality/coaching/{session.pk}/")
    assert list(session.tips.values_list("title", flat=True)) == ["Warm opening"]
    page.click("[data-testid=coaching-done]")
    assert page.locator("[data-testid=coaching-status]").inner_text().startswith("Done")
    page.click("[data-testid=nav-area-quality]")  # the menu's areas are dropdowns
    page.locator("[data-testid=nav]").get_by_role("link", name="Coaching").click()
    page.wait_for_url("**/quality/coaching/")
    assert "Open every call" in page.locator("[data-testid=coaching-sessions]").inner_text()


def test_coaching_library_add_and_filter(page, login, qa):
    login("qa")
    page.goto("/quality/coaching/tips/")
    page.click("text=Add a tip")
    page.fill("input[name=title]", "Summarise before closing")
    page.fill("textarea[name=body]", "Repeat what was agreed.")
    page.select_option("select[name=kind]", "technique")
    page.fill("input[name=criterion_keys]", "resolution")
    page.click("[data-testid=tip-form] button")
    page.wait_for_url("**/quality/coaching/tips/")
    page.fill("input[name=criterion]", "resolution")
    page.click("[data-testid=tip-filters] button")
    assert page.locator("[data-testid=tip]").count() == 1
    assert CoachingTip.objects.get().criteria.get().criterion_key == "resolution"


def test_editing_a_scorecard_in_use_makes_a_new_version(
    page, login, qa, agent, front_card, done_item
):
    services.evaluation_start(item=done_item(agent), evaluator=qa, answers=PERFECT, submit=True)
    login("qa")
    page.goto("/quality/scorecards/")
    page.click("[data-testid=scorecards] >> text=Edit")
    page.fill("input[name=pass_mark]", "85")
    page.fill("input[name='criteria-0-weight']", "15")
    page.click("[data-testid=save-scorecard]")
    assert "saved as Front call v2" in page.content()
    assert "v1" in page.locator("[data-testid=versions]").inner_text()
    assert Scorecard.objects.get(is_current=True).version == 2


def test_my_quality_draws_the_chart(page, login, qa, agent, front_card, done_item):
    for answers in (PERFECT, dict(PERFECT, greeting="no")):
        services.evaluation_start(item=done_item(agent), evaluator=qa, answers=answers, submit=True)
    login("agent")
    page.goto("/quality/mine/")
    page.wait_for_function("() => window.Chart && Chart.getChart('quality-chart')")
    assert page.locator("[data-testid=mean-score]").inner_text() == "95.24%"


def test_qa_creates_a_scorecard(page, login, qa, back_type):
    login("qa")
    page.goto("/quality/scorecards/")
    page.click("text=New scorecard")
    page.fill("input[name=name]", "Complaints case")
    page.select_option("select[name=office]", "back")
    page.fill("input[name=pass_mark]", "85")
    rows = [
        ("Accuracy", "correct_decision", "Decision is correct", "60"),
        ("Customer", "letter_clarity", "Reply is clear", "40"),
    ]
    for i, (section, key, text, weight) in enumerate(rows):
        page.fill(f"input[name='criteria-{i}-section']", section)
        page.fill(f"input[name='criteria-{i}-key']", key)
        page.fill(f"input[name='criteria-{i}-text']", text)
        page.fill(f"input[name='criteria-{i}-weight']", weight)
    page.check("input[name='criteria-0-critical']")
    page.click("[data-testid=save-scorecard]")
    page.wait_for_url("**/quality/scorecards/*/")
    assert "Decision is correct" in page.locator("[data-testid=criteria]").inner_text()
    card = Scorecard.objects.get(name="Complaints case")
    assert card.criteria.get(key="correct_decision").critical
