"""Adherence page: the alerts on now and the approved exceptions (list + record one)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import ListView

from ccops.models import User

from ..errors import StaffingError
from ..rta import adherence_exception_create, exceptions_visible_to, supervised_alerts
from .common import ShiftEditorRequired, add_domain_error

DT_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AdherenceExceptionForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none())
    start = forms.DateTimeField(widget=DT_INPUT, input_formats=["%Y-%m-%dT%H:%M"])
    end = forms.DateTimeField(widget=DT_INPUT, input_formats=["%Y-%m-%dT%H:%M"])
    reason = forms.CharField(max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_active=True, team__isnull=False).order_by("username")
        if not user.has_role("planner"):
            agents = agents.filter(team__supervisor=user)
        self.fields["agent"].queryset = agents


class AdherenceView(ShiftEditorRequired, ListView):
    """Supervisors (their teams) and planners: alerts now, exceptions, record one."""

    template_name = "staffing/adherence.html"
    context_object_name = "exceptions"
    paginate_by = 25

    def get_queryset(self):
        return exceptions_visible_to(self.request.user).select_related("agent", "approved_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        initial = {k: self.request.GET[k] for k in ("agent", "start") if self.request.GET.get(k)}
        ctx.setdefault("form", AdherenceExceptionForm(user=self.request.user, initial=initial))
        ctx["alerts"] = supervised_alerts(self.request.user)
        return ctx

    def post(self, request, *args, **kwargs):
        form = AdherenceExceptionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                made = adherence_exception_create(by=request.user, **form.cleaned_data)
            except StaffingError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"Exception recorded: {made}.")
                return redirect("staffing:adherence")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)
