"""Customer erasure (GDPR right to erasure): the service, its API endpoint (admins only), the
admin action with its confirmation, and the nightly retention task."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ccops.schedules import SCHEDULES
from workitems import services, tasks
from workitems.choices import Status
from workitems.erasure import (
    ERASED,
    ERASED_NAME,
    customer_erase,
    customers_erase_inactive,
)
from workitems.errors import NotAllowed
from workitems.models import Customer, CustomerErasure, WorkItem, WorkItemEvent


def erase_url(pk) -> str:
    return f"/api/v1/customers/{pk}/erase/"


def kept(customer) -> dict:
    """Everything KPIs, backlogs and process maps read from a customer's work."""
    items = WorkItem.objects.filter(customer=customer).order_by("pk")
    events = WorkItemEvent.objects.filter(item__customer=customer).order_by("pk")
    return {
        "items": list(
            items.values_list(
                "pk",
                "work_type",
                "status",
                "priority",
                "assignee",
                "team",
                "created_at",
                "started_at",
                "completed_at",
                "due_at",
                "handle_seconds",
                "reopen_count",
                "source",
                "origin",
                "duplicate_of",
                "updated_at",
            )
        ),
        "events": list(
            events.values_list(
                "pk", "item", "kind", "actor", "at", "from_status", "to_status", "assignee"
            )
        ),
    }


@pytest.fixture
def worked(customer, held_item, agent, supervisor, back_type):
    """Alice's contact, edited, commented on and handed off; the case it made."""
    Customer.objects.filter(pk=customer.pk).update(email="alice@example.com", phone="+3161234")
    services.workitem_start(item=held_item, by=agent)
    services.workitem_comment(item=held_item, by=agent, note="Alice lives at 1 Main St")
    services.workitem_update(
        item=held_item,
        by=supervisor,
        changes={"title": "Alice Example: card blocked", "details": "IBAN NL00BANK"},
        expected_version=WorkItem.objects.get(pk=held_item.pk).version,
    )
    case = services.workitem_handoff(
        item=held_item, by=agent, work_type=back_type, note="Alice wants a refund"
    )
    return held_item, case


# --- The service ------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_replaces_personal_data_and_keeps_the_numbers(
    worked, customer, admin_user, other_team
):
    contact, case = worked
    stranger = services.workitem_create(
        work_type=case.work_type, title="Bob's case", details="Bob's notes"
    )
    before = kept(customer)

    erasure = customer_erase(customer=customer, by=admin_user)

    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone) == (ERASED_NAME, "", "")
    assert customer.external_ref == f"erased-{customer.pk}"
    assert customer.erased_at == erasure.erased_at
    items = WorkItem.objects.filter(customer=customer)
    assert set(items.values_list("title", flat=True)) == {ERASED}
    assert set(items.values_list("details", flat=True)) <= {ERASED, ""}
    events = WorkItemEvent.objects.filter(item__customer=customer)
    assert set(events.exclude(note="").values_list("note", flat=True)) == {ERASED}
    edit = events.get(kind="edited")
    assert edit.data["edited"]["title"] == [ERASED, ERASED]
    assert edit.data["edited"]["details"] == [ERASED, ERASED]
    handed = events.get(kind="handed_off")
    assert handed.data == {"case_id": case.pk, "to_work_type": case.work_type_id}
    text = repr(list(events.values_list("note", "data"))) + repr(
        list(items.values_list("title", "details"))
    )
    for personal in ("Alice", "Main St", "IBAN", "refund"):
        assert personal not in text
    # The numbers: every status, time, link and count as before.
    assert kept(customer) == before
    # Another customer's work is untouched.
    stranger.refresh_from_db()
    assert (stranger.title, stranger.details) == ("Bob's case", "Bob's notes")
    # The audit record: who, when, why, how much.
    assert erasure.erased_by == admin_user and erasure.reason == "request"
    assert erasure.items == 2
    assert erasure.events == events.exclude(note="").count()


