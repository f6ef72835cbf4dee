"""Forms of time off (My schedule's request form, the decision form)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from .models import TimeOffKind


class TimeOffRequestForm(forms.Form):
    """Whole days from ``first_day`` to ``last_day``; a ``from_time`` starts the first day
    later, an ``until_time`` ends the last day earlier (part days)."""

    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    from_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="From (part day)"
    )
    until_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Until (part day)"
    )
    kind = forms.ChoiceField(choices=TimeOffKind.choices)
    note = forms.CharField(max_length=500, required=False)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", "Must be on or after the first day.")
                return data
            start = datetime.combine(first, data.get("from_time") or datetime.min.time())
            until = data.get("until_time")
            end = (
                datetime.combine(last, until)
                if until
                else datetime.combine(last + timedelta(days=1), datetime.min.time())
            )
            data["start"] = timezone.make_aware(start)
            data["end"] = timezone.make_aware(end)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
