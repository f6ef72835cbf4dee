"""An API client's new item in one statement (``statements.create_item``): it writes the
rows the services write, writes nothing where the services' path must answer, and a
re-sent external reference still gives one item under a race."""

import pytest

from tests.services import require_postgres
from workitems import services, statements
from workitems.choices import EventKind, Source, Status
from workitems.models import WorkItem, WorkItemEvent

from .test_concurrency import race

URL = "/api/v1/workitems/"
ITEM_FIELDS = (
    "work_type_id",
    "customer_id",
    "title",
    "details",
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "started_at",
    "completed_at",
    "handle_seconds",
    "active_since",
    "origin_id",
    "related_to_id",
    "is_duplicate_suspect",
    "reopen_count",
    "source",
    "version",
)
EVENT_FIELDS = ("kind", "actor_id", "from_status", "to_status", "assignee_id", "data")


def _rows(item, earlier=None):
    """The item and its events as the test compares them: times as the due time's offset
    from the arrival, the duplicate link as "the earlier item of this run"."""
    item = WorkItem.objects.get(pk=item.pk)
    row = {f: getattr(item, f) for f in ITEM_FIELDS}
    row["due_in"] = item.due_at - item.created_at
    row["duplicate_of_earlier"] = item.duplicate_of_id == getattr(earlier, "pk", None)
    events = []
    for event in WorkItemEvent.objects.filter(item=item).order_by("id"):
        values = {f: getattr(event, f) for f in EVENT_FIELDS}
        values["at_arrival"] = event.at == item.created_at
        values["note"] = event.note.replace(f"#{getattr(earlier, 'pk', 0)}", "#EARLIER")
        if "duplicate_of_id" in values["data"]:
            values["data"] = {"duplicate_of_id": "EARLIER"}
        events.append(values)
    return row, events


def _both_ways(by, work_type, customer=None, team=None, **kwargs):
    """The same new item made by the services and by the statement (each after an earlier
    item of the same customer and type where ``kwargs`` asks for one): their rows."""
    made = []
    for way in ("services", "statement"):
        earlier = None
        if kwargs.get("after_earlier"):
            earlier = services.workitem_create(
                work_type=work_type, customer=customer, title="Earlier", by=by
            )
        args = {"title": "  Lost card  ", "details": "Blocked at the ATM", "by": by}
        if "priority" in kwargs:
            args["priority"] = kwargs["priority"]
        if way == "services":
            item = services.workitem_create(
                work_type=work_type, customer=customer, team=team, source=Source.API, **args
            )
        else:
            item = statements.create_item(
                work_type_id=work_type.pk,
                customer_ref=customer.external_ref if customer and kwargs.get("by_ref") else "",
                customer_id=customer.pk if customer and not kwargs.get("by_ref") else None,
                team_id=getattr(team, "pk", None),
                source=Source.API,
                **args,
            )
            assert item is not None and item.was_existing is False
            # The answer's names come with it (no query for them).
            assert item.work_type == work_type and item.customer == customer
            assert item.team_id == (team or work_type.owning_team).pk
        made.append(_rows(item, earlier))
        # Closed, so the next way's item is no duplicate of this one.
        WorkItem.objects.update(status=Status.DONE)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        {},
        {"customer": True},
        {"customer": True, "by_ref": True},
        {"customer": True, "by_ref": True, "after_earlier": True},
        {"customer": True, "after_earlier": True, "priority": 5},
        {"team": True, "priority": 1},
    ],
)
def test_the_statement_writes_what_the_services_write(
    case, supervisor, front_type, customer, back_team
):
    require_postgres()
    services_way, statement_way = _both_ways(
        supervisor,
        front_type,
        customer=customer if case.get("customer") else None,
        team=back_team if case.get("team") else None,
        **{k: v for k, v in case.items() if k in ("by_ref", "after_earlier", "priority")},
    )
    assert statement_way == services_way
    item, events = statement_way
    assert item["title"] == "Lost card"  # trimmed, as the services do
    assert [e["kind"] for e in events] == [EventKind.CREATED] + (
        [EventKind.DUPLICATE_FLAGGED] if case.get("after_earlier") else []
    )
    assert item["is_duplicate_suspect"] is bool(case.get("after_earlier"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"work_type_id": 999_999},
        {"inactive": True},
        {"customer_ref": "nobody"},
        {"customer_id": 999_999},
        {"team_id": 999_999},
        {"customer_id": "both"},
        {"title": "   "},
        {"priority": 9},
        {"resent": True},
    ],
)
def test_what_the_statement_does_not_take_writes_nothing(change, supervisor, front_type, customer):
    require_postgres()
    args = {
        "by": supervisor,
        "work_type_id": front_type.pk,
        "title": "Lost card",
        "source": Source.API,
        "external_ref": "CRM-1",
    }
    if change.get("resent"):
        assert statements.create_item(**args) is not None
    elif change.get("inactive"):
        front_type.active = False
        front_type.save()
    elif change.get("customer_id") == "both":
        args.update(customer_id=customer.pk, customer_ref=customer.external_ref)
    else:
        args.update(change)
    items, events = WorkItem.objects.count(), WorkItemEvent.objects.count()
    assert statements.create_item(**args) is None
    assert (WorkItem.objects.count(), WorkItemEvent.objects.count()) == (items, events)


@pytest.mark.django_db
def test_api_create_answers_what_a_read_shows(api_as, agent, front_type, customer):
    client = api_as(agent)
    body = {"work_type": front_type.pk, "title": "Call back", "customer_ref": "C-1"}
    created = client.post(URL, {**body, "external_ref": "EXT-1"}, format="json")
    assert created.status_code == 201
    assert created.json() == client.get(f"{URL}{created.json()['id']}/").json()
    assert created.json()["customer_name"] == "Alice Example"
    assert WorkItemEvent.objects.filter(item_id=created.json()["id"]).count() == 1
    # What the statement does not take, the general path names, as before.
    for bad, field in (
        ({"work_type": 2**70}, "work_type"),
        ({"work_type": 999_999}, "work_type"),
        ({"customer_ref": "nobody"}, "customer_ref"),
        ({"team": 999_999}, "team"),
        ({"title": " "}, "title"),
    ):
        response = client.post(URL, {**body, **bad}, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], bad
    assert WorkItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clients_send_one_reference_at_once_and_get_one_item(supervisor, front_type):
    require_postgres()

    def send():
        return statements.create_item(
            by=supervisor,
            work_type_id=front_type.pk,
            title="Lost card",
            source=Source.API,
            external_ref="CRM-RACE",
        )

    results, errors = race([send, send])
    assert errors == [None, None]
    assert sum(r is not None for r in results) == 1  # the other falls back to the services
    assert WorkItem.objects.filter(external_ref="CRM-RACE").count() == 1
    again = services.workitem_create(
        work_type=front_type, title="Lost card", source=Source.API, external_ref="CRM-RACE"
    )
    assert again.was_existing and again.pk == next(r for r in results if r).pk
    assert WorkItemEvent.objects.filter(item=again, kind=EventKind.CREATED).count() == 1
