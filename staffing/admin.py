from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AdherenceException,
    ForecastBuild,
    ForecastEvent,
    ForecastOverride,
    ForecastValue,
    PlanLine,
    Shift,
    StaffingPlan,
)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["agent", "activity", "start", "end", "note", "created_by"]
    list_filter = ["activity", "agent__team"]
    search_fields = ["agent__username", "agent__display_name", "note"]
    date_hierarchy = "start"
    raw_id_fields = ["agent", "created_by"]
    list_select_related = ["agent", "created_by"]


@admin.register(ForecastValue)
class ForecastValueAdmin(admin.ModelAdmin):
    list_display = [
        "work_type",
        "interval_start",
        "granularity",
        "volume",
        "aht_seconds",
        "method",
        "built_at",
    ]
    list_filter = ["granularity", "method", "work_type"]
    search_fields = ["work_type__name"]
    date_hierarchy = "interval_start"
    list_select_related = ["work_type"]


@admin.register(ForecastOverride)
class ForecastOverrideAdmin(admin.ModelAdmin):
    list_display = ["work_type", "interval_start", "volume", "by", "reason", "updated_at"]
    list_filter = ["work_type"]
    search_fields = ["work_type__name", "reason", "by__username"]
    date_hierarchy = "interval_start"
    raw_id_fields = ["by"]
    list_select_related = ["work_type", "by"]


class ForecastEventAdminForm(forms.ModelForm):
    class Meta:
        model = ForecastEvent
        fields = ["name", "work_type", "start_date", "end_date", "multiplier", "volume"]

    def clean(self):
        from .errors import InvalidInput
        from .services import forecast_event_validate

        data = super().clean()
        if not self.errors:
            try:
                forecast_event_validate(**{f: data.get(f) for f in self.Meta.fields})
            except InvalidInput as exc:
                for field, messages in (exc.errors or {None: [exc.message]}).items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(ForecastEvent)
class ForecastEventAdmin(admin.ModelAdmin):
    """Holidays and events; checked and saved through the services (the API's rules)."""

    form = ForecastEventAdminForm

    list_display = ["name", "work_type", "start_date", "end_date", "multiplier", "volume"]
    list_filter = ["work_type", "start_date"]
    search_fields = ["name", "work_type__name"]
    date_hierarchy = "start_date"
    list_select_related = ["work_type"]

    def save_model(self, request, obj, form, change):
        from . import services

        fields = {
            f: getattr(obj, f)
            for f in ("name", "work_type", "start_date", "end_date", "multiplier", "volume")
        }
        if change:
            services.forecast_event_update(event=obj, by=request.user, **fields)
        else:
            saved = services.forecast_event_create(by=request.user, **fields)
            obj.pk = saved.pk


@admin.register(ForecastBuild)
class ForecastBuildAdmin(admin.ModelAdmin):
    list_display = [
        "work_type",
        "built_at",
        "as_of",
        "method",
        "season_length",
        "history_periods",
        "mape",
        "wape",
        "naive_wape",
        "noisy",
        "aht_seconds",
    ]
    list_filter = ["method", "granularity", "noisy", "work_type"]
    search_fields = ["work_type__name"]
    list_select_related = ["work_type"]


@admin.register(StaffingPlan)
class StaffingPlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "start", "end", "status", "created_by", "copied_from", "built_at"]
    list_filter = ["status"]
    search_fields = ["name", "created_by__username"]
    raw_id_fields = ["created_by", "copied_from"]
    list_select_related = ["created_by", "copied_from"]


@admin.register(PlanLine)
class PlanLineAdmin(admin.ModelAdmin):
    list_display = [
        "plan",
        "work_type",
        "interval_start",
        "forecast_volume",
        "override_volume",
        "required_agents",
        "scheduled_agents",
        "gap",
    ]
    list_filter = ["plan__status", "work_type"]
    search_fields = ["plan__name", "work_type__name"]
    raw_id_fields = ["plan"]
    list_select_related = ["plan", "work_type"]


# (registers the generated schedules', time off's and shift trades' admin)
from . import schedule_admin, time_off_admin  # noqa: E402,F401


@admin.register(AdherenceException)
class AdherenceExceptionAdmin(admin.ModelAdmin):
    list_display = ["agent", "start", "end", "reason", "approved_by", "created_at"]
    list_filter = ["agent__team", "start"]
    search_fields = ["agent__username", "reason"]
    raw_id_fields = ["agent", "approved_by"]
    list_select_related = ["agent", "approved_by"]
