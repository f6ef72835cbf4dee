"""Forms of the training pages. They parse input; the services decide (and their errors
are put back on the form, naming the field)."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from ccops.choices import Office, Role
from ccops.models import User

from . import newhire
from .choices import (
    Comparison,
    Decision,
    HostArea,
    IdeaStatus,
    ModuleKind,
    Period,
    Rating,
    RecognitionKind,
    ScopeKind,
)
from .models import Skill, Tier

DATE = forms.DateInput(attrs={"type": "date"})
OFFICE_OR_BOTH = [("", "Both offices"), *Office.choices]


def agents_qs():
    return (
        User.objects.filter(is_active=True, groups__name=Role.AGENT)
        .select_related("team")
        .order_by("display_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.team})" if obj.team_id else str(obj)


class ServiceErrorsForm(forms.Form):
    """Shows a service's ``{field: [messages]}`` on the form (unknown keys: non-field)."""

    def add_service_errors(self, errors: dict) -> None:
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class AgentSkillForm(ServiceErrorsForm):
    level = forms.TypedChoiceField(
        choices=[(n, f"Level {n}") for n in range(1, 6)], coerce=int, label="Level"
    )
    certified_on = forms.DateField(required=False, widget=DATE, label="Certified on")
    expires_on = forms.DateField(
        required=False, widget=DATE, label="Expires on", help_text="Blank: no expiry."
    )


class TierRequirementForm(ServiceErrorsForm):
    tier = forms.ModelChoiceField(queryset=Tier.objects.order_by("rank"))
    skill = forms.ModelChoiceField(queryset=Skill.objects.order_by("name"))
    min_level = forms.IntegerField(min_value=1, max_value=5, label="Minimum level")


class AssessmentForm(ServiceErrorsForm):
    """One rating and one piece of evidence per competency of the tier, then a decision."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    qa_score = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="QA score (%)"
    )
    supervisor_input = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Supervisor input"
    )

    def __init__(self, *args, competencies, evidence=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        evidence = evidence or {}
        for key, label in competencies:
            slug = key.replace(":", "_")
            self.fields[f"rating_{slug}"] = forms.ChoiceField(
                choices=Rating.choices, label=label, widget=forms.RadioSelect
            )
            self.fields[f"evidence_{slug}"] = forms.CharField(
                required=False,
                label="Evidence",
                initial=evidence.get(key, ""),
                max_length=2000,
            )

    def rows(self):
        for key, label in self.competencies:
            slug = key.replace(":", "_")
            yield {
                "label": label,
                "rating": self[f"rating_{slug}"],
                "evidence": self[f"evidence_{slug}"],
            }

    def ratings(self) -> dict:
        out = {}
        for key, _ in self.competencies:
            slug = key.replace(":", "_")
            out[key] = {
                "rating": self.cleaned_data.get(f"rating_{slug}"),
                "evidence": self.cleaned_data.get(f"evidence_{slug}", ""),
            }
        return out

    def add_service_errors(self, errors: dict) -> None:
        for key, messages in errors.items():
            if key.startswith("ratings."):
                key = "rating_" + key.removeprefix("ratings.").replace(":", "_")
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class ModuleForm(ServiceErrorsForm):
    title = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=ModuleKind.choices)
    office = forms.ChoiceField(choices=OFFICE_OR_BOTH, required=False)
    duration_minutes = forms.IntegerField(min_value=5, max_value=2400, label="Duration (min)")
    pass_mark = forms.IntegerField(min_value=0, max_value=100, initial=80)
    required_for_new_hires = forms.BooleanField(required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EnrollForm(ServiceErrorsForm):
    agent = PersonChoiceField(queryset=User.objects.none())

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents


class ResultForm(ServiceErrorsForm):
    score = forms.DecimalField(min_value=0, max_value=100, decimal_places=2)
    completed_on = forms.DateField(required=False, widget=DATE)


class NewHireQuizForm(ServiceErrorsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for q in newhire.QUESTIONS:
            self.fields[q.key] = forms.ChoiceField(
                choices=q.options, label=q.text, widget=forms.RadioSelect
            )


class ShadowingForm(ServiceErrorsForm):
    participant = PersonChoiceField(queryset=User.objects.none())
    host = PersonChoiceField(queryset=User.objects.none())
    host_area = forms.ChoiceField(choices=HostArea.choices, label="Host area")
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        label="Starts at",
    )
    duration_minutes = forms.IntegerField(
        min_value=15, max_value=480, initial=120, label="Duration (min)"
    )

    def __init__(self, *args, participants, hosts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants
        self.fields["host"].queryset = hosts


class ReflectForm(ServiceErrorsForm):
    reflection = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class PairForm(ServiceErrorsForm):
    agent = PersonChoiceField(queryset=User.objects.none())
    buddy = PersonChoiceField(queryset=User.objects.none())
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, agents, buddies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents
        self.fields["buddy"].queryset = buddies


class RecognitionForm(ServiceErrorsForm):
    agent = PersonChoiceField(queryset=User.objects.none(), label="Who")
    kind = forms.ChoiceField(choices=())
    points = forms.IntegerField(
        min_value=1, max_value=100, required=False, help_text="Peer kudos are always 5 points."
    )
    reason = forms.CharField(max_length=300)

    def __init__(self, *args, agents, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents
        self.fields["kind"].choices = [(k, RecognitionKind(k).label) for k in kinds]


class SchemeForm(ServiceErrorsForm):
    name = forms.CharField(max_length=120)
    kpi = forms.CharField(max_length=40, label="KPI key", help_text="e.g. sla_attainment")
    scope_kind = forms.ChoiceField(choices=ScopeKind.choices, label="Measured per")
    comparison = forms.ChoiceField(choices=Comparison.choices)
    threshold = forms.FloatField(help_text="In the KPI's display unit (95 for 95%).")
    period = forms.ChoiceField(choices=Period.choices, initial=Period.WEEK)
    points = forms.IntegerField(min_value=1, max_value=1000, label="Points per agent")
    office = forms.ChoiceField(choices=OFFICE_OR_BOTH, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class IdeaForm(ServiceErrorsForm):
    title = forms.CharField(max_length=150)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    office = forms.ChoiceField(choices=OFFICE_OR_BOTH, required=False, label="Which office")
    co_authors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, label="Co-authors"
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_authors"].queryset = people


class IdeaMoveForm(ServiceErrorsForm):
    status = forms.ChoiceField(choices=IdeaStatus.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    points = forms.IntegerField(min_value=1, max_value=500, required=False)

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, IdeaStatus(s).label) for s in allowed]

    def add_service_errors(self, errors: dict) -> None:
        errors = {("notes" if k == "reviewer_notes" else k): v for k, v in errors.items()}
        super().add_service_errors(errors)


def local_now_input() -> str:
    """Tomorrow 10:00 local, as a datetime-local input value (a sensible first booking)."""
    return f"{timezone.localtime() + timedelta(days=1):%Y-%m-%dT10:00}"
