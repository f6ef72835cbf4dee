"""The event logs (``WorkItemEvent``, ``quality.EvaluationEvent``) are append-only in fact: no
service writes an UPDATE or DELETE to them, the admin cannot change them, items that own
events cannot be deleted, and on PostgreSQL a trigger refuses both statements outright,
letting only customer erasure overwrite text."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quality import services as quality_services
from quality.models import EvaluationEvent
from workitems import services
from workitems.choices import EventKind, Status
from workitems.erasure import ERASED, customer_erase
from workitems.errors import NotAllowed
from workitems.models import WorkItem, WorkItemEvent

EVENT_TABLES = ("workitems_workitemevent", "quality_evaluationevent")
_TABLES = "|".join(EVENT_TABLES)
REWRITE = re.compile(rf'^\s*(UPDATE\s+"?({_TABLES})"?\s|DELETE\s+FROM\s+"?({_TABLES})"?)', re.I)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def rewrites(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if REWRITE.match(q["sql"])]


@pytest.fixture
def evaluation(qa, agent, front_type):
    quality_services.scorecard_save(
        by=qa,
        name="Front call",
        pass_mark=80,
        office="front",
        criteria=[{"section": "Opening", "key": "greeting", "text": "Greets", "weight": 10}],
    )
    item = services.workitem_create(work_type=front_type, title="Evaluated call")
    WorkItem.objects.filter(pk=item.pk).update(
        status=Status.DONE,
        assignee=agent,
        team=agent.team,
        started_at=timezone.now() - timedelta(minutes=5),
        completed_at=timezone.now(),
    )
    return quality_services.evaluation_create(item=item, evaluator=qa)


# --- No code path rewrites an event ---------------------------------------------------------


@pytest.mark.django_db
def test_handoff_writes_its_event_once_naming_the_case(held_item, agent, back_type):
    services.workitem_start(item=held_item, by=agent)
    with CaptureQueriesContext(connection) as captured:
        case = services.workitem_handoff(
            item=held_item, by=agent, work_type=back_type, note="claim form"
        )
    assert rewrites(captured) == []
    handed = held_item.events.get(kind=EventKind.HANDED_OFF)
    assert handed.data == {"case_id": case.pk, "to_work_type": back_type.pk}
    assert handed.note == "claim form" and handed.to_status == Status.DONE
    assert case.origin_id == held_item.pk and case.details == "claim form"


@pytest.mark.django_db
def test_a_refused_handoff_leaves_no_case(held_item, other_agent, back_type):
    before = WorkItem.objects.count()
    with pytest.raises(NotAllowed):
        services.workitem_handoff(item=held_item, by=other_agent, work_type=back_type)
    assert WorkItem.objects.count() == before
    assert not held_item.events.filter(kind=EventKind.HANDED_OFF).exists()


@pytest.mark.django_db
def test_no_service_rewrites_an_event(
    held_item, agent, supervisor, back_type, make_item, evaluation, qa
):
    """Every work-item transition and the evaluation's life: inserts only."""
    with CaptureQueriesContext(connection) as captured:
        services.workitem_start(item=held_item, by=agent)
        services.workitem_comment(item=held_item, by=agent, note="called back")
        services.workitem_pend(item=held_item, by=agent, note="waiting for papers")
        services.workitem_start(item=held_item, by=agent)
        case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type)
        services.workitem_reopen(item=held_item, by=agent)
        current = WorkItem.objects.get(pk=held_item.pk)
        services.workitem_update(
            item=current, by=supervisor, changes={"title": "Renamed"}, expected_version=None
        )
        other = make_item(title="Same again")
        services.workitem_merge(item=other, into=case, by=supervisor)
        services.workitem_cancel(item=case, by=supervisor, note="not needed")
        quality_services.evaluation_submit(
            evaluation=evaluation, by=qa, answers={"greeting": "yes"}
        )
    assert rewrites(captured) == []
    assert WorkItemEvent.objects.filter(kind=EventKind.HANDED_OFF).count() == 1
    assert EvaluationEvent.objects.filter(evaluation=evaluation).count() >= 2


@pytest.mark.django_db
def test_an_item_that_has_events_cannot_be_deleted(held_item):
    with pytest.raises(ProtectedError):
        held_item.delete()
    assert WorkItem.objects.filter(pk=held_item.pk).exists()