@pytest.mark.django_db
def test_erasing_again_changes_nothing_more_but_is_recorded(worked, customer, admin_user):
    first = customer_erase(customer=customer, by=admin_user)
    versions = list(WorkItem.objects.filter(customer=customer).values_list("version", flat=True))
    second = customer_erase(customer=customer, by=admin_user)
    assert (second.items, second.events) == (0, 0)
    assert (
        list(WorkItem.objects.filter(customer=customer).values_list("version", flat=True))
        == versions
    )
    customer.refresh_from_db()
    assert customer.erased_at == first.erased_at  # the first erasure's time stays
    assert CustomerErasure.objects.filter(customer=customer).count() == 2


@pytest.mark.django_db
def test_erasure_moves_the_item_version_on(worked, customer, admin_user):
    contact, _ = worked
    version = WorkItem.objects.get(pk=contact.pk).version
    customer_erase(customer=customer, by=admin_user)
    assert WorkItem.objects.get(pk=contact.pk).version == version + 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["agent", "supervisor", "qa", "hr", "planner"])
def test_only_admins_erase(request, persona, customer):
    with pytest.raises(NotAllowed):
        customer_erase(customer=customer, by=request.getfixturevalue(persona))
    customer.refresh_from_db()
    assert customer.name == "Alice Example" and customer.erased_at is None
    assert not CustomerErasure.objects.exists()


def test_no_history_table_keeps_customer_or_item_text():
    """Erasure rewrites the live rows only: a simple-history table on either model would keep
    the old values, so tracking them needs the erasure to clear their history too."""
    assert not hasattr(Customer, "history")
    assert not hasattr(WorkItem, "history")


