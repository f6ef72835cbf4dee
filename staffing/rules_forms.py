"""Forms of the Scheduling rules and Holiday balances pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from .models import ScheduleRules
from .services.rules import RULE_FIELDS
from .time_off_models import MAX_ALLOWANCE_DAYS

LABELS = {
    "min_hours_week": "Contract hours per week, minimum (h)",
    "max_hours_week": "Contract hours per week, maximum (h)",
    "shift_lengths": "Shift lengths (h, e.g. 8,6)",
    "earliest_start": "Earliest start",
    "latest_end": "Latest end (00:00 = midnight)",
    "days_off_per_week": "Days off per week (days)",
    "min_rest_hours": "Rest between shifts, at least (h)",
    "meal_break_after_hours": "Meal break in shifts over (h)",
    "meal_break_minutes": "Meal break (min)",
    "start_step_minutes": "Shifts start every (min)",
}


class ScheduleRulesForm(forms.ModelForm):
    """The model's field validators here; the rule set as a whole is checked by the service
    (the solver's ``Rules.check``)."""

    class Meta:
        model = ScheduleRules
        fields = RULE_FIELDS
        labels = LABELS
        widgets = {
            "earliest_start": forms.TimeInput(attrs={"type": "time", "step": 1800}),
            "latest_end": forms.TimeInput(attrs={"type": "time", "step": 1800}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class AllowanceForm(forms.Form):
    agent = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    days = forms.DecimalField(
        min_value=Decimal(0),
        max_value=Decimal(MAX_ALLOWANCE_DAYS),
        max_digits=6,
        decimal_places=2,
        label="Allowance (days)",
    )


class AutoApproveForm(forms.Form):
    auto_approve = forms.BooleanField(required=False)
