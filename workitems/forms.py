"""Forms of the work pages. Action forms carry the item's ``version`` (optimistic concurrency):
a page that is out of date gets "changed by someone else" instead of overwriting a change."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse

from ccops import uploads
from ccops.choices import Office, Role
from ccops.models import Team, User

from .choices import SELF_SET_STATES, PresenceState, Status
from .models import WorkType

OFFICE_CHOICES = [("", "Both offices"), *Office.choices]


def submit(label: str, css_class: str) -> Submit:
    """A submit button with exactly these classes (crispy's Submit always adds btn-primary)."""
    button = Submit("submit", label)
    button.field_classes = f"btn {css_class}"
    return button


# Rendered as a select: load only what its labels need.
AGENT_LABEL_FIELDS = ("id", "username", "display_name", "first_name", "last_name", "team__name")


def agent_choices(*, user=None, team_ids=()):
    """Active agents, for assign selects (one query when rendered).

    A rendered select lists only the agents of the supervisor's teams and of ``team_ids``:
    with 5,000 agents a select of everyone is unusable and slow to render. A posted form is
    validated against every active agent (no ``user``), so cross-team assignment still works.
    """
    qs = User.objects.filter(is_active=True, groups__name=Role.AGENT)
    if user is not None:
        scope = Q(team__in=Team.objects.filter(supervisor=user).values("id"))
        ids = [t for t in (*team_ids, user.team_id) if t is not None]
        if ids:
            scope |= Q(team_id__in=ids)
        qs = qs.filter(scope).only(*AGENT_LABEL_FIELDS)
    return qs.select_related("team").order_by(
        "team__office", "team__name", "display_name", "username"
    )


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.team})" if obj.team_id else str(obj)


# --- Actions on one item ----------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of every action on an item: posts to ``item_action`` with the item's version."""

    action = ""
    submit_label = ""
    submit_class = "btn-primary"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item=None, next_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item is not None and not self.is_bound:
            self.initial.setdefault("version", item.version)
            self.initial.setdefault("next", next_url)
        self.helper = FormHelper(self)
        self.helper.form_class = f"action-form action-{self.action}"
        self.helper.attrs = {"data-testid": f"form-{self.action}"}
        if item is not None:
            self.helper.form_action = reverse(
                "workitems:item_action", kwargs={"pk": item.pk, "action": self.action}
            )
        self.helper.add_input(submit(self.submit_label, f"{self.submit_class} btn-sm"))


def _note(label, required=False, rows=2, placeholder=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": rows, "placeholder": placeholder}),
    )


class StartForm(ActionForm):
    action = "start"
    submit_label = "Start"


class CompleteForm(ActionForm):
    action = "complete"
    submit_label = "Mark done"
    submit_class = "btn-success"
    note = _note("Note (optional)", placeholder="What was done")


class PendForm(ActionForm):
    action = "pend"
    submit_label = "Pause"
    submit_class = "btn-outline-secondary"
    note = _note("Waiting for", required=True, placeholder="e.g. documents from the customer")


class HandoffForm(ActionForm):
    action = "handoff"
    submit_label = "Hand off"
    submit_class = "btn-outline-primary"
    work_type = forms.ModelChoiceField(
        label="Back-office work type",
        queryset=WorkType.objects.filter(office=Office.BACK, active=True).order_by("name"),
    )
    note = _note("What the back office needs to know", placeholder="Case summary")


class EscalateForm(ActionForm):
    action = "escalate"
    submit_label = "Escalate to buddy"
    submit_class = "btn-outline-danger"
    note = _note("Note (optional)", placeholder="Why it is urgent")


class CommentForm(ActionForm):
    action = "comment"
    submit_label = "Add comment"
    submit_class = "btn-outline-secondary"
    note = _note("Comment", required=True)


class ReopenForm(ActionForm):
    action = "reopen"
    submit_label = "Reopen"
    submit_class = "btn-outline-warning"
    note = _note("Why it is reopened (optional)")


class AssignForm(ActionForm):
    action = "assign"
    submit_label = "Assign"
    agent = AgentChoiceField(queryset=User.objects.none(), label="Agent")
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or user is None:
            self.fields["agent"].queryset = agent_choices()
        else:
            team_ids = [self.item.team_id] if self.item is not None else []
            self.fields["agent"].queryset = agent_choices(user=user, team_ids=team_ids)


class MergeForm(ActionForm):
    action = "merge"
    submit_label = "Merge into the original"
    submit_class = "btn-outline-danger"


