"""Vocabulary of people development: modules, shadowing, recognition, ideas, tiers."""

from django.db import models


class ModuleKind(models.TextChoices):
    ELEARNING = "elearning", "E-learning"
    CLASSROOM = "classroom", "Classroom"
    ON_THE_JOB = "on_the_job", "On the job"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_ENROLLMENT = (EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.FAILED)


class HostArea(models.TextChoices):
    FRONT_OFFICE = "front_office", "Front office"
    BACK_OFFICE = "back_office", "Back office"
    QA = "qa", "QA"
    HR = "hr", "HR"
    HELP_DESK = "help_desk", "Help desk"


class ShadowingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class TierChangeKind(models.TextChoices):
    INITIAL = "initial", "Initial placement"
    PROMOTION = "promotion", "Promotion"
    DEMOTION = "demotion", "Demotion"


class Decision(models.TextChoices):
    PROMOTE = "promote", "Promote"
    HOLD = "hold", "Hold"
    DEVELOP = "develop", "Develop"


class Rating(models.TextChoices):
    MET = "met", "Meets"
    PARTLY = "partly", "Partly meets"
    NOT_MET = "not_met", "Does not meet yet"


class RecognitionKind(models.TextChoices):
    GOAL_MET = "goal_met", "Goal met"
    QA_EXCELLENCE = "qa_excellence", "QA excellence"
    PEER_KUDOS = "peer_kudos", "Peer kudos"
    IDEA_IMPLEMENTED = "idea_implemented", "Idea implemented"


class ScopeKind(models.TextChoices):
    """The scopes of KPI results (the same words as ``ccops`` KPI snapshots)."""

    AGENT = "agent", "Agent"
    TEAM = "team", "Team"
    OFFICE = "office", "Office"


class Comparison(models.TextChoices):
    AT_LEAST = "gte", "At least (higher is better)"
    AT_MOST = "lte", "At most (lower is better)"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    ACCEPTED = "accepted", "Accepted"
    IMPLEMENTED = "implemented", "Implemented"
    DECLINED = "declined", "Declined"


# The idea board's workflow: status -> statuses it may move to.
IDEA_TRANSITIONS: dict[str, frozenset[str]] = {
    IdeaStatus.SUBMITTED: frozenset({IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED}),
    IdeaStatus.UNDER_REVIEW: frozenset({IdeaStatus.ACCEPTED, IdeaStatus.DECLINED}),
    IdeaStatus.ACCEPTED: frozenset({IdeaStatus.IMPLEMENTED, IdeaStatus.DECLINED}),
    IdeaStatus.IMPLEMENTED: frozenset(),
    IdeaStatus.DECLINED: frozenset(),
}
