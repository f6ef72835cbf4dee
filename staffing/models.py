"""Staffing: forecasts (model output and planners' overrides, kept apart), staffing plans
with their lines, and agents' shifts.

Sized for 5,000 agents: shifts are read by time window (``start``/``end`` index) and by
agent (``agent, start, end`` index, which also serves the overlap check); plan lines are
written in bulk and read by plan and interval.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from workitems.models import WorkType

from .choices import ACTIVITY_CODES, Activity, ForecastMethod, Granularity, PlanStatus


class Shift(models.Model):
    """One block of an agent's schedule: what they are scheduled to do from start to end.

    A working day is several blocks (front office, break, front office, ...). Blocks of one
    agent never overlap and none is longer than ``MAX_HOURS`` (services check both, under a
    lock on the agent's row).
    """

    MAX_HOURS = 16

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    activity = models.CharField(max_length=14, choices=Activity.choices)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agent", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shift_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["agent", "start", "end"], name="shift_agent_span"),
            models.Index(fields=["start", "end"], name="shift_span"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime
        return (
            f"{self.agent} {ACTIVITY_CODES.get(self.activity, self.activity)} "
            f"{local(self.start):%Y-%m-%d %H:%M}-{local(self.end):%H:%M}"
        )

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


class ForecastValue(models.Model):
    """Model output: forecast volume and handle time of one work type for one interval
    (30 minutes for queues, a day for casework). Rebuilt nightly; never edited by hand."""

    work_type = models.ForeignKey(WorkType, on_delete=models.CASCADE, related_name="forecasts")
    interval_start = models.DateTimeField()
    granularity = models.CharField(max_length=5, choices=Granularity.choices)
    volume = models.FloatField()
    aht_seconds = models.FloatField()
    method = models.CharField(max_length=20, choices=ForecastMethod.choices)
    built_at = models.DateTimeField(default=timezone.now)
    # Prediction interval of the build's level (null when the history was too short to
    # backtest); holiday/event adjustments scale it with the volume.
    lower = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    adjusted = models.BooleanField(
        default=False, help_text="A holiday or event adjustment changed this value."
    )

    class Meta:
        ordering = ["work_type", "interval_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_type", "interval_start"], name="uniq_forecast_type_interval"
            ),
            models.CheckConstraint(
                condition=Q(volume__gte=0) & Q(aht_seconds__gt=0), name="forecast_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_type} {self.interval_start:%Y-%m-%d %H:%M}: {self.volume:.1f}"


class ForecastOverride(models.Model):
    """A planner's volume for one work type and interval, used instead of the model's.

    Kept apart from :class:`ForecastValue` so a rebuild never loses it and the model's own
    number stays visible next to it."""

    work_type = models.ForeignKey(
        WorkType, on_delete=models.CASCADE, related_name="forecast_overrides"
    )
    interval_start = models.DateTimeField()
    volume = models.FloatField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["work_type", "interval_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_type", "interval_start"], name="uniq_override_type_interval"
            ),
            models.CheckConstraint(condition=Q(volume__gte=0), name="override_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.work_type} {self.interval_start:%Y-%m-%d %H:%M} -> {self.volume:g}"


class ForecastEvent(models.Model):
    """A holiday or event that the model cannot know: from ``start_date`` to ``end_date``
    (inclusive) one work type's forecast (or every type's, when ``work_type`` is empty) is
    multiplied by ``multiplier`` or each day's total set to ``volume``. Applied after the
    model at every rebuild, in id order (see :func:`staffing.forecast_models.apply_adjustments`).
    """

    name = models.CharField(max_length=120)
    work_type = models.ForeignKey(
        WorkType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="forecast_events",
        help_text="Empty: every work type.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    multiplier = models.FloatField(null=True, blank=True, help_text="e.g. 0 closed, 1.5 +50%.")
    volume = models.FloatField(
        null=True, blank=True, help_text="Fixed volume per day (instead of a multiplier)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="fevent_end_after_start"
            ),
            models.CheckConstraint(
                condition=(Q(multiplier__isnull=False, volume__isnull=True, multiplier__gte=0))
                | (Q(multiplier__isnull=True, volume__isnull=False, volume__gte=0)),
                name="fevent_multiplier_xor_volume",
            ),
        ]
        indexes = [models.Index(fields=["start_date", "end_date"], name="fevent_span")]

    def __str__(self) -> str:
        what = f"x{self.multiplier:g}" if self.multiplier is not None else f"={self.volume:g}/day"
        return f"{self.name} {self.start_date}..{self.end_date} {what}"


class ForecastBuild(models.Model):
    """One forecast rebuild of a work type: the model chosen by a rolling-origin backtest,
    its WAPE there, the seasonal-naive benchmark's WAPE on the same origins, the interval
    level and whether the series is too noisy to forecast well."""

    work_type = models.ForeignKey(WorkType, on_delete=models.CASCADE, related_name="+")
    built_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateField(help_text="History up to the end of the day before this one.")
    granularity = models.CharField(max_length=5, choices=Granularity.choices)
    method = models.CharField(max_length=20, choices=ForecastMethod.choices)
    season_length = models.PositiveIntegerField(null=True, blank=True)
    history_periods = models.PositiveIntegerField()
    horizon_periods = models.PositiveIntegerField()
    holdout_periods = models.PositiveIntegerField(default=0)
    mape = models.FloatField(null=True, blank=True)
    wape = models.FloatField(null=True, blank=True)
    naive_wape = models.FloatField(
        null=True, blank=True, help_text="Seasonal naive's WAPE on the same backtest origins."
    )
    backtest_origins = models.PositiveSmallIntegerField(default=0)
    interval_level = models.FloatField(null=True, blank=True, help_text="e.g. 0.8 = 80%.")
    noisy = models.BooleanField(default=False)
    noise_reason = models.CharField(max_length=200, blank=True)
    aht_seconds = models.FloatField()

    class Meta:
        ordering = ["-built_at"]
        constraints = [
            # A rerun of the same night replaces that night's build (idempotent).
            models.UniqueConstraint(fields=["work_type", "as_of"], name="uniq_build_type_day"),
        ]
        indexes = [models.Index(fields=["work_type", "-built_at"], name="fbuild_type_built")]

    def __str__(self) -> str:
        return f"{self.work_type} {self.method} {self.built_at:%Y-%m-%d %H:%M}"


class StaffingPlan(models.Model):
    """Required against scheduled agents, per interval and work type, for a date range.

    Drafts are edited and rebuilt; a published plan is read-only (copy it for a what-if).
    """

    MAX_DAYS = 31

    name = models.CharField(max_length=120)
    start = models.DateField()
    end = models.DateField(help_text="Last day of the plan (inclusive).")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    target_service_level = models.FloatField(default=0.8)
    shrinkage = models.FloatField(default=0.3)
    productive_hours = models.FloatField(
        default=7.5, help_text="Back office: productive hours of one agent-day."
    )
    # Queue targets beyond the service level (optional; Erlang A when a patience is given).
    patience_seconds = models.FloatField(
        null=True, blank=True, help_text="Callers' mean patience: staff with Erlang A."
    )
    max_abandon_rate = models.FloatField(
        null=True, blank=True, help_text="Erlang A: most abandoned / offered."
    )
    target_asa_seconds = models.FloatField(
        null=True, blank=True, help_text="Most average speed of answer."
    )
    max_occupancy = models.FloatField(null=True, blank=True)
    # Per back-office work type id: items of the plan due after its end and the agents the
    # SLA's working days after it need for them (written by every rebuild).
    beyond_horizon = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staffing_plans",
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # Audit trail of the plan's own fields; a line's what-if volume is recorded here too, as
    # the change reason of the rebuild it triggers (lines are bulk-written, not historised).
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="plan_end_after_start"),
            models.CheckConstraint(
                condition=Q(target_service_level__gt=0, target_service_level__lte=1),
                name="plan_sl_range",
            ),
            models.CheckConstraint(
                condition=Q(shrinkage__gte=0, shrinkage__lt=1), name="plan_shrinkage_range"
            ),
        ]
        indexes = [models.Index(fields=["status", "start", "end"], name="plan_status_span")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class PlanLine(models.Model):
    """One interval (30 minutes for queues; a day for casework) of one work type in a plan.

    ``required_agents``: people to schedule (queues: Erlang C agents grossed up by the plan's
    shrinkage; casework: agent-days from backlog planning). ``scheduled_agents``: FTE from
    shifts. ``gap`` = scheduled - required (negative = short). Casework lines also carry the
    backlog projected with the scheduled agents.
    """

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="lines")
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="+")
    interval_start = models.DateTimeField()
    forecast_volume = models.FloatField()
    forecast_aht = models.FloatField(help_text="Seconds.")
    override_volume = models.FloatField(null=True, blank=True)
    required_agents = models.PositiveIntegerField(default=0)
    scheduled_agents = models.FloatField(default=0)
    gap = models.FloatField(default=0)
    projected_backlog = models.PositiveIntegerField(null=True, blank=True)
    projected_past_due = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "work_type", "interval_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "work_type", "interval_start"], name="uniq_plan_line"
            ),
            models.CheckConstraint(
                condition=Q(override_volume__isnull=True) | Q(override_volume__gte=0),
                name="plan_line_override_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["plan", "interval_start"], name="planline_plan_at")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.work_type_id} {self.interval_start:%Y-%m-%d %H:%M}"

    @property
    def volume(self) -> float:
        return self.forecast_volume if self.override_volume is None else self.override_volume


# Generated schedules live in their own module; imported here so Django registers them.
from .adherence_models import AdherenceException, FlexMove  # noqa: E402
from .schedule_models import (  # noqa: E402
    ScheduleCoverage,
    ScheduledShift,
    ScheduleRules,
    ScheduleRun,
    TeamStaffingSettings,
)
from .time_off_models import (  # noqa: E402
    ShiftTrade,
    TimeOffAllowance,
    TimeOffKind,
    TimeOffRequest,
)

__all__ = [
    "AdherenceException",
    "FlexMove",
    "ForecastBuild",
    "ForecastOverride",
    "ForecastValue",
    "PlanLine",
    "ScheduleCoverage",
    "ScheduleRules",
    "ScheduleRun",
    "ScheduledShift",
    "Shift",
    "ShiftTrade",
    "StaffingPlan",
    "TeamStaffingSettings",
    "TimeOffAllowance",
    "TimeOffKind",
    "TimeOffRequest",
]
