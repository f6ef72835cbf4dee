"""Forecast pages: accuracy and totals per work type; one type's day with overrides."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from workitems.models import WorkType

from .. import selectors, services
from ..errors import StaffingError
from ..forms import ForecastOverrideForm, ForecastRebuildForm
from ..models import ForecastOverride
from ..permissions import PLAN_WRITERS
from .common import PlanReaderRequired, PlanWriterRequired, date_param


class ForecastListView(PlanReaderRequired, TemplateView):
    """Per work type: the day's forecast total, method and accuracy of the last rebuild
    (MAPE/WAPE on the held-out week). Queries: types, day totals, latest builds."""

    template_name = "staffing/forecasts.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = date_param(self.request, "day", timezone.localdate())
        ctx.update(
            day=day,
            rows=selectors.forecast_overview(day=day),
            can_write=self.request.user.has_role(*PLAN_WRITERS),
        )
        return ctx


class ForecastRebuildView(PlanWriterRequired, View):
    def post(self, request):
        form = ForecastRebuildForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose an active work type.")
        else:
            try:
                build = services.forecast_build(work_type=form.cleaned_data["work_type"])
            except StaffingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"{build.work_type}: rebuilt with {build.get_method_display()}"
                    + (f", WAPE {build.wape:.0%} on the held-out week." if build.wape else "."),
                )
        return redirect("staffing:forecasts")


class ForecastTypeView(PlanReaderRequired, TemplateView):
    """One work type's day: model value and override per interval (planners set them)."""

    template_name = "staffing/forecast_type.html"

    def dispatch(self, request, *args, **kwargs):
        self.work_type = get_object_or_404(WorkType, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = date_param(self.request, "day", timezone.localdate())
        rows = selectors.forecast_day_rows(work_type=self.work_type, day=day)
        ctx.update(
            work_type=self.work_type,
            day=day,
            rows=rows,
            total_model=sum(r["model"] or 0 for r in rows),
            total=sum(r["volume"] or 0 for r in rows),
            can_write=self.request.user.has_role(*PLAN_WRITERS),
        )
        return ctx

    def post(self, request, pk):
        if not request.user.has_role(*PLAN_WRITERS):
            self.raise_exception = True
            return self.handle_no_permission()
        form = ForecastOverrideForm(request.POST)
        url = reverse("staffing:forecast_type", args=[pk])
        if not form.is_valid():
            messages.error(request, "Volume must be a number >= 0 (empty removes the override).")
            return redirect(url)
        at = form.cleaned_data["interval_start"]
        day = timezone.localtime(at).date().isoformat()
        try:
            if form.cleaned_data["volume"] is None:
                override = ForecastOverride.objects.filter(
                    work_type=self.work_type, interval_start=at
                ).first()
                if override:
                    services.forecast_override_delete(override=override, by=request.user)
                messages.success(request, "Override removed: the model's value applies.")
            else:
                services.forecast_override_set(
                    work_type=self.work_type,
                    interval_start=at,
                    volume=form.cleaned_data["volume"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, "Override saved.")
        except StaffingError as exc:
            messages.error(request, exc.message)
        return redirect(f"{url}?day={day}")
