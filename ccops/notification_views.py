"""Pages of the notification centre: the list, the bell's count, opening one, settings."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView, TemplateView

from . import notifications
from .notification_errors import InvalidPreference
from .notification_models import Channel, Notification, NotificationKind, WebhookSubscription

CHANNELS = [(Channel.IN_APP, "In the app"), (Channel.EMAIL, "E-mail"), (Channel.WEBHOOK, "Webhook")]


def own(request):
    """The signed-in person's listed notifications (never anyone else's)."""
    return Notification.objects.filter(user=request.user, in_app=True)


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "ccops/notifications.html"
    paginate_by = 25
    context_object_name = "notifications"

    def get_queryset(self):
        return own(self.request).order_by("-created_at", "-id")

    def post(self, request):
        """Mark every unread notification read."""
        count = own(request).filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, f"Marked {count} notification(s) read.")
        return redirect("ccops:notifications")


class NotificationOpenView(LoginRequiredMixin, View):
    """POST: mark one read and go to what it is about (an own page only)."""

    def post(self, request, pk: int):
        note = get_object_or_404(own(request), pk=pk)
        if note.read_at is None:
            own(request).filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        safe = url_has_allowed_host_and_scheme(
            note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(note.url if note.url and safe else "ccops:notifications")


class NotificationBadgeView(LoginRequiredMixin, TemplateView):
    """The bell's unread count, fetched by htmx after the page loads and every 30 s: the
    pages themselves read nothing for it."""

    template_name = "ccops/_bell_count.html"

    def get_context_data(self, **kwargs):
        unread = own(self.request).filter(read_at__isnull=True).count()
        return {"unread": unread}


class NotificationSettingsForm(forms.Form):
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        label="Webhook URL",
        help_text="Slack-compatible: a Slack incoming webhook URL works as it is.",
    )

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in NotificationKind.choices:
            for channel, channel_label in CHANNELS:
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(
                    required=False,
                    initial=channel in current[kind],
                    label=f"{label}: {channel_label}",
                )

    def rows(self):
        """(kind label, [bound fields per channel]) for the table."""
        return [
            (label, [self[f"{kind}__{channel}"] for channel, _ in CHANNELS])
            for kind, label in NotificationKind.choices
        ]

    def choices(self) -> dict[str, set[str]]:
        return {
            kind: {ch for ch, _ in CHANNELS if self.cleaned_data[f"{kind}__{ch}"]}
            for kind in NotificationKind.values
        }


class NotificationSettingsView(LoginRequiredMixin, TemplateView):
    template_name = "ccops/notification_settings.html"

    def form(self, data=None):
        hook = WebhookSubscription.objects.filter(user=self.request.user).first()
        return NotificationSettingsForm(
            data,
            current=notifications.preferences_of(self.request.user),
            initial={"webhook_url": hook.url if hook else ""},
        )

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                notifications.preferences_save(
                    user=request.user,
                    choices=form.choices(),
                    webhook_url=form.cleaned_data["webhook_url"],
                )
            except InvalidPreference as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("ccops:notification_settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = CHANNELS
        context["webhook"] = WebhookSubscription.objects.filter(user=self.request.user).first()
        return context