ACTION_FORMS = {
    cls.action: cls
    for cls in (
        StartForm,
        CompleteForm,
        PendForm,
        HandoffForm,
        EscalateForm,
        CommentForm,
        ReopenForm,
        AssignForm,
        MergeForm,
    )
}


# --- My work ------------------------------------------------------------------------------


class PresenceForm(forms.Form):
    state = forms.ChoiceField(
        label="My state",
        choices=[(s.value, s.label) for s in SELF_SET_STATES],
        widget=forms.Select(attrs={"data-autosubmit": "1", "aria-label": "My state"}),
    )

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current is not None:
            if current in SELF_SET_STATES:
                self.initial["state"] = current
            else:
                # Set by work (on a contact, casework): offer a change, do not pretend.
                field = self.fields["state"]
                field.choices = [("", "Change state…"), *field.choices]
        self.helper = FormHelper(self)
        self.helper.form_action = reverse("workitems:presence_set")
        self.helper.form_class = "d-flex gap-2 align-items-end"
        self.helper.attrs = {"data-testid": "presence-form"}
        self.helper.field_class = "mb-0"
        self.helper.form_show_labels = False
        self.helper.add_input(submit("Set", "btn-outline-primary"))


# --- Supervisor queue ---------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters. Rendered by ``workitems/queue.html`` without crispy (the queue is
    the busiest supervisor page and crispy's field templates were a quarter of its CPU)."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("office", "name").only("id", "name"),
        required=False,
        empty_label="All teams",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    work_type = forms.ModelChoiceField(
        queryset=WorkType.objects.order_by("office", "name").only("id", "name"),
        required=False,
        empty_label="All work types",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        choices=[("", "Open (any)")] + list(Status.choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    office = forms.ChoiceField(
        choices=OFFICE_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    past_due = forms.BooleanField(
        label="Past due only",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    COLUMNS = (
        ("team", "col-6 col-md-2"),
        ("work_type", "col-6 col-md-2"),
        ("status", "col-6 col-md-2"),
        ("office", "col-6 col-md-2"),
        ("q", "col-6 col-md-2"),
        ("past_due", "col-6 col-md-2 pt-4"),
    )

    def columns(self):
        """``(bound field, column classes)`` in the page's order."""
        return [(self[name], css) for name, css in self.COLUMNS]

    def filters(self) -> dict:
        """Keyword arguments for ``selectors.queue_queryset`` (bad values are ignored)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "team": data.get("team"),
            "work_type": data.get("work_type"),
            "status": data.get("status") or None,
            "office": data.get("office") or None,
            "past_due": bool(data.get("past_due")),
            "q": data.get("q") or None,
        }


class ItemVersionsField(forms.Field):
    """Checked rows of the queue, each ``"<id>:<version>"``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        out = []
        for raw in value or []:
            pk, _, version = str(raw).partition(":")
            if not (pk.isdigit() and version.isdigit()):
                raise forms.ValidationError(f"Bad item reference {raw!r}.")
            out.append((int(pk), int(version)))
        return out

    def validate(self, value):
        super().validate(value)
        if len(value) > 500:
            raise forms.ValidationError("Assign at most 500 items at a time.")


class BulkAssignForm(forms.Form):
    """Assign the ticked rows of the queue (rendered by ``workitems/queue.html``)."""

    items = ItemVersionsField(error_messages={"required": "Tick the items to assign."})
    agent = AgentChoiceField(
        queryset=User.objects.none(),
        label="Assign ticked items to",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or user is None:
            self.fields["agent"].queryset = agent_choices()
        elif team is not None:
            agents = agent_choices().filter(team=team).only(*AGENT_LABEL_FIELDS)
            self.fields["agent"].queryset = agents
        else:
            self.fields["agent"].queryset = agent_choices(user=user)


class PresenceFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("office", "name"), required=False, empty_label="All teams"
    )
    office = forms.ChoiceField(choices=OFFICE_CHOICES, required=False)
    state = forms.ChoiceField(
        choices=[("", "Any state")] + list(PresenceState.choices), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("team", css_class="col-6 col-md-3"),
                Column("office", css_class="col-6 col-md-3"),
                Column("state", css_class="col-6 col-md-3"),
            )
        )
        self.helper.add_input(submit("Filter", "btn-secondary btn-sm"))


# --- Import -------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", validators=[uploads.CsvUploadValidator()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"UTF-8 CSV with the template's columns; at most "
            f"{uploads.human_size(uploads.csv_max_bytes())} and "
            f"{uploads.csv_max_rows():,} rows."
        )
        self.helper = FormHelper(self)
        self.helper.attrs = {"data-testid": "import-form"}
        self.helper.add_input(submit("Import", "btn-primary"))
