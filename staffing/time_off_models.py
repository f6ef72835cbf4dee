"""Time off (requests and yearly allowances) and shift trades. Imported by
:mod:`staffing.models` (Django finds them there). Writes go through
:mod:`staffing.services.time_off` and :mod:`staffing.services.trades`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

# A year's holiday allowance is at most one day per calendar day.
MAX_ALLOWANCE_DAYS = 366


class TimeOffKind(models.TextChoices):
    HOLIDAY = "holiday", "Holiday"
    SICK = "sick", "Sick"
    PERSONAL = "personal", "Personal"
    OTHER = "other", "Other"


class TimeOffRequest(models.Model):
    """An agent's request to be off from ``start`` to ``end`` (whole or part days).
    ``days`` is what it counts against the allowance (see :mod:`staffing.time_off`)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off_requests"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=TimeOffKind.choices)
    note = models.CharField(max_length=500, blank=True)
    days = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    auto_approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="time_off_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "status", "start"], name="timeoff_agent_status"),
            models.Index(fields=["status", "start"], name="timeoff_status_start"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime
        span = f"{local(self.start):%Y-%m-%d %H:%M}-{local(self.end):%Y-%m-%d %H:%M}"
        return f"{self.agent} {self.kind} {span}"


class TimeOffAllowance(models.Model):
    """Days of holiday an agent may take in a calendar year."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off_allowances"
    )
    year = models.PositiveSmallIntegerField()
    days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_ALLOWANCE_DAYS)],
    )

    # Audit trail: planners and HR edit allowances on the Holiday balances page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["agent", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "year"], name="uniq_time_off_allowance"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.year}: {self.days} days"


class ShiftTrade(models.Model):
    """An agent offers one published working day (the blocks from ``start`` to ``end``, the
    ``shift`` being its first work block); another takes it; on approval the blocks move to
    the taker."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        TAKEN = "taken", "Taken"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    # Empty once a planner has changed or removed the published shift of a decided trade:
    # the trade stays on record (its own start, end and office say what was traded).
    shift = models.ForeignKey(
        "staffing.Shift", null=True, blank=True, on_delete=models.SET_NULL, related_name="trades"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    office_activity = models.CharField(max_length=14)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_offers"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shift_takes",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    auto_approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"],
                condition=Q(status__in=["offered", "taken"]),
                name="one_open_trade_per_shift",
            ),
        ]
        indexes = [models.Index(fields=["status", "start"], name="trade_status_start")]

    def __str__(self) -> str:
        return f"Trade {self.pk} {self.offered_by} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"
