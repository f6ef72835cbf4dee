"""Forms of the staffing pages. Number fields take their ranges from ``staffing.limits``,
as the API serializers do; the calculators and services check them again (a form is a
convenience, not the rule)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator
from django.utils import timezone

from ccops import uploads
from workitems.models import WorkType

from . import limits
from .choices import Activity
from .models import StaffingPlan

User = get_user_model()


def _bounded(bounds: limits.Limits, field=forms.FloatField, **kwargs) -> forms.Field:
    """A number field within ``bounds``, with the API's error message."""
    messages = {"min_value": bounds.message, "max_value": bounds.message}
    return field(min_value=bounds.lo, max_value=bounds.hi, error_messages=messages, **kwargs)


def _numbers(raw: str, convert, bounds: limits.Limits, example: str) -> list:
    """Numbers separated by commas or spaces, each within ``bounds``."""
    try:
        values = [convert(v) for v in raw.replace(",", " ").split()]
    except (ValueError, OverflowError):
        raise forms.ValidationError(f"Use numbers separated by commas, e.g. {example}.")
    if not all(bounds.admits(v) for v in values):
        raise forms.ValidationError(f"Each number must be {bounds.rule}.")
    return values


class ErlangForm(forms.Form):
    volume = _bounded(limits.VOLUME, label="Contacts per interval", initial=100)
    aht_seconds = _bounded(limits.AHT_SECONDS, label="AHT (seconds)", initial=300)
    interval_minutes = _bounded(
        limits.INTERVAL_MINUTES, forms.IntegerField, label="Interval (minutes)", initial=30
    )
    target_service_level = _bounded(
        limits.SERVICE_LEVEL, label="Service level target (share, up to 1)", initial=0.8
    )
    target_answer_seconds = _bounded(limits.ANSWER_SECONDS, label="Answer within (s)", initial=20)
    shrinkage = _bounded(
        limits.SHRINKAGE,
        label=f"Shrinkage ({limits.SHRINKAGE.lo:g}-{limits.SHRINKAGE.hi:g})",
        initial=0.3,
    )
    max_occupancy = _bounded(limits.MAX_OCCUPANCY, label="Max occupancy (optional)", required=False)
    patience_seconds = _bounded(
        limits.PATIENCE_SECONDS, label="Patience (s, Erlang A, optional)", required=False
    )
    target_asa_seconds = _bounded(
        limits.ASA_SECONDS, label="Max average speed of answer (s, optional)", required=False
    )
    max_abandon_rate = _bounded(
        limits.MAX_ABANDON_RATE,
        label="Max abandonment (share, Erlang A, optional)",
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("max_abandon_rate") is not None and data.get("patience_seconds") is None:
            self.add_error("max_abandon_rate", "Give a patience: only Erlang A models abandonment.")
        return data


class BacklogForm(forms.Form):
    start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MaxValueValidator(limits.LATEST_START)],
    )
    arrivals = forms.CharField(
        label="Arrivals per working day",
        help_text="Whole numbers separated by commas or spaces, one per working day.",
    )
    aht_minutes = _bounded(limits.AHT_MINUTES, label="Minutes per item", initial=25)
    sla_working_days = _bounded(
        limits.SLA_WORKING_DAYS, forms.IntegerField, label="SLA (working days)", initial=2
    )
    productive_hours = _bounded(
        limits.PRODUCTIVE_HOURS, label="Productive hours per agent-day", initial=7.5
    )
    shrinkage = _bounded(
        limits.SHRINKAGE,
        label=f"Shrinkage ({limits.SHRINKAGE.lo:g}-{limits.SHRINKAGE.hi:g})",
        initial=0.15,
    )
    starting_backlog = _bounded(
        limits.ITEMS,
        forms.IntegerField,
        label="Open items at the start",
        initial=0,
        required=False,
    )
    starting_past_due = _bounded(
        limits.ITEMS,
        forms.IntegerField,
        label="...of which already past due",
        initial=0,
        required=False,
    )
    agents = forms.CharField(
        label="Agents per day (optional)",
        required=False,
        help_text="One number for every day, or one per day; empty = the required agents.",
    )
    weekdays_only = forms.BooleanField(label="Weekdays only", required=False, initial=True)

    def clean_arrivals(self):
        values = _numbers(self.cleaned_data["arrivals"], int, limits.ITEMS, "120, 95, 130")
        if not 1 <= len(values) <= limits.HORIZON_DAYS:
            raise forms.ValidationError(f"Give 1 to {limits.HORIZON_DAYS} whole numbers.")
        return values

    def clean_agents(self):
        return _numbers(self.cleaned_data["agents"], float, limits.AGENTS, "5 or 5, 6, 6")

    def clean(self):
        data = super().clean()
        arrivals, agents = data.get("arrivals"), data.get("agents")
        if agents and arrivals:
            if len(agents) == 1:
                agents = agents * len(arrivals)
            if len(agents) != len(arrivals):
                self.add_error("agents", "Give one number, or one per day of arrivals.")
            data["agents_list"] = agents
        past_due = data.get("starting_past_due") or 0
        # Compared only with a valid open count (its own error already says what is wrong).
        if "starting_backlog" in data and past_due > (data["starting_backlog"] or 0):
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
    target_service_level = _bounded(
        limits.SERVICE_LEVEL, label="Service level target (share, up to 1)"
    )
    shrinkage = _bounded(
        limits.SHRINKAGE, label=f"Shrinkage ({limits.SHRINKAGE.lo:g}-{limits.SHRINKAGE.hi:g})"
    )
    productive_hours = _bounded(
        limits.PRODUCTIVE_HOURS, label="Productive hours per agent-day (back office)"
    )
    patience_seconds = _bounded(
        limits.PATIENCE_SECONDS, label="Callers' patience (s, Erlang A, optional)", required=False
    )
    max_abandon_rate = _bounded(
        limits.MAX_ABANDON_RATE, label="Max abandonment (share, optional)", required=False
    )
    target_asa_seconds = _bounded(limits.ASA_SECONDS, label="Max ASA (s, optional)", required=False)
    max_occupancy = _bounded(limits.MAX_OCCUPANCY, label="Max occupancy (optional)", required=False)

    def clean(self):
        data = super().clean()
        if data.get("max_abandon_rate") is not None and data.get("patience_seconds") is None:
            self.add_error("max_abandon_rate", "Give a patience: only Erlang A models abandonment.")
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
    override_volume = _bounded(limits.VOLUME, required=False)


class ForecastOverrideForm(forms.Form):
    interval_start = forms.DateTimeField(widget=forms.HiddenInput)
    volume = _bounded(limits.VOLUME, required=False)
    reason = forms.CharField(max_length=200, required=False)


class ForecastEventForm(forms.Form):
    name = forms.CharField(max_length=120)
    work_type = forms.ModelChoiceField(
        queryset=WorkType.objects.filter(active=True), required=False, empty_label="All types"
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    multiplier = _bounded(limits.EVENT_MULTIPLIER, required=False)
    volume = _bounded(limits.VOLUME, label="Fixed volume per day", required=False)


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
