"""Vocabulary of quality: criterion kinds, evaluation statuses, dispute outcomes."""

from django.db import models

from . import scoring


class CriterionKind(models.TextChoices):
    YES_NO = scoring.YES_NO, "Yes / No / N-A"
    SCALE = scoring.SCALE, "Scale 0..n"


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISPUTED = "disputed", "Disputed"
    RESOLVED = "resolved", "Resolved"


#: Statuses whose score counts in KPIs and the agent's history (the evaluation is final or
#: was final when disputed).
SCORED_STATUSES = (
    EvaluationStatus.SUBMITTED,
    EvaluationStatus.ACKNOWLEDGED,
    EvaluationStatus.DISPUTED,
    EvaluationStatus.RESOLVED,
)
#: What an agent may see of their own evaluations (drafts are the evaluator's work in progress).
AGENT_VISIBLE_STATUSES = SCORED_STATUSES


class EvaluationSource(models.TextChoices):
    SAMPLE = "sample", "Weekly sample"
    MANUAL = "manual", "Picked by an evaluator"


class Resolution(models.TextChoices):
    UPHELD = "upheld", "Upheld (evaluation stands)"
    RESCORED = "rescored", "Re-scored"


class EventAction(models.TextChoices):
    CREATED = "created", "Created"
    SAVED = "saved", "Draft saved"
    SUBMITTED = "submitted", "Submitted"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISPUTED = "disputed", "Disputed"
    UPHELD = "upheld", "Dispute resolved: upheld"
    RESCORED = "rescored", "Dispute resolved: re-scored"


class CalibrationStatus(models.TextChoices):
    OPEN = "open", "Open (blind scoring)"
    REVEALED = "revealed", "Revealed"


class TipKind(models.TextChoices):
    TIP = "tip", "Tip"
    TRICK = "trick", "Trick"
    TECHNIQUE = "technique", "Technique"
