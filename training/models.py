"""People development: skills, tiers, buddies. Routing (workitems) reads skills and tier here."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ccops.choices import Office


class Skill(models.Model):
    """A skill that work types require and agents hold at a level (1..5)."""

    name = models.CharField(max_length=100, unique=True)
    office = models.CharField(max_length=5, choices=Office.choices, blank=True)
    description = models.TextField(blank=True)

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
