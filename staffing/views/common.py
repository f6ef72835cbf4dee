"""Mixins and helpers shared by the staffing pages."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme

from ccops.permissions import RoleRequiredMixin

from ..errors import StaffingError
from ..permissions import PLAN_READERS, PLAN_WRITERS, SHIFT_EDITORS


class PlanReaderRequired(RoleRequiredMixin):
    required_roles = PLAN_READERS


class PlanWriterRequired(RoleRequiredMixin):
    required_roles = PLAN_WRITERS


class ShiftEditorRequired(RoleRequiredMixin):
    required_roles = SHIFT_EDITORS


def add_domain_error(form, exc: StaffingError) -> None:
    """Put a service error on the form fields it names (or on the form)."""
    placed = False
    for field, errors in exc.errors.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error if target else f"{field}: {error}")
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def error_message(request, exc: StaffingError) -> None:
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in list(exc.errors.items())[:10])
    text = exc.message if not details or details == exc.message else f"{exc.message} {details}"
    messages.error(request, text)


def redirect_back(request, fallback: str) -> HttpResponseRedirect:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(url)
    return HttpResponseRedirect(fallback)


def date_param(request, name: str, default: date) -> date:
    """``?name=YYYY-MM-DD``, or ``default`` when it is missing or not a real date."""
    try:
        value = parse_date(request.GET.get(name) or "")
    except ValueError:  # well-formed but impossible, e.g. 2026-13-45
        value = None
    return value or default


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
