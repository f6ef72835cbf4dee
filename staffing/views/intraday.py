"""Intraday page: refreshes its panel every minute with htmx."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.views.generic import TemplateView

from ..intraday import intraday_snapshot
from ..rta import supervised_alerts
from .common import PlanReaderRequired
from .flex_moves import applied_moves_today, flex_rows


def _moment(request):
    """``?at=HH:MM`` looks at another time of today (what-if / outside opening hours)."""
    raw = (request.GET.get("at") or "").strip()
    if not raw:
        return None, ""
    try:
        clock = datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        return None, "Use HH:MM for the time."
    return timezone.make_aware(datetime.combine(timezone.localdate(), clock)), ""


class IntradayView(PlanReaderRequired, TemplateView):
    template_name = "staffing/intraday.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["staffing/_intraday_panel.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        moment, error = _moment(self.request)
        snapshot = intraday_snapshot(now=moment)
        ctx.update(
            snapshot=snapshot,
            flex_rows=flex_rows(snapshot, self.request.user),
            applied_moves=applied_moves_today(),
            at=self.request.GET.get("at", ""),
            at_error=error,
            live=moment is None,
            alerts=supervised_alerts(self.request.user, now=moment),
        )
        return ctx
