"""An item waiting on the customer (pending: its SLA clock stopped) is not past due nor at
risk, in every count: the live backlog, the dashboard tiles, the wallboard, the queue's
filter and export, the API, alerts and the item's own SLA state (``querysets.past_due_q``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from workitems import services
from workitems.choices import Status
from workitems.models import WorkItem
from workitems.selectors import backlog_by_type, queue_queryset
from workitems.sla_alerts import sla_alerts_send
from workitems.today import office_today, work_types_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_and_waiting(back_type, back_agent, skilled, claims_skill):
    """Two items of ``back_type`` due an hour ago: one in progress, one waiting on the
    customer (paused through the services)."""
    skilled(back_agent, claims_skill)
    made = []
    for title in ("Late", "Waiting"):
        services.workitem_create(work_type=back_type, title=title)
        held = services.workitem_claim_next(agent=back_agent)
        made.append(services.workitem_start(item=held, by=back_agent))
    late, waiting = made
    waiting = services.workitem_pend(item=waiting, by=back_agent, note="Receipt, please")
    now = timezone.now()
    WorkItem.objects.filter(pk__in=[late.pk, waiting.pk]).update(
        due_at=now - timedelta(hours=1), at_risk_at=now - timedelta(hours=2)
    )
    late.refresh_from_db()
    waiting.refresh_from_db()
    assert (late.status, waiting.status) == (Status.IN_PROGRESS, Status.PENDING)
    assert waiting.sla_paused_at is not None
    return late, waiting


def test_the_backlog_and_the_tiles_count_the_late_item_only(late_and_waiting, back_type):
    late, waiting = late_and_waiting
    (row,) = [r for r in backlog_by_type() if r["work_type_id"] == back_type.pk]
    assert (row["open"], row["past_due"]) == (2, 1)
    (row,) = [r for r in backlog_by_type(team=late.team) if r["work_type_id"] == back_type.pk]
    assert row["past_due"] == 1
    back = next(t for t in office_today() if t.office == "back")
    assert (back.past_due, back.at_risk) == (1, 0)
    (board,) = [r for r in work_types_today(office="back") if r["id"] == back_type.pk]
    assert (board["open_count"], board["past_due"], board["at_risk"]) == (2, 1, 0)


def test_the_queue_filter_api_and_sla_state_agree(late_and_waiting, supervisor, api_as):
    late, waiting = late_and_waiting
    assert list(queue_queryset(user=supervisor, past_due=True)) == [late]
    assert list(WorkItem.objects.past_due()) == [late]
    assert (late.sla_state(), waiting.sla_state()) == ("past_due", "paused")
    assert (late.is_past_due(), waiting.is_past_due()) == (True, False)
    body = api_as(supervisor).get("/api/v1/workitems/?past_due=true").json()
    assert [row["id"] for row in body["results"]] == [late.pk]
    body = api_as(supervisor).get(f"/api/v1/workitems/{waiting.pk}/").json()
    assert (body["past_due"], body["sla_state"]) == (False, "paused")


def test_a_paused_item_is_not_alerted_and_is_past_due_again_once_back(late_and_waiting, back_agent):
    late, waiting = late_and_waiting
    assert sla_alerts_send(look_back=timedelta(hours=3)) == {"at_risk": 0, "breached": 1}
    # Back from the customer: its due time moved on by the wait (here: seconds), so it is
    # past due again.
    waiting = services.workitem_start(item=waiting, by=back_agent)
    assert waiting.is_past_due() and WorkItem.objects.past_due().count() == 2
