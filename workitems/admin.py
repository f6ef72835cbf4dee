from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from ccops.choices import Role

from .erasure import customer_erase
from .errors import WorkflowError
from .models import (
    AgentPresence,
    Customer,
    CustomerErasure,
    PresenceChange,
    WorkItem,
    WorkItemEvent,
    WorkType,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only, and never changed afterwards: shown, not edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_ref", "email", "phone", "erased_at"]
    list_filter = [("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "external_ref", "email", "phone"]
    readonly_fields = ["erased_at"]
    actions = ["erase_customers"]

    def has_erase_permission(self, request) -> bool:
        return request.user.has_role(Role.ADMIN)

    @admin.action(description="Erase personal data (GDPR)…", permissions=["erase"])
    def erase_customers(self, request, queryset):
        """First a confirmation page naming what goes and what stays; its button posts the
        same selection back with ``post=yes`` (as Django's delete action does)."""
        customers = list(queryset.order_by("pk"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/workitems/customer/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase customers' personal data?",
                    "opts": self.model._meta,
                    "customers": customers,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "action": "erase_customers",
                },
            )
        erased = []
        for customer in customers:
            try:
                erased.append(customer_erase(customer=customer, by=request.user))
            except WorkflowError as exc:
                self.message_user(request, f"{customer}: {exc.message}", messages.ERROR)
        if erased:
            items = sum(e.items for e in erased)
            events = sum(e.events for e in erased)
            self.message_user(
                request,
                f"Erased {len(erased)} customer(s): the text of {items} item(s) and "
                f"{events} event(s) replaced. Statuses, times and counts are kept.",
                messages.SUCCESS,
            )
        return None


@admin.register(CustomerErasure)
class CustomerErasureAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "customer", "erased_by", "reason", "items", "events"]
    list_filter = ["reason"]
    search_fields = ["=customer__id"]
    list_select_related = ["customer", "erased_by"]
    date_hierarchy = "erased_at"


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
    """The item's log, read-only: events are appended by the services, never edited."""

    model = WorkItemEvent
    extra = 0
    can_delete = False
    fields = [
        "at",
        "kind",
        "actor",
        "from_status",
        "to_status",
        "assignee",
        "note",
        "handle_seconds",
        "handled_by",
    ]
    readonly_fields = fields
    raw_id_fields = ["actor", "assignee", "handled_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
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

    def has_delete_permission(self, request, obj=None):
        # Every item has events, which may not be deleted (PROTECT, and a trigger on
        # PostgreSQL): an item is cancelled, or its customer erased, never deleted.
        return False


@admin.register(WorkItemEvent)
class WorkItemEventAdmin(ReadOnlyAdmin):
    list_display = ["item", "kind", "actor", "at", "from_status", "to_status", "handle_seconds"]
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
