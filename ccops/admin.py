from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import JobRun, Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "site", "supervisor"]
    list_filter = ["office", "site"]
    search_fields = ["name", "site", "supervisor__username"]
    autocomplete_fields = ["supervisor"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "team", "hire_date", "is_active", "is_staff"]
    list_filter = ["groups", "team__office", "team", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    list_select_related = ["team"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Contact center", {"fields": ("display_name", "team", "hire_date")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Contact center", {"fields": ("display_name", "team", "hire_date")}),
    )


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "status", "started_at", "finished_at"]
    list_filter = ["name", "status"]
    search_fields = ["name", "key", "detail"]
    date_hierarchy = "started_at"


# Registered by importing them: the KPI framework's and the notification centre's admin.
from . import kpi_admin, notification_admin  # noqa: E402,F401
