from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from ccops.choices import Role

from .calendar_services import clock_of, due_times_recompute_on_commit, work_type_changed
from .erasure import customer_erase
from .errors import WorkflowError
from .mail_in import mailbox_webhook_secret_new
from .models import (
    AgentPresence,
    Calendar,
    CalendarClosure,
    CalendarHours,
    Customer,
    CustomerErasure,
    EmailAttachment,
    InboundEmail,
    Mailbox,
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
        "first_response_sla",
        "at_risk_percent",
        "calendar",
        "standard_minutes",
        "required_skill",
        "min_skill_level",
        "min_tier_rank",
        "priority",
        "owning_team",
        "active",
    ]
    list_filter = ["office", "channel", "active", "calendar"]
    search_fields = ["name"]
    list_select_related = ["required_skill", "owning_team", "calendar"]

    def save_model(self, request, obj, form, change):
        before = clock_of(WorkType.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if change:
            work_type_changed(obj, before)


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


# --- Business calendars and e-mail in ---------------------------------------------------


class CalendarHoursInline(admin.TabularInline):
    model = CalendarHours
    extra = 0


class CalendarClosureInline(admin.TabularInline):
    model = CalendarClosure
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    """Opening hours, holidays and closures. A change recomputes the SLA times of the open
    items counting in the calendar (before or after the change), by a task queued on commit
    (``calendar_services``)."""

    list_display = ["name", "time_zone", "holiday_country", "holiday_subdivision", "site"]
    list_filter = ["time_zone", "holiday_country"]
    search_fields = ["name", "site"]
    filter_horizontal = ["teams"]
    inlines = [CalendarHoursInline, CalendarClosureInline]

    @staticmethod
    def _assigned(pk) -> tuple[list[int], list[str]]:
        """The teams and site the stored calendar is assigned to (their items used it)."""
        if pk is None:
            return [], []
        teams = list(
            Calendar.teams.through.objects.filter(calendar_id=pk).values_list("team_id", flat=True)
        )
        sites = list(Calendar.objects.filter(pk=pk).values_list("site", flat=True))
        return teams, sites

    def save_model(self, request, obj, form, change):
        obj._assigned_before = self._assigned(obj.pk if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        teams, sites = getattr(obj, "_assigned_before", ([], []))
        due_times_recompute_on_commit(calendar_ids=[obj.pk], team_ids=teams, sites=sites)

    def delete_model(self, request, obj):
        teams, sites = self._assigned(obj.pk)
        super().delete_model(request, obj)
        due_times_recompute_on_commit(team_ids=teams, sites=sites)

    def delete_queryset(self, request, queryset):
        teams, sites = [], []
        for pk in queryset.values_list("pk", flat=True):
            more_teams, more_sites = self._assigned(pk)
            teams += more_teams
            sites += more_sites
        super().delete_queryset(request, queryset)
        due_times_recompute_on_commit(team_ids=teams, sites=sites)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "host", "port", "use_ssl", "username", "folder", "work_type", "team"]
    list_display += ["active", "last_polled_at"]
    list_filter = ["active", "use_ssl", "work_type"]
    search_fields = ["name", "host", "username"]
    readonly_fields = ["last_polled_at", "last_error"]
    list_select_related = ["work_type", "team"]
    actions = ["new_webhook_secret"]

    @admin.action(
        description="New inbound-email webhook secret (shown once)", permissions=["change"]
    )
    def new_webhook_secret(self, request, queryset):
        for mailbox in queryset:
            secret = mailbox_webhook_secret_new(mailbox=mailbox)
            messages.warning(
                request,
                f"Webhook secret of {mailbox.name} (shown once, give it to the mail provider "
                f"now; the previous one no longer works): {secret}",
            )

    def get_form(self, request, obj=None, **kwargs):
        from django import forms

        form = super().get_form(request, obj, **kwargs)
        # The stored password is not shown back; left empty on a change it is kept.
        form.base_fields["password"].widget = forms.PasswordInput(render_value=False)
        form.base_fields["password"].required = False  # a webhook-only mailbox has none
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("password"):
            obj.password = Mailbox.objects.values_list("password", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["message_id", "mailbox", "sender", "subject", "outcome", "item", "received_at"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["message_id", "sender", "subject", "=item__id"]
    raw_id_fields = ["item"]
    list_select_related = ["mailbox", "item"]


@admin.register(EmailAttachment)
class EmailAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "content_type", "size", "item", "email"]
    list_filter = ["content_type"]
    search_fields = ["filename", "=item__id"]
    raw_id_fields = ["item", "email"]
    list_select_related = ["item", "email"]


class _RecomputesItsCalendar:
    """Hours and closures edited on their own: the calendar's open items follow."""

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).values_list("calendar_id", flat=True)
        ids = [obj.calendar_id, *(before if change else [])]
        super().save_model(request, obj, form, change)
        due_times_recompute_on_commit(calendar_ids=ids)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        due_times_recompute_on_commit(calendar_ids=[obj.calendar_id])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("calendar_id", flat=True))
        super().delete_queryset(request, queryset)
        due_times_recompute_on_commit(calendar_ids=ids)


@admin.register(CalendarHours)
class CalendarHoursAdmin(_RecomputesItsCalendar, admin.ModelAdmin):
    list_display = ["calendar", "weekday", "opens", "closes"]
    list_filter = ["calendar", "weekday"]
    list_select_related = ["calendar"]


@admin.register(CalendarClosure)
class CalendarClosureAdmin(_RecomputesItsCalendar, admin.ModelAdmin):
    list_display = ["calendar", "name", "first_day", "last_day", "starts_at", "ends_at"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    list_select_related = ["calendar"]
