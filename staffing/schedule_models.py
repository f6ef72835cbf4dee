"""Generated schedules: rules per team or agent, runs of the solver, their draft shifts and
the coverage they give. Imported by :mod:`staffing.models` (Django finds them there).

A run is a draft: its :class:`ScheduledShift` rows are edited on the planner's grid and,
when the run is published, copied into :class:`staffing.models.Shift` blocks (work, meal
break, work) that My schedule, plans, intraday and adherence read.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ccops.choices import Office
from ccops.models import Team

from .choices import Activity


class ScheduledActivity(models.TextChoices):
    """What a generated shift covers: one office (a subset of :class:`Activity`)."""

    FRONT_OFFICE = Activity.FRONT_OFFICE.value, Activity.FRONT_OFFICE.label
    BACK_OFFICE = Activity.BACK_OFFICE.value, Activity.BACK_OFFICE.label


def validate_shift_lengths(value: str) -> None:
    try:
        hours = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ValidationError("Hours separated by commas, e.g. 8,6.") from None
    if not hours or any(h <= 0 or h > 16 or (h * 2) != int(h * 2) for h in hours):
        raise ValidationError("Each length is a whole half-hour from 0.5 to 16 hours.")


class ScheduleRules(models.Model):
    """Scheduling rules of a team, or of one agent (overriding their team's as a whole).
    Without either, the field defaults apply."""

    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="schedule_rules"
    )
    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedule_rules",
    )
    min_hours_week = models.FloatField(default=24, validators=[MinValueValidator(0)])
    max_hours_week = models.FloatField(
        default=40, validators=[MinValueValidator(0), MaxValueValidator(84)]
    )
    shift_lengths = models.CharField(
        max_length=40,
        default="8",
        validators=[validate_shift_lengths],
        help_text="Allowed shift lengths in hours (meal break included), e.g. 8,6.",
    )
    earliest_start = models.TimeField(default=time(7, 0))
    latest_end = models.TimeField(
        default=time(22, 0), help_text="Same day; 00:00 means midnight at the day's end."
    )
    days_off_per_week = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(7)]
    )
    min_rest_hours = models.FloatField(
        default=11, validators=[MinValueValidator(11), MaxValueValidator(48)]
    )
    meal_break_after_hours = models.FloatField(default=6, validators=[MinValueValidator(0)])
    meal_break_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(120)]
    )
    start_step_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(30), MaxValueValidator(240)],
        help_text="Shifts start on multiples of this many minutes (30 = every half hour).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Audit trail: planners edit rules on the Scheduling rules page.
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "schedule rules"
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(agent__isnull=True))
                | (Q(team__isnull=True) & Q(agent__isnull=False)),
                name="schedule_rules_team_xor_agent",
            ),
            models.CheckConstraint(
                condition=Q(min_hours_week__lte=F("max_hours_week")),
                name="schedule_rules_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"Rules of {self.agent or self.team}"

    def clean(self):
        lo, hi = self.min_hours_week, self.max_hours_week
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError({"min_hours_week": "Must not exceed the maximum."})
        start, end = self.earliest_start, self.latest_end
        if start and end and end != time(0, 0) and end <= start:
            raise ValidationError({"latest_end": "Must be after the earliest start."})


class TeamStaffingSettings(models.Model):
    """A team's own staffing switches, edited by its supervisor or a planner. Without a row
    the defaults apply (auto-approval: the ``STAFFING_AUTO_APPROVE`` setting, off)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="staffing_settings")
    auto_approve = models.BooleanField(
        default=False,
        help_text="Approve time off and shift trades automatically when coverage holds.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "team staffing settings"
        ordering = ["team"]

    def __str__(self) -> str:
        return f"Staffing settings of {self.team}"


class ScheduleRun(models.Model):
    """One generation of a week's schedule for some teams (a draft until published)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    week_start = models.DateField(help_text="A Monday.")
    teams = models.ManyToManyField(Team, related_name="schedule_runs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent.")
    solver_status = models.CharField(max_length=12, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    under_coverage_hours = models.FloatField(null=True, blank=True)
    baseline_under_coverage_hours = models.FloatField(null=True, blank=True)
    over_coverage_hours = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Larger centers solve one part per team in parallel tasks (see services.schedules).
    parts_total = models.PositiveSmallIntegerField(default=0)
    parts_done = models.PositiveSmallIntegerField(default=0)
    plan = models.ForeignKey(
        "staffing.StaffingPlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schedule_runs",
        help_text="The plan whose required agents were the demand.",
    )
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schedule_runs",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["week_start", "-created_at"], name="schedrun_week")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="schedule_run_progress_max"
            ),
        ]

    def __str__(self) -> str:
        return f"Schedule {self.week_start:%Y-%m-%d} #{self.pk}"


class ScheduledShift(models.Model):
    """A shift of a run: the office it covers (``activity``) and its meal break, if any.
    ``locked`` shifts are kept as they are when the week is generated again."""

    run = models.ForeignKey(ScheduleRun, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduled_shifts"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    activity = models.CharField(
        max_length=14,
        choices=ScheduledActivity.choices,
    )
    meal_start = models.DateTimeField(null=True, blank=True)
    meal_end = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    edited = models.BooleanField(default=False, help_text="Changed by hand after the run.")

    class Meta:
        ordering = ["run", "agent", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="scheduled_shift_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(meal_start__isnull=True, meal_end__isnull=True)
                | Q(
                    meal_start__gte=F("start"), meal_end__gt=F("meal_start"), end__gte=F("meal_end")
                ),
                name="scheduled_shift_meal_inside",
            ),
        ]
        indexes = [models.Index(fields=["run", "agent", "start"], name="schedshift_run_agent")]

    def __str__(self) -> str:
        local = timezone.localtime
        return f"{self.agent} {local(self.start):%a %d %H:%M}-{local(self.end):%H:%M}"

    @property
    def office(self) -> str:
        return Office.FRONT if self.activity == Activity.FRONT_OFFICE else Office.BACK


class ScheduleCoverage(models.Model):
    """Required against scheduled for one slot of a run: front office per 30 minutes in
    agents, back office per day in agent-hours. One row per work type (its demand, and the
    agents on shift the solver's allocation gave it) and one with ``work_type`` empty for
    the office as a whole (every type's demand, everyone on shift in the office)."""

    run = models.ForeignKey(ScheduleRun, on_delete=models.CASCADE, related_name="coverage")
    start = models.DateTimeField()
    end = models.DateTimeField()
    office = models.CharField(max_length=5, choices=Office.choices)
    work_type = models.ForeignKey(
        "workitems.WorkType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    required = models.FloatField()
    scheduled = models.FloatField()

    class Meta:
        ordering = ["run", "office", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "office", "start"],
                condition=Q(work_type__isnull=True),
                name="uniq_schedule_coverage_office",
            ),
            models.UniqueConstraint(
                fields=["run", "office", "work_type", "start"],
                condition=Q(work_type__isnull=False),
                name="uniq_schedule_coverage_type",
            ),
        ]
        indexes = [models.Index(fields=["run", "start"], name="schedcov_run_start")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.office} {self.start:%Y-%m-%d %H:%M}"
