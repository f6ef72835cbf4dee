"""People development: skills, tiers, buddies. Routing (workitems) reads skills and tier here.

Also: tier requirements and history, HR's competency assessments, training modules and
enrollments, shadowing sessions, recognition points, incentive schemes and the idea board.
Every write goes through ``training.services``; nothing here has side effects in ``save()``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ccops.choices import Office

from .choices import (
    Comparison,
    Decision,
    EnrollmentStatus,
    HostArea,
    IdeaStatus,
    ModuleKind,
    Period,
    Rating,
    RecognitionKind,
    ScopeKind,
    ShadowingStatus,
    TierChangeKind,
)

USER = settings.AUTH_USER_MODEL


class Skill(models.Model):
    """A skill that work types require and agents hold at a level (1..5)."""

    name = models.CharField(max_length=100, unique=True)
    office = models.CharField(max_length=5, choices=Office.choices, blank=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    """An agent's level in a skill, with certification dates; expired means not held."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    certified_on = models.DateField(null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certified_skills",
    )
    expires_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agent", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="uniq_agent_skill"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="skill_level_1_5"),
        ]
        indexes = [models.Index(fields=["skill", "level"])]

    def __str__(self) -> str:
        return f"{self.agent} · {self.skill} L{self.level}"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.expires_on is None or self.expires_on >= on


class Tier(models.Model):
    """A competency tier (Tier I, II, III ...) with its pay differential."""

    name = models.CharField(max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="1 = entry tier.")
    description = models.TextField(blank=True)
    pay_differential_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    pay_differential_hourly = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    required_modules = models.ManyToManyField(
        "TrainingModule", blank=True, related_name="required_for_tiers"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class AgentTier(models.Model):
    """An agent's current tier (the training services keep it and its history)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_tier"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="agents")
    since = models.DateField(default=timezone.localdate)

    # Every write, including admin edits that bypass ``TierChange``.
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.agent}: {self.tier}"


class BuddyPairing(models.Model):
    """A cross-office go-to: ``agent`` escalates time-critical work to ``buddy``."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buddy_pairings"
    )
    buddy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buddy_for"
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why this pairing.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["agent", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ends_on__isnull=True), name="one_open_buddy_per_agent"
            ),
            models.CheckConstraint(condition=~Q(agent=models.F("buddy")), name="buddy_not_self"),
        ]
        indexes = [models.Index(fields=["buddy", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.agent} -> {self.buddy}"


class TierSkillRequirement(models.Model):
    """A competency of a tier: ``skill`` held (not expired) at ``min_level`` or above."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="tier_requirements")
    min_level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["tier__rank", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "skill"], name="uniq_tier_skill"),
            models.CheckConstraint(
                condition=Q(min_level__gte=1, min_level__lte=5), name="tier_skill_level_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.skill} L{self.min_level}+"


class TrainingModule(models.Model):
    """A course: e-learning, classroom or on-the-job, with a pass mark (score out of 100)."""

    title = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    kind = models.CharField(max_length=12, choices=ModuleKind.choices)
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(60 * 40)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    required_for_new_hires = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="module_pass_mark_100"),
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    """An agent on a module: its status, score and completion day (one row per pair)."""

    agent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrollments")
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(
        max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enrolled_on = models.DateField(default=timezone.localdate)
    completed_on = models.DateField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agent", "module"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "module"], name="uniq_enrollment"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="enrollment_score_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrollmentStatus.COMPLETED) | Q(completed_on__isnull=False),
                name="completed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["module", "status"], name="enrollment_module_status"),
            models.Index(fields=["agent", "status"], name="enrollment_agent_status"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} · {self.module} ({self.status})"


class TierProgress(models.Model):
    """The last computation of an agent's tier standing, kept by the tier service.

    ``qualified_tier`` is the highest tier whose competencies (and every lower tier's) the
    agent meets; ``next_tier`` the tier above their current one; ``missing`` what they lack
    for it (``[{"kind": "skill"|"module", "id", "name", "need", "have", "expired"}]``). The
    tier report reads this table so "who qualifies" is one indexed SQL filter; the nightly
    recompute refreshes it when certifications expire.
    """

    agent = models.OneToOneField(
        USER, on_delete=models.CASCADE, primary_key=True, related_name="tier_progress"
    )
    qualified_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ready = models.BooleanField(default=False, help_text="Qualifies for the next tier now.")
    missing = models.JSONField(default=list, blank=True)
    missing_count = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "tier progress"
        indexes = [models.Index(fields=["ready", "next_tier"], name="tierprogress_ready")]

    def __str__(self) -> str:
        return (
            f"{self.agent}: next {self.next_tier or '-'} ({'ready' if self.ready else 'not yet'})"
        )


class CompetencyAssessment(models.Model):
    """HR's evaluation of an agent against a tier's competencies, with a decision."""

    agent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="assessments")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="assessments")
    assessed_by = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="assessments_made"
    )
    assessed_on = models.DateField(default=timezone.localdate)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    summary = models.TextField(blank=True)
    qa_score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Evidence: QA average %."
    )
    supervisor_input = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "-created_at"], name="assessment_agent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(qa_score__isnull=True) | Q(qa_score__gte=0, qa_score__lte=100),
                name="assessment_qa_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} vs {self.tier}: {self.decision} ({self.assessed_on})"


class CompetencyRating(models.Model):
    """One competency of the assessed tier, rated with its evidence."""

    assessment = models.ForeignKey(
        CompetencyAssessment, on_delete=models.CASCADE, related_name="ratings"
    )
    key = models.CharField(max_length=40, help_text='"skill:<id>" or "module:<id>".')
    label = models.CharField(max_length=200)
    rating = models.CharField(max_length=8, choices=Rating.choices)
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="uniq_rating_key"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.rating}"


class TierChange(models.Model):
    """History of an agent's tier: placements, promotions (HR) and demotions (expiry).

    The pay differential in force after the change is copied here so pay history survives
    later edits of the tier.
    """

    agent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=TierChangeKind.choices)
    reason = models.TextField(blank=True)
    assessment = models.OneToOneField(
        CompetencyAssessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tier_change",
    )
    pay_differential_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    pay_differential_hourly = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    changed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["agent", "-changed_at"], name="tierchange_agent")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.from_tier or '-'} -> {self.to_tier or '-'} ({self.kind})"


class ShadowingSession(models.Model):
    """A participant spends time with a host in another area (front, back, QA, HR, help desk)."""

    participant = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="shadowing_sessions"
    )
    host = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="shadowing_hosted")
    host_area = models.CharField(max_length=12, choices=HostArea.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    ends_at = models.DateTimeField(help_text="starts_at + duration (set by the service).")
    status = models.CharField(
        max_length=10, choices=ShadowingStatus.choices, default=ShadowingStatus.SCHEDULED
    )
    participant_reflection = models.TextField(blank=True)
    host_reflection = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(participant=models.F("host")), name="shadow_host_not_self"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="shadow_duration_15_480",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shadow_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "starts_at", "ends_at"], name="shadow_participant"),
            models.Index(fields=["host", "starts_at", "ends_at"], name="shadow_host"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} shadows {self.host} ({self.starts_at:%Y-%m-%d})"


class IncentiveScheme(models.Model):
    """A rule that awards points from KPI results, e.g. "team SLA attainment >= 90% for a
    week: 20 points to each of its agents". The nightly KPI job feeds it results through
    ``training.services.award_from_kpi_results``; each agent is awarded once per period."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    kpi = models.CharField(max_length=40, help_text='KPI key, e.g. "sla_attainment".')
    scope_kind = models.CharField(max_length=6, choices=ScopeKind.choices)
    comparison = models.CharField(max_length=3, choices=Comparison.choices)
    threshold = models.FloatField(help_text="In the KPI's display unit (95 for 95%).")
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.WEEK)
    points = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="scheme_points_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_met(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.comparison == Comparison.AT_MOST:
            return value <= self.threshold
        return value >= self.threshold


class Idea(models.Model):
    """An improvement idea on the cross-functional board; implemented ideas earn points."""

    title = models.CharField(max_length=150)
    description = models.TextField()
    submitted_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="ideas")
    co_authors = models.ManyToManyField(USER, blank=True, related_name="co_authored_ideas")
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    status = models.CharField(
        max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED
    )
    points = models.PositiveIntegerField(
        default=25, help_text="Points each author receives when it is implemented."
    )
    reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas_reviewed"
    )
    reviewer_notes = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "-submitted_at"], name="idea_status")]

    def __str__(self) -> str:
        return self.title


