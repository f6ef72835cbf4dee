"""Admin for the KPI framework (imported at the end of ``ccops.admin``)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .kpi_models import BacklogSnapshot, GoalAdjustment, KpiSnapshot, Pilot, SharedGoal


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are written by the nightly recompute; here they are read, not edited."""

    list_display = ["day", "kpi", "scope_kind", "scope_id", "team", "office", "numerator",
                    "denominator", "value"]  # fmt: skip
    list_filter = ["kpi", "scope_kind", "office"]
    search_fields = ["kpi", "=scope_id", "team__name"]
    date_hierarchy = "day"
    list_select_related = ["team"]
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BacklogSnapshot)
class BacklogSnapshotAdmin(admin.ModelAdmin):
    list_display = ["day", "work_type", "team", "office", "open", "past_due", "arrivals",
                    "completions", "age_p50_hours", "age_p90_hours"]  # fmt: skip
    list_filter = ["office", "work_type", "team"]
    search_fields = ["work_type__name", "team__name"]
    date_hierarchy = "day"
    list_select_related = ["work_type", "team"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GoalAdjustmentInline(admin.TabularInline):
    model = GoalAdjustment
    extra = 1


@admin.register(SharedGoal)
class SharedGoalAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kpi", "office", "target", "effective_from", "effective_to"]
    list_filter = ["kpi", "office"]
    search_fields = ["name", "kpi", "description"]
    date_hierarchy = "effective_from"
    inlines = [GoalAdjustmentInline]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Pilot)
class PilotAdmin(SimpleHistoryAdmin):
    list_display = ["name", "starts_on", "ends_on", "method", "alpha"]
    list_filter = ["method"]
    search_fields = ["name", "hypothesis"]
    date_hierarchy = "starts_on"
    filter_horizontal = ["pilot_agents", "pilot_teams", "control_agents", "control_teams"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(GoalAdjustment)
class GoalAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["goal", "role", "tenure_band", "factor"]
    list_filter = ["role", "tenure_band", "goal__kpi"]
    search_fields = ["goal__name", "goal__kpi"]
    list_select_related = ["goal"]
