"""Helpers shared by the work pages: safe redirects, form errors as messages, holder actions."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ccops.choices import Office

from .. import forms as wf
from ..errors import StaleVersion
from ..services import TRANSITIONS


def safe_next(request, fallback: str) -> str:
    """The ``next`` the page asked to return to, if it is on this site; else ``fallback``."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def form_error_text(form) -> str:
    """One readable sentence from a form's errors, naming the fields."""
    parts = []
    for name, errors in form.errors.items():
        if name == "version":
            parts.append("This page is out of date: reload it and try again.")
            continue
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts) or "Please check the form."


def check_version(item, version) -> None:
    """For services without ``expected_version`` (reopen, merge): refuse a stale page."""
    if version is not None and int(version) != item.version:
        raise StaleVersion(
            f"Item #{item.pk} was changed by someone else (version {item.version}, "
            f"you had {version}). Reload it and try again."
        )


def holder_forms(item, user, *, buddy, next_url: str, leave_url: str | None = None) -> list:
    """The actions the item's holder may take now, as forms (empty if not theirs).

    ``leave_url`` is where to go after an action that takes the item away from them
    (hand-off, escalation): their item page would then be out of reach.
    """
    if item.assignee_id != user.pk or not item.is_open:
        return []
    leave_url = leave_url or reverse("workitems:my_work")
    status = item.status
    forms = []
    if status in TRANSITIONS["start"].sources:
        forms.append(wf.StartForm(item=item, next_url=next_url))
    if status in TRANSITIONS["complete"].sources:
        forms.append(wf.CompleteForm(item=item, next_url=next_url))
    if status in TRANSITIONS["pend"].sources:
        forms.append(wf.PendForm(item=item, next_url=next_url))
    if item.work_type.office == Office.FRONT and status in TRANSITIONS["handoff"].sources:
        forms.append(wf.HandoffForm(item=item, next_url=leave_url))
    if buddy is not None and status in TRANSITIONS["escalate"].sources:
        forms.append(wf.EscalateForm(item=item, next_url=leave_url))
    return forms
