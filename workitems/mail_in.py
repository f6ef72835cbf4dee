"""E-mail in for the back office: each new message of a polled IMAP mailbox (or posted to
the signed inbound-email webhook, ``mailbox_authenticate``) becomes a case
through ``services.workitem_create``, or, when its subject carries a case reference
("[CASE-123]") of a case of the same customer, joins that case as an event (a closed case
is reopened, or continued by a new linked case: ``services.workitem_customer_wrote``).

Idempotent by Message-ID: ``InboundEmail`` is unique per mailbox and Message-ID, so a
message seen again (a poll that died before flagging it ``\\Seen``, two pollers) writes
nothing. A message is flagged ``\\Seen`` only after its case or event is committed; one
that fails stays unseen and is tried again at the next poll, except one that can never
become a case (no valid sender), which is flagged seen and counted as refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import re
import time
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import get_valid_filename

from ccops import signing

from .choices import Source
from .models import Customer, EmailAttachment, InboundEmail, Mailbox, WorkItem
from .services import workitem_create, workitem_customer_wrote

log = logging.getLogger(__name__)

CASE_REF = re.compile(r"\[CASE-(\d{1,18})\]", re.IGNORECASE)
MAX_BODY_CHARS = 100_000


class MessageRefused(ValueError):
    """A message that can never become a case (no valid sender): flagged seen, not retried."""


def case_reference(item) -> str:
    """What a reply's subject carries to join ``item``."""
    return f"[CASE-{item.pk}]"


@dataclass
class ParsedMessage:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    body: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def parse_message(raw: bytes) -> ParsedMessage:
    """The parts of a raw RFC 5322 message that cases need (pure: no database)."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = str(msg.get("Message-ID", "") or "").strip()
    if not message_id:  # none given: the content names it, so a re-poll finds it again
        message_id = "<sha256-" + hashlib.sha256(raw).hexdigest() + "@ccops>"
    name, address = parseaddr(str(msg.get("From", "") or ""))
    if not address:
        pairs = getaddresses([str(msg.get("Reply-To", "") or "")])
        name, address = pairs[0] if pairs else ("", "")
    subject = " ".join(str(msg.get("Subject", "") or "").split())
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = body_part.get_content()
        if body_part.get_content_type() == "text/html":
            body = strip_tags(body)
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename() or "attachment"
        attachments.append((filename, part.get_content_type(), data))
    return ParsedMessage(
        message_id=message_id[:998],
        sender=address.strip().lower()[:254],
        sender_name=(name or "").strip(),
        subject=subject[:998],
        body=body.strip()[:MAX_BODY_CHARS],
        attachments=attachments,
    )


def customer_for_address(*, address: str, name: str = "") -> Customer:
    """The customer with this e-mail address (the earliest, if several), else a new one
    with reference ``email:<address>``."""
    found = Customer.objects.filter(email__iexact=address).order_by("pk").first()
    if found is not None:
        return found
    ref = f"email:{address}"[:64]
    customer, _ = Customer.objects.get_or_create(
        external_ref=ref, defaults={"name": (name or address)[:200], "email": address}
    )
    return customer


def _valid_address(address: str) -> bool:
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return "@" in address


def _joinable_case(parsed: ParsedMessage) -> WorkItem | None:
    """The case the subject names, if it is the sender's: a reference alone (guessable)
    does not let anyone write into someone else's case."""
    match = CASE_REF.search(parsed.subject)
    if match is None:
        return None
    case = WorkItem.objects.select_related("customer").filter(pk=int(match.group(1))).first()
    if case is None or case.customer is None:
        return None
    if (case.customer.email or "").lower() != parsed.sender:
        return None
    return case


def _keep_attachments(inbound: InboundEmail, item, parsed: ParsedMessage) -> None:
    limit = settings.EMAIL_IN_MAX_ATTACHMENT_BYTES
    dropped = []
    for filename, content_type, data in parsed.attachments:
        if len(data) > limit:
            dropped.append({"filename": filename, "size": len(data)})
            continue
        safe = get_valid_filename(filename)[:200] or "attachment"
        EmailAttachment.objects.create(
            email=inbound,
            item=item,
            file=ContentFile(data, name=safe),
            filename=filename[:255],
            content_type=content_type[:100],
            size=len(data),
        )
    if dropped:
        inbound.attachments_dropped = dropped
        inbound.save(update_fields=["attachments_dropped"])


