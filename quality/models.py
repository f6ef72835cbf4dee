"""Quality: versioned scorecards, evaluations of work items, sampling runs, calibration and
coaching.

Scores are computed by :mod:`quality.scoring` and stored on the evaluation by
:mod:`quality.services` only; models never compute across relations.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ccops.choices import Office
from ccops.models import Team
from workitems.models import WorkItem, WorkType

from .choices import (
    CalibrationStatus,
    CriterionKind,
    EvaluationSource,
    EvaluationStatus,
    EventAction,
    Resolution,
    TipKind,
)
from .querysets import CoachingSessionQuerySet, EvaluationQuerySet

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Scorecard(models.Model):
    """One version of a scorecard. Versions of the same scorecard share ``family``; exactly one
    is current. Editing a version that has evaluations creates the next version instead, so
    evaluations keep the criteria they were scored on."""

    family = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    work_types = models.ManyToManyField(
        WorkType,
        blank=True,
        related_name="scorecards",
        help_text="Blank: every work type of the office.",
    )
    pass_mark = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("80"), validators=PERCENT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="uniq_scorecard_version"),
            models.UniqueConstraint(
                fields=["family"], condition=Q(is_current=True), name="one_current_scorecard"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="scorecard_pass_mark_pct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScorecardSection(models.Model):
    """A heading that groups criteria on a scorecard version."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "title"], name="uniq_section_title")
        ]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One question of a scorecard version. ``key`` is stable across versions: answers,
    coaching tips and calibration statistics refer to criteria by key."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    section = models.ForeignKey(ScorecardSection, on_delete=models.CASCADE, related_name="criteria")
    key = models.SlugField(max_length=50)
    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    weight = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    kind = models.CharField(max_length=6, choices=CriterionKind.choices, default="yes_no")
    scale_max = models.PositiveSmallIntegerField(default=0, help_text="Scale criteria: 0..n.")
    critical = models.BooleanField(default=False, help_text="A failure zeroes the evaluation.")
    na_allowed = models.BooleanField(default=False)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scorecard", "position"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "key"], name="uniq_criterion_key"),
            models.CheckConstraint(
                condition=~Q(kind="scale") | Q(scale_max__gte=1), name="criterion_scale_max"
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"


class Evaluation(models.Model):
    """The evaluation of one work item (so of one agent) by one evaluator on a scorecard
    version. ``score`` and the other result columns are written by the services only."""

    item = models.OneToOneField(WorkItem, on_delete=models.PROTECT, related_name="qa_evaluation")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_evaluations"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_evaluations",
        help_text="The agent's team when the evaluation was created.",
    )
    office = models.CharField(max_length=5, choices=Office.choices)
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="evaluations")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_evaluations_made"
    )
    source = models.CharField(
        max_length=6, choices=EvaluationSource.choices, default=EvaluationSource.MANUAL
    )
    status = models.CharField(
        max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    overall_comment = models.TextField(blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    points_earned = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    points_possible = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    points = models.JSONField(default=dict, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    critical_failed = models.BooleanField(default=False)
    failed_criteria = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    agent_comment = models.TextField(blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True)
    resolution_reason = models.TextField(blank=True)
    original_score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Before re-scoring."
    )
    version = models.PositiveIntegerField(default=1)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(evaluator=models.F("agent")), name="no_self_evaluation"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(score__isnull=False, submitted_at__isnull=False),
                name="submitted_evaluation_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["evaluator", "status", "created_at"], name="qa_eval_queue"),
            models.Index(fields=["agent", "status", "submitted_at"], name="qa_eval_agent"),
            models.Index(fields=["team", "status", "submitted_at"], name="qa_eval_team"),
            models.Index(fields=["status", "submitted_at"], name="qa_eval_submitted"),
            # The API list, newest first, by cursor.
            models.Index(fields=["created_at", "id"], name="qa_eval_created"),
        ]

    def __str__(self) -> str:
        return f"Evaluation #{self.pk} of item #{self.item_id}"

    @property
    def is_draft(self) -> bool:
        return self.status == EvaluationStatus.DRAFT


class EvaluationEvent(models.Model):
    """Append-only history of an evaluation: who did what, when, and what changed.

    Never updated or deleted (a trigger refuses both on PostgreSQL, migration 0003): hence
    PROTECT, so deleting its evaluation or a user it names is refused up front."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=EvaluationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=EvaluationStatus.choices, blank=True)
    # {"answers": {key: [old, new]}, "comments": {...}, "score": [old, new], ...}
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["evaluation", "at"], name="qa_event_eval_at")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.action} at {self.at:%Y-%m-%d %H:%M}"


class SampleRun(models.Model):
    """The weekly sample of one week: re-running the same week only tops up to the quota."""

    week_start = models.DateField(unique=True, help_text="Monday of the sampled week.")
    per_agent = models.PositiveSmallIntegerField()
    seed = models.CharField(max_length=100)
    drawn = models.PositiveIntegerField(default=0, help_text="Items drawn over all runs.")
    runs = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"Sample of week {self.week_start}"


class CalibrationSession(models.Model):
    """Several evaluators score the same items blind; revealing shows how far apart they are.

    Revealed once every participant scored every item, or earlier by a QA override that is
    recorded (``revealed_by``, ``reveal_overridden``, ``reveal_reason`` and the history)."""

    title = models.CharField(max_length=150)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=CalibrationStatus.choices, default=CalibrationStatus.OPEN
    )
    items = models.ManyToManyField(WorkItem, related_name="+")
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="calibration_sessions"
    )
    reference_evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The expert whose scores are the reference.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reveal_overridden = models.BooleanField(
        default=False, help_text="Revealed before every evaluator had scored every item."
    )
    reveal_reason = models.TextField(blank=True, help_text="Why it was revealed early.")
    notes = models.TextField(blank=True)

    # The audit trail of reveals (who, when, early or not, why): the admins' export reads it.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class CalibrationScore(models.Model):
    """One evaluator's blind scoring of one item in a calibration session."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict)
    points = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "item", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "item", "evaluator"], name="uniq_calibration_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.evaluator_id} on {self.item_id} = {self.score}"


