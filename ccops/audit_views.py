"""The admins' audit trail export: a date range in, a CSV of who changed what and when out
(every django-simple-history record and every registered source, see ``audit.trail``),
written by the neutralising writer of ``exports`` (goal names, reasons: typed text)."""

from datetime import datetime, time, timedelta

from crispy_forms.bootstrap import FormActions, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.views.generic import TemplateView

from . import audit, exports
from .choices import Role
from .permissions import RoleRequiredMixin

MAX_DAYS = 366


class AuditExportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.attrs = {"data-testid": "audit-export-form"}
        # Two buttons, one GET: ``format=xlsx`` from the second makes it a spreadsheet.
        self.helper.layout = Layout(
            "start",
            "end",
            FormActions(
                Submit("download", "Download CSV"),
                StrictButton(
                    "Download Excel",
                    type="submit",
                    name=exports.FORMAT_PARAM,
                    value=exports.XLSX,
                    css_class="btn-outline-primary",
                    data_testid="download-xlsx",
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", f"At most {MAX_DAYS} days per export: split the period.")
        return data

    def bounds(self) -> tuple[datetime, datetime]:
        """``[start 00:00, the day after end 00:00)`` in the site's time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.cleaned_data["start"], time.min, tzinfo=tz)
        end = datetime.combine(self.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=tz)
        return start, end


class AuditExportView(RoleRequiredMixin, TemplateView):
    """Admins only (403 for every other role). A GET with a valid range downloads the CSV,
    streamed oldest first; without one (or with a bad one) the page shows the form."""

    required_roles = (Role.ADMIN,)
    template_name = "ccops/audit_export.html"

    def get(self, request, *args, **kwargs):
        if "start" not in request.GET:
            today = timezone.localdate()
            form = AuditExportForm(initial={"start": today - timedelta(days=30), "end": today})
            return self.render_to_response(self.get_context_data(form=form))
        form = AuditExportForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        start, end = form.bounds()
        rows = (audit.trail_cells(row) for row in audit.trail(start, end))
        name = f"audit-trail-{form.cleaned_data['start']:%Y%m%d}-{form.cleaned_data['end']:%Y%m%d}"
        return exports.table_response(request, audit.TRAIL_HEADER, rows, name, title="Audit trail")
