from django.contrib import admin

from .models import AgentPresence, Customer, PresenceChange, WorkItem, WorkItemEvent, WorkType


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_ref", "email", "phone"]
    search_fields = ["name", "external_ref", "email", "phone"]


@admin.register(WorkType)
class WorkTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "office",
        "channel",
        "sla",
        "standard_minutes",
        "required_skill",
        "min_skill_level",
        "min_tier_rank",
        "priority",
        "owning_team",
        "active",
    ]
    list_filter = ["office", "channel", "active"]
    search_fields = ["name"]
    list_select_related = ["required_skill", "owning_team"]


class EventInline(admin.TabularInline):
    model = WorkItemEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "from_status", "to_status", "assignee", "note"]
    readonly_fields = fields
    raw_id_fields = ["actor", "assignee"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "work_type",
        "status",
        "priority",
        "assignee",
        "team",
        "due_at",
        "created_at",
        "reopen_count",
        "source",
    ]
    list_filter = ["status", "work_type__office", "work_type", "source", "is_duplicate_suspect"]
    search_fields = ["=id", "title", "external_ref", "customer__name", "customer__external_ref"]
    list_select_related = ["work_type", "assignee", "team"]
    raw_id_fields = ["customer", "assignee", "origin", "duplicate_of", "related_to"]
    readonly_fields = ["version", "updated_at"]
    show_full_result_count = False  # an exact COUNT(*) over 10M rows on every page is waste
    inlines = [EventInline]


@admin.register(WorkItemEvent)
class WorkItemEventAdmin(admin.ModelAdmin):
    list_display = ["item", "kind", "actor", "at", "from_status", "to_status"]
    list_filter = ["kind"]
    search_fields = ["=item__id", "note"]
    raw_id_fields = ["item", "actor", "assignee"]
    list_select_related = ["item", "actor"]
    show_full_result_count = False


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ["agent", "state", "since", "item"]
    list_filter = ["state"]
    search_fields = ["agent__username", "agent__display_name"]
    raw_id_fields = ["agent", "item"]
    list_select_related = ["agent"]


@admin.register(PresenceChange)
class PresenceChangeAdmin(admin.ModelAdmin):
    list_display = ["agent", "state", "started_at", "ended_at"]
    list_filter = ["state"]
    search_fields = ["agent__username"]
    raw_id_fields = ["agent"]
    list_select_related = ["agent"]