class CoachingTip(models.Model):
    """A tip, trick or technique from the common coaching library, tagged by criterion key and
    office (blank: both offices)."""

    title = models.CharField(max_length=150)
    body = models.TextField()
    kind = models.CharField(max_length=9, choices=TipKind.choices, default=TipKind.TIP)
    office = models.CharField(
        max_length=5, choices=Office.choices, blank=True, help_text="Blank: both offices."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["title"], name="uniq_tip_title")]

    def __str__(self) -> str:
        return self.title


class CoachingTipCriterion(models.Model):
    """Tag: the tip helps with criteria of this key (keys are stable across versions)."""

    tip = models.ForeignKey(CoachingTip, on_delete=models.CASCADE, related_name="criteria")
    criterion_key = models.SlugField(max_length=50)

    class Meta:
        ordering = ["criterion_key"]
        constraints = [
            models.UniqueConstraint(fields=["tip", "criterion_key"], name="uniq_tip_criterion")
        ]
        indexes = [models.Index(fields=["criterion_key"], name="qa_tip_key")]

    def __str__(self) -> str:
        return self.criterion_key


class CoachingSession(models.Model):
    """A coach's session with an agent on evaluations and tips, with agreed actions."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_sessions"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_given"
    )
    evaluations = models.ManyToManyField(Evaluation, blank=True, related_name="coaching_sessions")
    tips = models.ManyToManyField(CoachingTip, blank=True, related_name="sessions")
    held_on = models.DateField(default=timezone.localdate)
    notes = models.TextField(blank=True)
    agreed_actions = models.TextField()
    follow_up_on = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CoachingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["agent", "held_on"], name="qa_coaching_agent"),
            models.Index(fields=["coach", "done"], name="qa_coaching_coach"),
        ]

    def __str__(self) -> str:
        return f"Coaching of {self.agent} on {self.held_on}"
