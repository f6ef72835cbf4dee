"""Admin of time off and shift trades (imported by :mod:`staffing.admin`)."""

from django.contrib import admin

from .models import ShiftTrade, TimeOffAllowance, TimeOffRequest


@admin.register(TimeOffRequest)
class TimeOffRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "agent", "kind", "start", "end", "days", "status", "decided_by"]
    list_filter = ["status", "kind", "auto_approved"]
    search_fields = ["agent__username", "note", "reason"]
    raw_id_fields = ["agent", "decided_by"]
    list_select_related = ["agent", "decided_by"]
    date_hierarchy = "start"


@admin.register(TimeOffAllowance)
class TimeOffAllowanceAdmin(admin.ModelAdmin):
    list_display = ["agent", "year", "days"]
    list_filter = ["year"]
    search_fields = ["agent__username"]
    raw_id_fields = ["agent"]
    list_select_related = ["agent"]


@admin.register(ShiftTrade)
class ShiftTradeAdmin(admin.ModelAdmin):
    list_display = ["id", "start", "end", "offered_by", "taken_by", "status", "auto_approved"]
    list_filter = ["status", "auto_approved"]
    search_fields = ["offered_by__username", "taken_by__username"]
    raw_id_fields = ["shift", "offered_by", "taken_by", "decided_by"]
    list_select_related = ["offered_by", "taken_by"]
