"""Forms of the staffing pages. Range checks mirror the API serializers; the services and
pure modules check again (a form is a convenience, not the rule)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from ccops import uploads
from workitems.models import WorkType

from .choices import MAX_VOLUME, Activity
from .models import StaffingPlan

User = get_user_model()


def _range(value, lo, hi, *, lo_open=False, hi_open=False, label=""):
    if value is None:
        return value
    too_low = value <= lo if lo_open else value < lo
    too_high = value >= hi if hi_open else value > hi
    if too_low or too_high:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise forms.ValidationError(f"Must be in {left}{lo:g}, {hi:g}{right}.")
    return value


class ErlangForm(forms.Form):
    volume = forms.FloatField(label="Contacts per interval", min_value=0, initial=100)
    aht_seconds = forms.FloatField(label="AHT (seconds)", initial=300)
    interval_minutes = forms.IntegerField(
        label="Interval (minutes)", min_value=1, max_value=1440, initial=30
    )
    target_service_level = forms.FloatField(label="Service level target (0-1)", initial=0.8)
    target_answer_seconds = forms.FloatField(label="Answer within (s)", min_value=0, initial=20)
    shrinkage = forms.FloatField(label="Shrinkage (0-1)", initial=0.3)
    max_occupancy = forms.FloatField(label="Max occupancy (optional)", required=False)
    patience_seconds = forms.FloatField(label="Patience (s, Erlang A, optional)", required=False)

    def clean_aht_seconds(self):
        return _range(self.cleaned_data["aht_seconds"], 0, 86400, lo_open=True)

    def clean_target_service_level(self):
        return _range(self.cleaned_data["target_service_level"], 0, 1, lo_open=True)

    def clean_shrinkage(self):
        return _range(self.cleaned_data["shrinkage"], 0, 1, hi_open=True)

    def clean_max_occupancy(self):
        return _range(self.cleaned_data["max_occupancy"], 0, 1, lo_open=True)

    def clean_patience_seconds(self):
        return _range(self.cleaned_data["patience_seconds"], 0, 86400, lo_open=True)


class BacklogForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    arrivals = forms.CharField(
        label="Arrivals per working day",
        help_text="Whole numbers separated by commas or spaces, one per working day.",
    )
    aht_minutes = forms.FloatField(label="Minutes per item", initial=25)
    sla_working_days = forms.IntegerField(
        label="SLA (working days)", min_value=0, max_value=60, initial=2
    )
    productive_hours = forms.FloatField(label="Productive hours per agent-day", initial=7.5)
    shrinkage = forms.FloatField(label="Shrinkage (0-1)", initial=0.15)
    starting_backlog = forms.IntegerField(
        label="Open items at the start", min_value=0, initial=0, required=False
    )
    starting_past_due = forms.IntegerField(
        label="...of which already past due", min_value=0, initial=0, required=False
    )
    agents = forms.CharField(
        label="Agents per day (optional)",
        required=False,
        help_text="One number for every day, or one per day; empty = the required agents.",
    )
    weekdays_only = forms.BooleanField(label="Weekdays only", required=False, initial=True)

    def clean_arrivals(self):
        raw = self.cleaned_data["arrivals"].replace(",", " ").split()
        try:
            values = [int(v) for v in raw]
        except ValueError:
            raise forms.ValidationError("Use whole numbers, e.g. 120, 95, 130.")
        if not values or len(values) > 120 or any(v < 0 for v in values):
            raise forms.ValidationError("Give 1 to 120 whole numbers >= 0.")
        return values

    def clean_aht_minutes(self):
        return _range(self.cleaned_data["aht_minutes"], 0, 1440, lo_open=True)

    def clean_productive_hours(self):
        return _range(self.cleaned_data["productive_hours"], 0, 24, lo_open=True)

    def clean_shrinkage(self):
        return _range(self.cleaned_data["shrinkage"], 0, 1, hi_open=True)

    def clean(self):
        data = super().clean()
        arrivals = data.get("arrivals")
        raw = (data.get("agents") or "").replace(",", " ").split()
        if raw and arrivals:
            try:
                agents = [float(v) for v in raw]
            except ValueError:
                self.add_error("agents", "Use numbers, e.g. 5 or 5, 6, 6.")
                return data
            if len(agents) == 1:
                agents = agents * len(arrivals)
            if len(agents) != len(arrivals) or any(a < 0 for a in agents):
                self.add_error("agents", "Give one number >= 0, or one per day of arrivals.")
            data["agents_list"] = agents
        past_due = data.get("starting_past_due") or 0
        if past_due > (data.get("starting_backlog") or 0):
            self.add_error("starting_past_due", "Cannot exceed the open items.")
        return data


class Bootstrap:
    """Bootstrap classes on every widget (the templates render fields one by one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.HiddenInput)):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", f"{css} {css}-sm")


class PlanForm(Bootstrap, forms.Form):
    name = forms.CharField(max_length=120)
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    target_service_level = forms.FloatField(label="Service level target (0-1)")
    shrinkage = forms.FloatField(label="Shrinkage (0-1)")
    productive_hours = forms.FloatField(label="Productive hours per agent-day (back office)")

    def clean_target_service_level(self):
        return _range(self.cleaned_data["target_service_level"], 0, 1, lo_open=True)

    def clean_shrinkage(self):
        return _range(self.cleaned_data["shrinkage"], 0, 1, hi_open=True)

    def clean_productive_hours(self):
        return _range(self.cleaned_data["productive_hours"], 0, 24, lo_open=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "Must be on or after the start.")
            elif (end - start).days + 1 > StaffingPlan.MAX_DAYS:
                self.add_error("end", f"A plan covers at most {StaffingPlan.MAX_DAYS} days.")
        return data


class PlanCopyForm(forms.Form):
    name = forms.CharField(max_length=120, required=False)


class LineOverrideForm(forms.Form):
    override_volume = forms.FloatField(min_value=0, max_value=MAX_VOLUME, required=False)


class ForecastOverrideForm(forms.Form):
    interval_start = forms.DateTimeField(widget=forms.HiddenInput)
    volume = forms.FloatField(min_value=0, max_value=MAX_VOLUME, required=False)
    reason = forms.CharField(max_length=200, required=False)


class ForecastRebuildForm(forms.Form):
    work_type = forms.ModelChoiceField(queryset=WorkType.objects.filter(active=True))


class ShiftForm(Bootstrap, forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none())
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    activity = forms.ChoiceField(choices=Activity.choices)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, agents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agents is not None:
            self.fields["agent"].queryset = agents

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["start"] = timezone.make_aware(datetime.combine(day, start))
            # An end at or before the start means the next morning (a late shift).
            end_day = day if end > start else day + timedelta(days=1)
            data["end"] = timezone.make_aware(datetime.combine(end_day, end))
        return data


class ShiftImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV: agent,date,start,end,activity,note",
        validators=[uploads.CsvUploadValidator(rows_setting="SHIFT_IMPORT_MAX_ROWS")],
    )
    replace = forms.BooleanField(
        required=False, help_text="Replace the agents' shifts on the days in the file."
    )