@pytest.mark.django_db
def test_a_user_named_in_the_log_cannot_be_deleted(held_item, supervisor):
    """Deleting them would null the event's actor (an UPDATE of the log): deactivate them."""
    services.workitem_comment(item=held_item, by=supervisor, note="seen")
    with pytest.raises(ProtectedError) as refused_delete:
        supervisor.delete()
    assert any(isinstance(o, WorkItemEvent) for o in refused_delete.value.protected_objects)


# --- Admin: read-only -------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_cannot_add_change_or_delete_events(client, admin_user, held_item, evaluation):
    client.force_login(admin_user)
    request = type("R", (), {"user": admin_user})()
    event = held_item.events.first()
    for model in (WorkItemEvent, EvaluationEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request, None)
    assert not admin.site._registry[WorkItem].has_delete_permission(request, held_item)

    change = reverse("admin:workitems_workitemevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # shown, read-only
    answer = client.post(change, {"note": "rewritten", "kind": event.kind, "at": event.at})
    assert answer.status_code == 403
    delete = reverse("admin:workitems_workitemevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:workitems_workitemevent_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:workitems_workitem_delete", args=[held_item.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.note != "rewritten"
    assert WorkItem.objects.filter(pk=held_item.pk).exists()


# --- PostgreSQL: the trigger --------------------------------------------------------------


def refused(statement):
    """Run ``statement`` in a savepoint; the trigger's error (its message) or ``None``."""
    try:
        with transaction.atomic():
            statement()
    except IntegrityError as exc:
        return str(exc)
    return None


def raw(sql, params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@postgres_only
@pytest.mark.django_db
def test_trigger_refuses_update_and_delete_of_work_item_events(held_item):
    event = held_item.events.first()
    attempts = {
        "raw update": raw(
            "UPDATE workitems_workitemevent SET note = 'x' WHERE id = %s", [event.pk]
        ),
        "raw delete": raw("DELETE FROM workitems_workitemevent WHERE id = %s", [event.pk]),
        "orm update": lambda: WorkItemEvent.objects.filter(pk=event.pk).update(note="x"),
        "orm save": lambda: WorkItemEvent.objects.get(pk=event.pk).save(),
        "orm delete": lambda: WorkItemEvent.objects.filter(pk=event.pk).delete(),
    }
    for name, attempt in attempts.items():
        message = refused(attempt)
        assert message and "append-only" in message, name
    event.refresh_from_db()
    assert event.note == held_item.events.first().note and event.note != "x"


@postgres_only
@pytest.mark.django_db
def test_trigger_refuses_update_and_delete_of_evaluation_events(evaluation):
    event = evaluation.events.first()
    for attempt in (
        raw("UPDATE quality_evaluationevent SET note = 'x' WHERE id = %s", [event.pk]),
        raw("DELETE FROM quality_evaluationevent WHERE id = %s", [event.pk]),
        lambda: EvaluationEvent.objects.filter(pk=event.pk).update(note="x"),
        lambda: EvaluationEvent.objects.filter(pk=event.pk).delete(),
    ):
        assert "append-only" in (refused(attempt) or "")
    # Its events would go with it: the PROTECT link refuses first, on every database.
    with pytest.raises(ProtectedError), transaction.atomic():
        evaluation.delete()
    assert EvaluationEvent.objects.filter(pk=event.pk, note=event.note).exists()


@postgres_only
@pytest.mark.django_db
def test_erasure_may_overwrite_but_nothing_else_and_not_delete(
    held_item, agent, admin_user, customer
):
    services.workitem_comment(item=held_item, by=agent, note="Alice's card ends 4242")
    erasure = customer_erase(customer=customer, by=admin_user)
    assert erasure.events >= 1
    assert set(held_item.events.exclude(note="").values_list("note", flat=True)) == {ERASED}
    # The erasure's permission ended with it (transaction-local, turned off again), though
    # this test's transaction is still open.
    event = held_item.events.first()
    assert "append-only" in (
        refused(lambda: WorkItemEvent.objects.filter(pk=event.pk).update(note="y")) or ""
    )

    # Even with it on, a delete is refused.
    def delete_during_erasure():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ccops.erasure', 'on', true)")
        WorkItemEvent.objects.filter(pk=event.pk).delete()

    assert "append-only" in (refused(delete_during_erasure) or "")


@postgres_only
@pytest.mark.django_db
def test_the_trigger_is_installed_on_both_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE '%%append_only'"
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == set(EVENT_TABLES)
