"""Audit trail in quality: scorecard versions are historised (django-simple-history);
evaluations keep their own append-only event log (``EvaluationEvent``), shown on the page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ccops.audit import history_rows_for
from quality import services
from quality.models import Scorecard

from .conftest import FRONT_CRITERIA, PERFECT

pytestmark = pytest.mark.django_db


def edit(card, by, **changes):
    values = {"name": card.name, "pass_mark": card.pass_mark, "office": card.office}
    values["criteria"] = FRONT_CRITERIA
    return services.scorecard_save(by=by, scorecard=card, **(values | changes))


def test_scorecard_edit_in_place_is_recorded_with_its_criteria_change(front_card, qa):
    before = timezone.now()
    edit(front_card, qa, pass_mark=85, criteria=FRONT_CRITERIA[:4])
    record = front_card.history.latest()
    assert (record.history_type, record.history_user) == ("~", qa)
    assert before <= record.history_date <= timezone.now()
    assert record.history_change_reason == "Changed criteria"
    rows = history_rows_for(Scorecard.history.filter(family=front_card.family))
    assert [(c.field, c.old, c.new) for c in rows[0].changes] == [("pass mark", "80.00", "85.00")]


def test_new_version_records_the_old_one_leaving_current(front_card, draft, qa):
    new = edit(front_card, qa, name="Front call 2")  # in use by ``draft``: a new version
    assert new.pk != front_card.pk and new.version == 2
    old = front_card.history.latest()
    assert (old.history_user, old.is_current) == (qa, False)
    rows = history_rows_for(
        Scorecard.history.filter(family=front_card.family), label_field="version"
    )
    assert [(r.action, r.label, r.who) for r in rows] == [
        ("Created", "2", str(qa)),
        ("Changed", "1", str(qa)),
        ("Created", "1", str(qa)),
    ]
    assert [(c.field, c.old, c.new) for c in rows[1].changes] == [("is current", "yes", "no")]


def test_scorecard_history_is_on_its_page_for_qa(client, front_card, qa, admin_user):
    edit(front_card, qa, pass_mark=90)
    for user in (qa, admin_user):
        client.force_login(user)
        page = client.get(reverse("quality:scorecard_detail", args=[front_card.pk]))
        assert "Pass mark: 80.00 &rarr; 90.00" in page.content.decode()


def test_evaluation_changes_are_in_its_event_log_with_who_when_and_what(
    client, draft, qa, supervisor, admin_user, agent
):
    before = timezone.now()
    services.evaluation_save(
        evaluation=draft, by=qa, answers={"greeting": "yes"}, overall_comment="Good start"
    )
    services.evaluation_submit(evaluation=draft, by=qa, answers=dict(PERFECT, greeting="no"))
    saved, submitted = draft.events.order_by("id")[1:]
    assert (saved.actor, submitted.actor) == (qa, qa)
    assert before <= saved.at <= submitted.at <= timezone.now()
    assert saved.changes["answers"] == {"greeting": [None, "yes"]}
    assert saved.changes["overall_comment"] == ["", "Good start"]
    assert submitted.changes["answers"]["greeting"] == ["yes", "no"]
    assert (submitted.from_status, submitted.to_status) == ("draft", "submitted")

    for user in (supervisor, admin_user):  # the agent's supervisor, and an admin
        client.force_login(user)
        page = client.get(reverse("quality:evaluation_detail", args=[draft.pk])).content
        page = page.decode()
        assert 'data-testid="history"' in page
        assert f"<strong>Submitted</strong> by {qa}" in page
        assert "greeting yes → no" in page and "overall comment changed" in page
