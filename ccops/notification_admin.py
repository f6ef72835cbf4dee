"""Admin of the notification centre: what people were told, their choices, and the outbox
(with a "send again" action for failed messages)."""

from django.contrib import admin
from django.utils import timezone

from .notification_models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "in_app", "read_at")
    list_filter = ("kind", "in_app", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email", "webhook")
    list_filter = ("kind", "in_app", "email", "webhook")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "url", "created_at")
    search_fields = ("user__username", "url")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient", "last_error")
    readonly_fields = ("notification", "user", "payload", "created_at", "sent_at", "last_error")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description="Send again (failed or pending messages)")
    def send_again(self, request, queryset):
        count = queryset.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{count} message(s) will be sent within a minute.")