def inbound_email_take(*, mailbox: Mailbox, raw: bytes) -> InboundEmail:
    """Turn one raw message into a case or an event of a case; the ``InboundEmail`` row
    (``was_existing`` True when this Message-ID was taken in before: nothing written)."""
    parsed = parse_message(raw)
    existing = InboundEmail.objects.filter(mailbox=mailbox, message_id=parsed.message_id).first()
    if existing is not None:
        existing.was_existing = True
        return existing
    if not _valid_address(parsed.sender):
        raise MessageRefused(f"Message {parsed.message_id} has no valid sender address.")
    try:
        with transaction.atomic():
            case = _joinable_case(parsed)
            if case is not None:
                # A closed case is reopened, or continued by a new linked one (the
                # transition rules decide): ``case`` is then the case that holds it.
                note = parsed.body or parsed.subject
                named = case
                case = workitem_customer_wrote(item=case, note=note, message_id=parsed.message_id)
                continued = case.pk != named.pk and case.related_to_id == named.pk
                outcome = InboundEmail.Outcome.CREATED if continued else InboundEmail.Outcome.JOINED
            else:
                customer = customer_for_address(address=parsed.sender, name=parsed.sender_name)
                case = workitem_create(
                    work_type=mailbox.work_type,
                    title=parsed.subject or f"E-mail from {parsed.sender}",
                    customer=customer,
                    details=parsed.body,
                    team=mailbox.team,
                    source=Source.EMAIL,
                )
                outcome = InboundEmail.Outcome.CREATED
            inbound = InboundEmail.objects.create(
                mailbox=mailbox,
                message_id=parsed.message_id,
                sender=parsed.sender,
                subject=parsed.subject,
                outcome=outcome,
                item=case,
            )
            _keep_attachments(inbound, case, parsed)
    except IntegrityError:
        # Taken in by another poller at the same moment: this one wrote nothing.
        existing = InboundEmail.objects.filter(
            mailbox=mailbox, message_id=parsed.message_id
        ).first()
        if existing is None:
            raise
        existing.was_existing = True
        return existing
    inbound.was_existing = False
    return inbound


@dataclass
class PollResult:
    created: int = 0
    joined: int = 0
    already: int = 0
    refused: int = 0  # never a case (flagged seen)
    failed: int = 0  # left unseen: tried again at the next poll


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.EMAIL_IN_TIMEOUT_SECONDS
    if mailbox.use_ssl:
        return imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=timeout)
    return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_poll(*, mailbox: Mailbox) -> PollResult:
    """Take in the mailbox's unseen messages (at most ``EMAIL_IN_BATCH`` per poll), each
    flagged ``\\Seen`` once committed. Connection and login errors are raised (the task
    records them on the mailbox); a message refused for good (``MessageRefused``) is
    flagged seen; one that fails otherwise is logged and left unseen for the next poll."""
    result = PollResult()
    conn = _connect(mailbox)
    try:
        conn.login(mailbox.username, mailbox.password)
        typ, _ = conn.select(_quoted(mailbox.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"Cannot open folder {mailbox.folder!r}.")
        typ, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[: settings.EMAIL_IN_BATCH]
        for uid in uids:
            typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if typ != "OK" or raw is None:
                result.failed += 1
                continue
            try:
                inbound = inbound_email_take(mailbox=mailbox, raw=raw)
            except MessageRefused as exc:
                log.warning("E-mail in: message uid %s of %s refused: %s", uid, mailbox, exc)
                result.refused += 1
                conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                continue
            except Exception:
                log.exception("E-mail in: message uid %s of %s not taken in", uid, mailbox)
                result.failed += 1
                continue
            if inbound.was_existing:
                result.already += 1
            elif inbound.outcome == InboundEmail.Outcome.JOINED:
                result.joined += 1
            else:
                result.created += 1
            conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    return result


# --- The inbound-email webhook (a mail provider posts each message) --------------------

WEBHOOK_PURPOSE = "mailbox-webhook"


def mailbox_webhook_secret_new(*, mailbox: Mailbox) -> str:
    """A new webhook secret for the mailbox (returned once: only its sealed form is
    stored); the old one stops working at once."""
    secret = signing.new_secret()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        webhook_secret_sealed=signing.seal(secret, purpose=WEBHOOK_PURPOSE)
    )
    mailbox.refresh_from_db()
    return secret


def mailbox_authenticate(
    *, name: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> Mailbox | None:
    """The active mailbox whose webhook secret signed ``timestamp + "." + body`` (the
    scheme of ``ccops.signing``), if the timestamp is fresh; None otherwise (unknown,
    inactive, without a secret, stale or wrongly signed alike)."""
    if not name:
        return None
    mailbox = (
        Mailbox.objects.filter(name=name, active=True).select_related("work_type", "team").first()
    )
    if mailbox is None:
        return None
    ok = signing.verified(
        sealed=mailbox.webhook_secret_sealed,
        purpose=WEBHOOK_PURPOSE,
        timestamp=timestamp,
        given=signature,
        body=body,
        now=time.time() if now is None else now,
    )
    return mailbox if ok else None


def mailboxes_poll() -> dict[str, PollResult]:
    """Poll every active mailbox; a mailbox that cannot be reached keeps its error text in
    ``last_error`` and does not stop the others."""
    results = {}
    polled = Mailbox.objects.filter(active=True).exclude(host="")  # no host: webhook only
    for mailbox in polled.select_related("work_type", "team"):
        error = ""
        try:
            results[mailbox.name] = mailbox_poll(mailbox=mailbox)
        except (imaplib.IMAP4.error, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("E-mail in: mailbox %s: %s", mailbox, error)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=error
        )
    return results
