"""Choices shared by every app."""

from django.db import models


class Office(models.TextChoices):
    FRONT = "front", "Front office"
    BACK = "back", "Back office"


class Role(models.TextChoices):
    """Roles are Django groups of these names (created by a data migration)."""

    AGENT = "Agent", "Agent"
    SUPERVISOR = "Supervisor", "Supervisor"
    PLANNER = "Workforce Planner", "Workforce Planner"
    QA = "QA", "QA"
    HR = "HR", "HR"
    ADMIN = "Admin", "Admin"


class TenureBand(models.TextChoices):
    NEW_HIRE = "new_hire", "New hire (< 90 days)"
    DEVELOPING = "developing", "Developing (90 days - 1 year)"
    EXPERIENCED = "experienced", "Experienced (1 year +)"