class Recognition(models.Model):
    """Points for an agent: goal met, QA excellence, peer kudos or an implemented idea.

    Automatic awards carry their source (``scheme`` + ``period_start``, or ``idea``) and a
    unique constraint on it, so re-running an award never pays twice.
    """

    agent = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="recognitions")
    points = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    kind = models.CharField(max_length=16, choices=RecognitionKind.choices)
    reason = models.CharField(max_length=300)
    given_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="recognitions_given"
    )
    given_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)
    scheme = models.ForeignKey(
        IncentiveScheme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    kpi_value = models.FloatField(null=True, blank=True)
    idea = models.ForeignKey(
        Idea, null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="recognition_points_pos"),
            models.CheckConstraint(
                condition=Q(given_by__isnull=True) | ~Q(given_by=models.F("agent")),
                name="recognition_not_self",
            ),
            models.UniqueConstraint(
                fields=["scheme", "agent", "period_start"],
                condition=Q(scheme__isnull=False),
                name="uniq_scheme_award",
            ),
            models.UniqueConstraint(
                fields=["idea", "agent"],
                condition=Q(idea__isnull=False),
                name="uniq_idea_award",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "-given_on"], name="recognition_agent"),
            models.Index(fields=["given_on"], name="recognition_day"),
            models.Index(fields=["given_by", "kind", "given_on"], name="recognition_giver"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} +{self.points} ({self.kind})"
