"""KPI framework tables: daily snapshots, backlog snapshots, shared goals and pilots.

Imported at the end of ``ccops.models`` so Django registers them in the ``ccops`` app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .choices import Office, Role, TenureBand

__all__ = [
    "BacklogSnapshot",
    "ProcessStepSnapshot",
    "GoalAdjustment",
    "KpiSnapshot",
    "Pilot",
    "ScopeKind",
    "SharedGoal",
]

# Office scopes are stored with a numeric scope_id so every scope shares one unique key.
OFFICE_SCOPE_IDS = {Office.FRONT.value: 1, Office.BACK.value: 2}
OFFICE_BY_SCOPE_ID = {v: k for k, v in OFFICE_SCOPE_IDS.items()}
OVERALL_SCOPE_ID = 0


class ScopeKind(models.TextChoices):
    AGENT = "agent", "Agent"
    TEAM = "team", "Team"
    OFFICE = "office", "Office"
    OVERALL = "overall", "Overall"
    # A queue (a front-office work type): measures of the queue itself (service level, ASA,
    # abandonment from contact events), scope_id = the work type's id, team = its owner.
    QUEUE = "queue", "Queue"


def _known_kpi(key: str) -> None:
    from . import kpis

    if key not in kpis.kpi_keys():
        raise ValidationError(f"Unknown KPI {key!r}. Known: {', '.join(kpis.kpi_keys())}.")


class KpiSnapshot(models.Model):
    """One KPI for one scope on one day: numerator, denominator and their ratio.

    ``scope_id`` is the user id (agent), team id (team), 1 front / 2 back (office), 0
    (overall) or the work type id (queue). ``team`` and ``office`` are denormalised on every
    row so roll-ups and dashboard filters never join; for agent rows they are the agent's
    team when computed, for queue rows the queue's owning team and office.
    Rows of a day are replaced by the recompute (upsert on the unique key).
    """

    day = models.DateField()
    kpi = models.CharField(max_length=40)
    scope_kind = models.CharField(max_length=8, choices=ScopeKind.choices)
    scope_id = models.BigIntegerField()
    team = models.ForeignKey(
        "ccops.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    office = models.CharField(max_length=5, choices=Office.choices, blank=True)
    numerator = models.FloatField()
    denominator = models.FloatField()
    value = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "kpi", "scope_kind", "scope_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kpi", "scope_kind", "scope_id"], name="kpisnap_unique"
            ),
        ]
        indexes = [
            # One scope's series (scorecards, trends of a team or office).
            models.Index(fields=["scope_kind", "scope_id", "day"], name="kpisnap_series"),
            # Every team, office, overall or queue row over a period (team comparison,
            # offices side by side, queues). Partial: agent rows, nine in ten, are never
            # read this way.
            models.Index(
                fields=["scope_kind", "day", "kpi"],
                name="kpisnap_kind_day",
                condition=Q(scope_kind__in=["team", "office", "overall", "queue"]),
            ),
            # The agents of a team over a period (drill-down, pilots by team).
            models.Index(
                fields=["team", "day"],
                name="kpisnap_agent_team_day",
                condition=Q(scope_kind="agent"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kpi} {self.scope_kind}:{self.scope_id} = {self.value}"


class BacklogSnapshot(models.Model):
    """Open work of one work type and team at the end of a day, and that day's flow.

    Ages are in hours at the end of the day. ``team`` is null for items no team owns.
    """

    day = models.DateField()
    work_type = models.ForeignKey(
        "workitems.WorkType", on_delete=models.CASCADE, related_name="backlog_snapshots"
    )
    team = models.ForeignKey(
        "ccops.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    office = models.CharField(max_length=5, choices=Office.choices)
    open = models.PositiveIntegerField(default=0)
    past_due = models.PositiveIntegerField(default=0)
    arrivals = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    age_p50_hours = models.FloatField(null=True, blank=True)
    age_p90_hours = models.FloatField(null=True, blank=True)
    age_max_hours = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "office", "work_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "work_type", "team"],
                condition=Q(team__isnull=False),
                name="backlogsnap_unique_team",
            ),
            models.UniqueConstraint(
                fields=["day", "work_type"],
                condition=Q(team__isnull=True),
                name="backlogsnap_unique_noteam",
            ),
        ]
        indexes = [models.Index(fields=["team", "day"], name="backlogsnap_team_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.work_type_id}/{self.team_id}: {self.open} open"


# Upper edges (hours) of the time-on-step histogram buckets; a last bucket takes the rest.
# Histograms add up across days and scopes, so a period's median comes from snapshots.
PROCESS_BUCKET_EDGES_HOURS = (
    1 / 60, 5 / 60, 15 / 60, 0.5, 1, 2, 4, 8, 16, 24, 48, 72, 120, 168, 336, 720,
)  # fmt: skip
PROCESS_BUCKETS = [f"h{i}" for i in range(len(PROCESS_BUCKET_EDGES_HOURS) + 1)]


class ProcessStepSnapshot(models.Model):
    """Status changes of one day, per work type, team and step (from status -> to status),
    with a histogram of the time spent in the "from" status; or, with ``to_work_type`` set,
    the day's hand-offs from this work type and team to a case of another. Written by the
    nightly recompute from the event log; the process map page reads it."""

    day = models.DateField()
    work_type = models.ForeignKey("workitems.WorkType", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "ccops.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    from_status = models.CharField(max_length=12)
    to_node = models.CharField(max_length=12, help_text="A status, or handed_off.")
    to_work_type = models.ForeignKey(
        "workitems.WorkType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_team = models.ForeignKey(
        "ccops.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    count = models.PositiveIntegerField()
    timed = models.PositiveIntegerField(default=0, help_text="Steps with a known start.")
    total_hours = models.FloatField(default=0)

    class Meta:
        ordering = ["-day", "work_type", "from_status"]
        indexes = [models.Index(fields=["day"], name="processsnap_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.work_type_id} {self.from_status}->{self.to_node}: {self.count}"


for _bucket in PROCESS_BUCKETS:
    ProcessStepSnapshot.add_to_class(_bucket, models.PositiveIntegerField(default=0))


class SharedGoal(models.Model):
    """A target for one KPI, for both offices (``office`` blank) or one, over a period.

    ``target`` is in the KPI's display unit (92 for 92 %). People's targets are adjusted by
    role and tenure band (:class:`GoalAdjustment`); teams and offices are held to ``target``.
    Where an office-specific goal and a both-office goal overlap, the office's own wins.
    """

    name = models.CharField(max_length=120)
    kpi = models.CharField(max_length=40, validators=[_known_kpi])
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    target = models.FloatField(help_text="In the KPI's display unit, e.g. 90 for 90 %.")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Blank: open-ended.")
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Audit trail (who changed the target or period, when): shown on the goal page.
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "office", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="goal_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["kpi", "effective_from"], name="goal_kpi_from")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kpi} {self.target})"

    def clean(self):
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "The end must not be before the start."})


class GoalAdjustment(models.Model):
    """A person's target = goal target x ``factor`` when their role and tenure band match.

    Blank role or band match anyone; the most specific matching row wins (role and band,
    then band, then role). Example: new hires get 0.8 of the productivity target.
    """

    goal = models.ForeignKey(SharedGoal, on_delete=models.CASCADE, related_name="adjustments")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    tenure_band = models.CharField(max_length=12, choices=TenureBand.choices, blank=True)
    factor = models.FloatField(help_text="Multiplier of the goal's target, e.g. 0.8.")

    class Meta:
        ordering = ["goal", "role", "tenure_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "role", "tenure_band"], name="goaladj_unique_match"
            ),
            models.CheckConstraint(condition=Q(factor__gt=0), name="goaladj_factor_positive"),
        ]

    def __str__(self) -> str:
        who = " / ".join(filter(None, [self.role, self.tenure_band])) or "everyone"
        return f"{who}: x{self.factor}"


class Pilot(models.Model):
    """A pilot: a change tried on a pilot group, compared with a control group on KPIs
    before and during the pilot (difference in differences, see ``ccops.kpis.pilots``)."""

    class Method(models.TextChoices):
        HAC = "hac", "Paired days, Newey-West"
        WELCH = "welch", "Welch's t-test (unpaired, legacy)"
        BOOTSTRAP = "bootstrap", "Bootstrap (unpaired, legacy)"

    name = models.CharField(max_length=120, unique=True)
    hypothesis = models.TextField()
    kpis = models.JSONField(default=list, help_text='KPI keys, e.g. ["aht", "fcr"].')
    pilot_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="pilots_in"
    )
    pilot_teams = models.ManyToManyField("ccops.Team", blank=True, related_name="pilots_in")
    control_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="pilots_controlling"
    )
    control_teams = models.ManyToManyField(
        "ccops.Team", blank=True, related_name="pilots_controlling"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    baseline_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days before the start to compare with (blank: as long "
        "as the pilot, at most 90).",
    )
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.HAC)
    alpha = models.FloatField(default=0.05)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="pilot_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(alpha__gt=0) & Q(alpha__lt=0.5), name="pilot_alpha_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end must not be before the start."
        if not isinstance(self.kpis, list) or not self.kpis:
            errors["kpis"] = "Choose at least one KPI."
        else:
            from . import kpis

            unknown = [k for k in self.kpis if k not in kpis.kpi_keys()]
            if unknown:
                errors["kpis"] = f"Unknown KPI: {', '.join(map(str, unknown))}."
        if errors:
            raise ValidationError(errors)
