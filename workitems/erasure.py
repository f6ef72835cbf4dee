"""Customer erasure (GDPR right to erasure): the one place that anonymises a customer.

What goes: the customer's personal fields, and the free text of their work items (title,
details) and of those items' events (notes, and the old and new text an edit recorded).
E-mail in: the sender and subject of their messages and their attachments also go.
What stays: every status, time, type, link, count and actor, so KPIs, backlogs and process
maps read the same numbers after an erasure as before. The customer row itself stays (items
PROTECT it) with placeholders, and ``CustomerErasure`` records who erased it, when and why.

Neither ``Customer`` nor ``WorkItem`` is tracked by django-simple-history, so no historical
table keeps the old values (a test holds this: tracking either would need its history
erased here too).

The event log refuses UPDATE on PostgreSQL (migration 0007) unless the transaction-local
setting ``ccops.erasure`` is on: ``_erasure_mode`` turns it on for the erasure's writes and
off again before the transaction that may enclose this one goes on.
"""

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from ccops.choices import Role

from .choices import OPEN_STATUSES
from .errors import InvalidInput, NotAllowed
from .models import (
    Customer,
    CustomerErasure,
    EmailAttachment,
    InboundEmail,
    WorkItem,
    WorkItemEvent,
)

ERASED = "[erased]"
ERASED_NAME = "Erased customer"
# The item fields an edit event records as [old, new] (services.EDITABLE_FIELDS' text ones).
ERASED_EDIT_FIELDS = ("title", "details")


def _erasure_mode(on: bool) -> None:
    """Let (or stop letting) this transaction rewrite event rows (PostgreSQL trigger).
    ``set_config(..., true)`` is transaction-local: it dies with the transaction, so it
    cannot outlive it on a pooled server connection (PgBouncer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('ccops.erasure', %s, true)", ["on" if on else "off"])


def _erased_text(field: str):
    """``field`` becomes the marker unless it is empty (an empty text stays empty)."""
    return Case(When(**{field: ""}, then=Value("")), default=Value(ERASED))


def _scrub_edits(data: dict) -> dict | None:
    """``data`` with the recorded text of an edit replaced, or ``None`` if it holds none."""
    edited = data.get("edited")
    if not isinstance(edited, dict):
        return None
    scrubbed = {
        field: ([ERASED, ERASED] if field in ERASED_EDIT_FIELDS else values)
        for field, values in edited.items()
    }
    return None if scrubbed == edited else {**data, "edited": scrubbed}


def _erase_emails(customer_id: int) -> None:
    """E-mail in: the sender and subject of the customer's messages go (the Message-ID
    stays: without it a re-poll would take the message in again), and their attachments
    with their files (deleted once the erasure commits)."""
    InboundEmail.objects.filter(item__customer_id=customer_id).exclude(
        sender="", subject=ERASED
    ).update(sender="", subject=ERASED)
    attachments = EmailAttachment.objects.filter(item__customer_id=customer_id)
    files = [(a.file.storage, a.file.name) for a in attachments.only("pk", "file")]
    if files:
        attachments.delete()

        def delete_files():
            for storage, name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)


def _erase(customer_id: int, *, by, reason: str, only_if_kept: bool = False):
    """Anonymise one customer in one transaction; ``None`` if ``only_if_kept`` and it was
    erased already (a retention run that another one beat to it)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if only_if_kept and customer.erased_at is not None:
            return None
        now = timezone.now()
        _erasure_mode(True)
        # Only rows still holding text are written: erasing twice writes nothing new, and
        # the counts say what this erasure changed.
        items = WorkItem.objects.filter(customer_id=customer.pk)
        # ``version`` moves on, so a page or client holding the old text gets a stale-version
        # answer instead of writing it back; ``updated_at`` does not: erasing is not activity.
        item_count = (
            items.filter(~Q(title=ERASED) | (~Q(details="") & ~Q(details=ERASED)))
            .order_by()
            .update(title=ERASED, details=_erased_text("details"), version=F("version") + 1)
        )
        events = WorkItemEvent.objects.filter(item__customer_id=customer.pk)
        noted = set(events.filter(note__gt="").exclude(note=ERASED).values_list("pk", flat=True))
        if noted:
            WorkItemEvent.objects.filter(pk__in=noted).update(note=ERASED)
        edits = []
        for event in events.filter(data__has_key="edited").only("pk", "data"):
            scrubbed = _scrub_edits(event.data)
            if scrubbed is not None:
                event.data = scrubbed
                edits.append(event)
        WorkItemEvent.objects.bulk_update(edits, ["data"])
        _erasure_mode(False)
        _erase_emails(customer.pk)

        customer.name = ERASED_NAME
        customer.email = ""
        customer.phone = ""
        customer.external_ref = f"erased-{customer.pk}"
        customer.erased_at = customer.erased_at or now
        customer.save(update_fields=["name", "email", "phone", "external_ref", "erased_at"])
        return CustomerErasure.objects.create(
            customer=customer,
            erased_by=by,
            erased_at=now,
            reason=reason,
            items=item_count,
            events=len(noted | {e.pk for e in edits}),
        )


def customer_erase(
    *, customer: Customer, by, reason: str = CustomerErasure.Reason.REQUEST
) -> CustomerErasure:
    """Anonymise ``customer`` (admins only) and record it. Safe to repeat: a second erasure
    rewrites only text added since (e.g. an item attached afterwards) and is recorded too."""
    if by is None or not by.has_role(Role.ADMIN):
        raise NotAllowed("Only an admin can erase a customer's personal data.")
    if reason not in CustomerErasure.Reason.values:
        raise InvalidInput(f"Unknown erasure reason {reason!r}.", field="reason")
    return _erase(customer.pk, by=by, reason=reason)


def customers_to_retire(*, days: int, now=None):
    """Customers not erased yet whose items have all been closed and untouched for ``days``
    days. A customer without items has no date to measure from, so is never picked."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    theirs = WorkItem.objects.filter(customer=OuterRef("pk"))
    recent = theirs.filter(Q(updated_at__gte=cutoff) | Q(status__in=OPEN_STATUSES))
    return (
        Customer.objects.filter(erased_at__isnull=True)
        .filter(Exists(theirs))
        .exclude(Exists(recent))
        .order_by("pk")
    )


def customers_erase_inactive(*, days: int, now=None) -> int:
    """The retention rule (``CUSTOMER_RETENTION_DAYS``): anonymise every customer with no
    activity for ``days`` days, one transaction each, so a run cut short loses nothing and
    the next one carries on. Returns how many were erased by this run."""
    if days < 1:
        raise InvalidInput("The retention period is at least one day.", field="days")
    ids = list(customers_to_retire(days=days, now=now).values_list("pk", flat=True))
    erased = 0
    for pk in ids:
        if _erase(pk, by=None, reason=CustomerErasure.Reason.RETENTION, only_if_kept=True):
            erased += 1
    return erased
