from datetime import timedelta

from django import forms
from django.utils import timezone

from ..choices import Role
from ..kpi_models import Pilot, SharedGoal
from ..kpis import registry
from ..models import User
from .selectors import DEFAULT_PERIOD, PERIODS, Period


class PeriodForm(forms.Form):
    """``?period=7|30|90&end=YYYY-MM-DD`` (end defaults to yesterday, the last night run)."""

    period = forms.TypedChoiceField(
        choices=[(p, f"{p} days") for p in PERIODS], coerce=int, required=False
    )
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean_end(self):
        end = self.cleaned_data.get("end")
        if end and end > timezone.localdate():
            raise forms.ValidationError("The end of the period cannot be in the future.")
        return end

    def period_or_default(self) -> Period:
        yesterday = timezone.localdate() - timedelta(days=1)
        self.is_valid()  # valid fields are kept even when another one is not
        data = getattr(self, "cleaned_data", {})
        return Period(days=data.get("period") or DEFAULT_PERIOD, end=data.get("end") or yesterday)


class PilotForm(forms.ModelForm):
    """A pilot with its groups; checks the groups do not overlap and each has someone."""

    kpis = forms.MultipleChoiceField(
        label="KPIs", help_text="The KPIs the pilot should move.", widget=forms.SelectMultiple
    )

    class Meta:
        model = Pilot
        fields = [
            "name",
            "hypothesis",
            "kpis",
            "pilot_agents",
            "pilot_teams",
            "control_agents",
            "control_teams",
            "starts_on",
            "ends_on",
            "baseline_days",
            "method",
            "alpha",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpis"].choices = [(k.key, k.name) for k in registry.all_kpis()]
        agents = User.objects.filter(is_active=True, groups__name=Role.AGENT).order_by("username")
        for name in ("pilot_agents", "control_agents"):
            self.fields[name].queryset = agents
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        errors = {}
        for side in ("pilot", "control"):
            if not data.get(f"{side}_agents") and not data.get(f"{side}_teams"):
                errors[f"{side}_teams"] = f"Choose agents or teams for the {side} group."
        both_agents = set(data.get("pilot_agents") or []) & set(data.get("control_agents") or [])
        if both_agents:
            names = ", ".join(sorted(str(a) for a in both_agents))
            errors["control_agents"] = f"In both groups: {names}."
        both_teams = set(data.get("pilot_teams") or []) & set(data.get("control_teams") or [])
        if both_teams:
            names = ", ".join(sorted(str(t) for t in both_teams))
            errors["control_teams"] = f"In both groups: {names}."
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class GoalForm(forms.ModelForm):
    """A shared goal's target and period (adjustments by role and tenure: admin or API)."""

    kpi = forms.ChoiceField(label="KPI")

    class Meta:
        model = SharedGoal
        fields = ["name", "kpi", "office", "target", "effective_from", "effective_to"]
        fields += ["description"]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [(k.key, k.name) for k in registry.all_kpis()]
