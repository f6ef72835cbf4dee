from django.contrib import admin, messages

from ccops.choices import Role

from . import signing
from .choices import ApplyStatus
from .models import Contact, ContactEvent, ContactSource, DeadLetter
from .services import event_replay, source_rotate


@admin.register(ContactSource)
class ContactSourceAdmin(admin.ModelAdmin):
    """Sources are created with ``manage.py contact_source_create NAME`` (or here, then
    rotated to see a secret); the secret is shown once, by the rotate action."""

    list_display = ["name", "active", "created_at", "rotated_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "rotated_at"]
    actions = ["rotate_secret"]

    def save_model(self, request, obj, form, change):
        if not change:
            secret = signing.new_secret()
            obj.secret_sealed = signing.seal(secret)
            super().save_model(request, obj, form, change)
            self._show(request, obj, secret)
            return
        super().save_model(request, obj, form, change)

    def _show(self, request, source, secret):
        messages.warning(
            request,
            f"Secret of {source.name} (shown once, give it to the platform now): {secret}",
        )

    def has_rotate_permission(self, request) -> bool:
        return _is_admin(request)

    @admin.action(
        description="Rotate the secret (the old one stops working)", permissions=["rotate"]
    )
    def rotate_secret(self, request, queryset):
        for source in queryset:
            self._show(request, source, source_rotate(source=source))


def _is_admin(request) -> bool:
    return request.user.has_role(Role.ADMIN)


class ReplayMixin:
    def has_replay_permission(self, request) -> bool:
        return _is_admin(request)

    @admin.action(description="Replay (apply again)", permissions=["replay"])
    def replay(self, request, queryset):
        replayed = [event_replay(event=e) for e in queryset.order_by("at", "id")]
        dead = sum(1 for e in replayed if e.status == ApplyStatus.DEAD)
        level = messages.WARNING if dead else messages.SUCCESS
        self.message_user(
            request, f"{len(replayed)} replayed, {dead} still dead-lettered.", level=level
        )


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactEvent)
class ContactEventAdmin(ReplayMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["external_id", "source", "type", "at", "contact_id", "status", "attempts"]
    list_filter = ["status", "type", "source"]
    search_fields = ["external_id", "contact_id", "agent_ref", "queue_ref"]
    list_select_related = ["source"]
    date_hierarchy = "at"
    actions = ["replay"]


@admin.register(DeadLetter)
class DeadLetterAdmin(ReplayMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Events that could not be applied, with why; fix the cause (create the work type or
    the user), then replay them."""

    list_display = ["external_id", "source", "type", "at", "error", "attempts", "received_at"]
    list_filter = ["type", "source"]
    search_fields = ["external_id", "contact_id", "error"]
    list_select_related = ["source"]
    actions = ["replay"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ApplyStatus.DEAD)


@admin.register(Contact)
class ContactAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "contact_id",
        "source",
        "queue",
        "agent",
        "offered_at",
        "answered_at",
        "abandoned_at",
        "ended_at",
        "wait_seconds",
    ]
    list_filter = ["source", "queue"]
    search_fields = ["contact_id"]
    list_select_related = ["source", "queue", "agent"]
    date_hierarchy = "offered_at"
