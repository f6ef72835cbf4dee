"""Adherence exceptions: time a supervisor approved as adherent (a meeting, a system outage,
coaching). It counts as time in the scheduled activity and silences real-time alerts."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class AdherenceException(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adherence_exceptions"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "agent"]
        indexes = [models.Index(fields=["agent", "start"], name="adh_exc_agent_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="adherence_exception_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.agent} {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}: {self.reason}"


class FlexMove(models.Model):
    """An intraday flex suggestion carried out: the agents' blocks in the window were moved
    to the other office's activity. ``before``/``after`` hold the blocks as they were and
    are (lists of ``{"agent", "start", "end", "activity"}``), ``suggestion`` what the page
    showed (service level or items before/after), for comparing with what happened."""

    direction = models.CharField(max_length=8)  # "to_front" or "to_back"
    to_type = models.ForeignKey(
        "workitems.WorkType", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    agents = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="flex_moves")
    suggestion = models.JSONField(default=dict)
    before = models.JSONField(default=list)
    after = models.JSONField(default=list)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_at"]

    def __str__(self):
        return f"{self.direction} {self.window_start:%Y-%m-%d %H:%M}-{self.window_end:%H:%M}"
