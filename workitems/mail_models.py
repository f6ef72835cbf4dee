"""E-mail in for the back office: the mailboxes polled, each message taken in (once: unique
by mailbox and Message-ID) and its attachments."""

from django.db import models
from django.utils import timezone

from ccops.models import Team


class Mailbox(models.Model):
    """A mailbox whose new messages become cases of ``work_type`` (``mail_in``): polled
    over IMAP when it has a host, and/or posted to the signed inbound-email webhook."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(
        max_length=255, blank=True, help_text="Empty: not polled (webhook only)."
    )
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True, help_text="IMAP over TLS (port 993).")
    username = models.CharField(max_length=255, blank=True)
    password = models.CharField(
        max_length=255, blank=True, help_text="Stored as given; use an app password."
    )
    folder = models.CharField(max_length=255, default="INBOX")
    work_type = models.ForeignKey(
        "workitems.WorkType", on_delete=models.PROTECT, related_name="mailboxes"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        help_text="Empty: the work type's owning team.",
    )
    active = models.BooleanField(default=True)
    # The inbound-email webhook's secret, sealed (``ccops.signing``; HMAC needs it back, so
    # it cannot be hashed). Empty: the webhook refuses this mailbox.
    webhook_secret_sealed = models.TextField(blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"


class InboundEmail(models.Model):
    """One message taken in: the case it made, or the case it joined as an event."""

    class Outcome(models.TextChoices):
        CREATED = "created", "New case"
        JOINED = "joined", "Reply joined a case"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    message_id = models.CharField(max_length=998)
    sender = models.CharField(max_length=254)
    subject = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=7, choices=Outcome.choices)
    item = models.ForeignKey("workitems.WorkItem", on_delete=models.PROTECT, related_name="emails")
    attachments_dropped = models.JSONField(
        default=list, blank=True, help_text="Attachments over the size limit: name and size."
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"], name="uniq_inbound_email_message_id"
            )
        ]
        indexes = [models.Index(fields=["item"], name="inbound_email_item")]

    def __str__(self) -> str:
        return f"{self.message_id} -> #{self.item_id}"


class EmailAttachment(models.Model):
    """A file that came with an inbound message, kept with the case."""

    email = models.ForeignKey(InboundEmail, on_delete=models.PROTECT, related_name="attachments")
    item = models.ForeignKey(
        "workitems.WorkItem",
        on_delete=models.PROTECT,
        related_name="attachments",
        db_index=False,  # email_attachment_item
    )
    file = models.FileField(upload_to="email-attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["item", "id"], name="email_attachment_item")]

    def __str__(self) -> str:
        return self.filename
