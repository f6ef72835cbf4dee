"""Customer erasures in the admins' audit trail export (found by ``ccops.audit.autodiscover``):
``CustomerErasure`` rows are audit records themselves, outside django-simple-history."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Q

from ccops.audit import EMPTY, TRAIL_CHUNK, Change, HistoryRow, register_trail_source

from .models import CustomerErasure


def erasure_rows(start: datetime, end: datetime) -> Iterator[HistoryRow]:
    """Erasures in ``[start, end)``, oldest first, in chunks by keyset."""
    erasures = (
        CustomerErasure.objects.filter(erased_at__gte=start, erased_at__lt=end)
        .select_related("erased_by")
        .order_by("erased_at", "id")
    )
    after = None
    while True:
        page = erasures
        if after is not None:
            page = page.filter(Q(erased_at__gt=after[0]) | Q(erased_at=after[0], id__gt=after[1]))
        chunk = list(page[:TRAIL_CHUNK])
        if not chunk:
            return
        for erasure in chunk:
            yield HistoryRow(
                when=erasure.erased_at,
                who=str(erasure.erased_by) if erasure.erased_by else "system",
                action="Erased",
                history_type="erased",
                reason=erasure.get_reason_display(),
                changes=[
                    Change("personal data", EMPTY, "erased"),
                    Change("work items", EMPTY, f"{erasure.items} erased"),
                    Change("events", EMPTY, f"{erasure.events} erased"),
                ],
                object_type=str(CustomerErasure._meta.get_field("customer").verbose_name),
                object_id=erasure.customer_id,
            )
        after = (chunk[-1].erased_at, chunk[-1].id)


register_trail_source(erasure_rows)
