"""Shadowing sessions: book (refusing clashes), reflect, cancel."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from ccops.models import User
from ccops.permissions import RoleRequiredMixin

from .. import availability, services
from ..errors import TrainingError
from ..forms import ReflectForm, ShadowingForm, local_now_input
from ..models import ShadowingSession
from ..services.common import is_hr, is_manager
from .common import EVERYONE, apply_errors, managed_agents, report_error


def _hosts():
    hosts = User.objects.filter(is_active=True).exclude(groups=None).select_related("team")
    return hosts.order_by("display_name", "username")


def _form(request, data=None, initial=None):
    return ShadowingForm(
        data,
        participants=managed_agents(request.user),
        hosts=_hosts(),
        initial=initial or {"starts_at": local_now_input()},
    )


class AvailabilityForm(forms.Form):
    """``?participant=&host=&day=&duration_minutes=``: whose time to show, and ``slot`` (a
    free start time clicked) to fill the booking form with."""

    participant = forms.IntegerField(min_value=1)
    host = forms.IntegerField(min_value=1)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    duration_minutes = forms.IntegerField(min_value=15, max_value=480, initial=120)
    slot = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M"])


def _availability(request):
    """The availability panel (or ``None`` when not asked) and the booking form's initial
    values from a clicked slot. Unknown people or bad values: the panel names the field."""
    if "participant" not in request.GET:
        return None, None
    form = AvailabilityForm(request.GET)
    if not form.is_valid():
        return {"errors": form.errors}, None
    d = form.cleaned_data
    participant = managed_agents(request.user).filter(pk=d["participant"]).first()
    host = _hosts().filter(pk=d["host"]).first()
    if participant is None or host is None:
        field = "participant" if participant is None else "host"
        return {"errors": {field: [f"No such {field} you may book for."]}}, None
    panel = availability.shadowing_availability(
        participant=participant, host=host, day=d["day"], duration_minutes=d["duration_minutes"]
    )
    panel.update(participant=participant, host=host, duration_minutes=d["duration_minutes"])
    initial = None
    if d["slot"] is not None:
        initial = {
            "participant": participant.pk,
            "host": host.pk,
            "starts_at": f"{d['slot']:%Y-%m-%dT%H:%M}",
            "duration_minutes": d["duration_minutes"],
        }
    return panel, initial


class ShadowingListView(RoleRequiredMixin, View):
    """Managers see the sessions of the people they manage and book new ones; everyone else
    sees the sessions they take part in or host, and reflects on them."""

    required_roles = EVERYONE
    template_name = "training/shadowing.html"

    def context(self, request, form=None):
        user = request.user
        panel, initial = _availability(request) if is_manager(user) else (None, None)
        qs = ShadowingSession.objects.select_related("participant__team", "host__team")
        if is_hr(user):
            pass
        elif is_manager(user):
            qs = qs.filter(
                Q(participant__team__supervisor=user) | Q(participant=user) | Q(host=user)
            )
        else:
            qs = qs.filter(Q(participant=user) | Q(host=user))
        page = Paginator(qs.order_by("-starts_at"), 50).get_page(request.GET.get("page"))
        return {
            "sessions": page.object_list,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "form": (form or _form(request, initial=initial)) if is_manager(user) else None,
            "availability": panel,
            "participants": managed_agents(user) if is_manager(user) else None,
            "hosts": _hosts() if is_manager(user) else None,
            "today": timezone.localdate(),
            "reflect_form": ReflectForm(),
            "now": timezone.now(),
        }

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        if not is_manager(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only HR or supervisors book shadowing.")
        form = _form(request, request.POST)
        if form.is_valid():
            try:
                session = services.shadowing_schedule(by=request.user, **form.cleaned_data)
            except TrainingError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{session.participant} shadows {session.host} on "
                    f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}.",
                )
                return redirect("training:shadowing_list")
        return render(request, self.template_name, self.context(request, form), status=400)


class ShadowingReflectView(RoleRequiredMixin, View):
    required_roles = EVERYONE

    def post(self, request, pk):
        session = get_object_or_404(ShadowingSession, pk=pk)
        try:
            if request.POST.get("cancel"):
                services.shadowing_cancel(session=session, by=request.user)
                messages.success(request, "Session cancelled.")
            else:
                services.shadowing_reflect(
                    session=session, by=request.user, reflection=request.POST.get("reflection", "")
                )
                messages.success(request, "Reflection saved.")
        except TrainingError as exc:
            report_error(request, exc)
        return redirect("training:shadowing_list")
