"""Admin of generated schedules (imported by :mod:`staffing.admin`)."""

from django.contrib import admin

from .models import (
    ScheduleCoverage,
    ScheduledShift,
    ScheduleRules,
    ScheduleRun,
    TeamStaffingSettings,
)


@admin.register(ScheduleRules)
class ScheduleRulesAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "team",
        "agent",
        "min_hours_week",
        "max_hours_week",
        "shift_lengths",
        "earliest_start",
        "latest_end",
        "days_off_per_week",
        "min_rest_hours",
    ]
    list_filter = ["team", "days_off_per_week"]
    search_fields = ["team__name", "agent__username"]
    raw_id_fields = ["agent"]
    list_select_related = ["team", "agent"]


@admin.register(TeamStaffingSettings)
class TeamStaffingSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "auto_approve", "updated_at"]
    list_filter = ["auto_approve", "team"]
    search_fields = ["team__name"]
    list_select_related = ["team"]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "week_start",
        "status",
        "progress",
        "solver_status",
        "solve_seconds",
        "under_coverage_hours",
        "baseline_under_coverage_hours",
        "published",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "published", "week_start", "teams"]
    date_hierarchy = "week_start"
    filter_horizontal = ["teams"]
    raw_id_fields = ["created_by", "published_by", "plan"]
    list_select_related = ["created_by"]


@admin.register(ScheduledShift)
class ScheduledShiftAdmin(admin.ModelAdmin):
    list_display = ["run", "agent", "start", "end", "activity", "meal_start", "locked", "edited"]
    list_filter = ["activity", "locked", "edited", "agent__team"]
    search_fields = ["agent__username"]
    date_hierarchy = "start"
    raw_id_fields = ["run", "agent"]
    list_select_related = ["run", "agent"]


@admin.register(ScheduleCoverage)
class ScheduleCoverageAdmin(admin.ModelAdmin):
    list_display = ["run", "office", "work_type", "start", "end", "required", "scheduled"]
    list_filter = ["office", "work_type"]
    date_hierarchy = "start"
    raw_id_fields = ["run", "work_type"]
    list_select_related = ["run", "work_type"]