# --- The API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_erase_answers_a_summary(api_as, admin_user, worked, customer):
    response = api_as(admin_user).post(erase_url(customer.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    erasure = CustomerErasure.objects.get()
    assert body == {
        "id": erasure.pk,
        "customer": customer.pk,
        "erased_at": body["erased_at"],
        "erased_by": admin_user.pk,
        "erased_by_name": str(admin_user),
        "reason": "request",
        "items": 2,
        "events": erasure.events,
    }
    customer.refresh_from_db()
    assert customer.name == ERASED_NAME


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["agent", "supervisor", "qa", "hr", "planner"])
def test_api_erase_is_refused_to_other_roles(request, api_as, persona, customer):
    response = api_as(request.getfixturevalue(persona)).post(erase_url(customer.pk))
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.erased_at is None


@pytest.mark.django_db
def test_api_erase_needs_a_signed_in_user(api, customer):
    assert api.post(erase_url(customer.pk)).status_code in (401, 403)
    customer.refresh_from_db()
    assert customer.erased_at is None


@pytest.mark.django_db
def test_api_erase_unknown_customer_is_404(api_as, admin_user):
    assert api_as(admin_user).post(erase_url(999999)).status_code == 404
    huge = api_as(admin_user).post(erase_url(2**70))  # no id at all: a 400 naming it
    assert huge.status_code == 400 and "pk" in huge.json()["errors"]
    assert api_as(admin_user).get(erase_url(1)).status_code == 405


# --- Django admin -----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_action_asks_first_then_erases(client, admin_user, worked, customer):
    client.force_login(admin_user)
    url = reverse("admin:workitems_customer_changelist")
    chosen = {"action": "erase_customers", "_selected_action": [customer.pk]}

    confirm = client.post(url, chosen)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Alice Example" in page and "Yes, erase" in page
    customer.refresh_from_db()
    assert customer.erased_at is None  # nothing yet

    done = client.post(url, {**chosen, "post": "yes"}, follow=True)
    assert done.status_code == 200
    customer.refresh_from_db()
    assert customer.name == ERASED_NAME and customer.erased_at is not None
    erasure = CustomerErasure.objects.get()
    assert erasure.erased_by == admin_user
    assert any("Erased 1 customer" in str(m) for m in get_messages(done.wsgi_request))


@pytest.mark.django_db
def test_admin_action_is_offered_to_admins_only(client, supervisor, admin_user, customer):
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    url = reverse("admin:workitems_customer_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "erase_customers" not in page.content.decode()
    client.post(
        url, {"action": "erase_customers", "_selected_action": [customer.pk], "post": "yes"}
    )
    customer.refresh_from_db()
    assert customer.erased_at is None
    client.force_login(admin_user)
    assert "erase_customers" in client.get(url).content.decode()


@pytest.mark.django_db
def test_erasure_records_are_read_only_in_admin(client, admin_user, worked, customer):
    erasure = customer_erase(customer=customer, by=admin_user)
    client.force_login(admin_user)
    change = reverse("admin:workitems_customererasure_change", args=[erasure.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"items": 0}).status_code == 403
    delete = reverse("admin:workitems_customererasure_delete", args=[erasure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CustomerErasure.objects.filter(pk=erasure.pk, items=erasure.items).exists()


# --- Retention --------------------------------------------------------------------------


def age(item, days):
    """Make ``item`` closed and untouched for ``days`` days."""
    then = timezone.now() - timedelta(days=days)
    WorkItem.objects.filter(pk=item.pk).update(
        status=Status.DONE, completed_at=then, updated_at=then, assignee=None
    )


@pytest.fixture
def customers(front_type):
    """Four customers: quiet for 400 days; active 10 days ago; an old item still open; none."""

    def make(ref, name):
        return Customer.objects.create(external_ref=ref, name=name)

    quiet, recent, waiting, empty = (
        make("Q", "Quiet Quinn"),
        make("R", "Recent Rita"),
        make("W", "Waiting Will"),
        make("E", "Empty Emma"),
    )
    age(services.workitem_create(work_type=front_type, title="Old", customer=quiet), 400)
    age(services.workitem_create(work_type=front_type, title="Old", customer=recent), 400)
    age(services.workitem_create(work_type=front_type, title="New", customer=recent), 10)
    still_open = services.workitem_create(work_type=front_type, title="Open", customer=waiting)
    WorkItem.objects.filter(pk=still_open.pk).update(
        updated_at=timezone.now() - timedelta(days=400)
    )
    return quiet, recent, waiting, empty


@pytest.mark.django_db
def test_retention_erases_only_customers_quiet_for_the_period(customers):
    quiet, recent, waiting, empty = customers
    assert customers_erase_inactive(days=365) == 1
    names = dict(Customer.objects.values_list("pk", "name"))
    assert names[quiet.pk] == ERASED_NAME
    assert [names[c.pk] for c in (recent, waiting, empty)] == [
        "Recent Rita",
        "Waiting Will",
        "Empty Emma",
    ]
    erasure = CustomerErasure.objects.get()
    assert (erasure.customer, erasure.erased_by, erasure.reason) == (quiet, None, "retention")
    assert customers_erase_inactive(days=365) == 0  # idempotent
    assert CustomerErasure.objects.count() == 1


@pytest.mark.django_db
def test_retention_task_is_off_until_configured(customers, settings):
    settings.CUSTOMER_RETENTION_DAYS = None
    assert tasks.erase_inactive_customers.delay().get() == 0
    assert not CustomerErasure.objects.exists()
    settings.CUSTOMER_RETENTION_DAYS = 365
    assert tasks.erase_inactive_customers.delay().get() == 1
    assert tasks.erase_inactive_customers.delay().get() == 0
    settings.CUSTOMER_RETENTION_DAYS = 5
    assert tasks.erase_inactive_customers.delay().get() == 1  # Rita: quiet for 10 days


def test_retention_task_is_scheduled_nightly():
    spec = next(s for s in SCHEDULES if s["task"] == "workitems.tasks.erase_inactive_customers")
    assert spec["crontab"] == {"minute": "30", "hour": "3", "day_of_week": "*"}
