"""Core models: people, teams and job runs. KPI framework models live in ``ccops.kpi_models``."""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .choices import Office, Role, TenureBand


class Team(models.Model):
    """A team of agents in one office at one site, led by a supervisor."""

    name = models.CharField(max_length=100, unique=True)
    office = models.CharField(max_length=5, choices=Office.choices)
    site = models.CharField(max_length=100, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )

    class Meta:
        ordering = ["office", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person in the contact center; their roles are the groups they belong to."""

    display_name = models.CharField(max_length=150, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    hire_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["team", "is_active"])]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)

    @property
    def role_names(self) -> frozenset[str]:
        # Cached per instance: navigation and permission checks ask many times per request.
        if not hasattr(self, "_role_names"):
            if not self.is_authenticated or not self.is_active:
                self._role_names = frozenset()
            else:
                self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, *roles: str) -> bool:
        """True if the user holds any of ``roles``; superusers and Admins hold every role."""
        names = self.role_names
        if self.is_superuser or Role.ADMIN in names:
            return self.is_active
        return any(role in names for role in roles)

    @property
    def primary_role(self) -> str | None:
        for role in (Role.ADMIN, Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR, Role.AGENT):
            if role in self.role_names:
                return role
        return Role.ADMIN if self.is_superuser else None

    def tenure_days(self, on: date | None = None) -> int | None:
        if not self.hire_date:
            return None
        return ((on or timezone.localdate()) - self.hire_date).days

    def tenure_band(self, on: date | None = None) -> str:
        """Tenure band from hire date: under 90 days, under a year, a year or more."""
        days = self.tenure_days(on)
        if days is None or days >= 365:
            return TenureBand.EXPERIENCED
        if days < settings.NEW_HIRE_DAYS:
            return TenureBand.NEW_HIRE
        return TenureBand.DEVELOPING


class JobRun(models.Model):
    """One run of a background job (nightly recompute, heartbeat, ...) for audit and health."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=100)
    key = models.CharField(max_length=200, blank=True, help_text="Idempotency key, e.g. a day.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.name} {self.key} ({self.status})"


from .kpi_models import *  # noqa: E402,F401,F403
from .notification_models import *  # noqa: E402,F401,F403
