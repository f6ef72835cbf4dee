"""Forms of the quality pages. Content rules live in the services; these forms shape input
and show the services' errors next to the right field."""

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.db.models import Q

from ccops.choices import Office, Role
from ccops.models import User

from . import scoring
from .choices import CriterionKind, Resolution, TipKind
from .models import CoachingTip, Evaluation, Scorecard
from .services import MAX_ITEMS_PER_SESSION, MAX_PER_AGENT, week_start_of


def answer_field_name(key: str) -> str:
    return f"answer_{key}"


def comment_field_name(key: str) -> str:
    return f"comment_{key}"


class AnswersFormMixin:
    """Adds a radio answer (and optionally a comment) per criterion, grouped by section,
    with the data attributes ``static/quality/live_score.js`` reads to score live."""

    with_comments = True

    def add_answer_fields(self, criteria, answers=None, comments=None):
        answers = answers or {}
        comments = comments or {}
        self.criteria = list(criteria)
        sections: dict[str, list] = {}
        for c in self.criteria:
            if c.kind == CriterionKind.SCALE:
                choices = [(str(i), str(i)) for i in range(c.scale_max + 1)]
            else:
                choices = [(scoring.YES, "Yes"), (scoring.NO, "No")]
            if c.na_allowed:
                choices.append((scoring.NA, "N/A"))
            attrs = {
                "data-criterion": c.key,
                "data-weight": str(c.weight),
                "data-kind": c.kind,
                "data-scale-max": str(c.scale_max),
                "data-critical": "1" if c.critical else "0",
                "data-required": "1" if c.required else "0",
            }
            label = f"{c.text}{' (critical)' if c.critical else ''}"
            name = answer_field_name(c.key)
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.RadioSelect(attrs=attrs),
                help_text=c.guidance,
                initial=None if answers.get(c.key) is None else str(answers[c.key]),
            )
            names = [InlineRadios(name)]
            if self.with_comments:
                comment = comment_field_name(c.key)
                self.fields[comment] = forms.CharField(
                    label="Comment",
                    required=False,
                    max_length=2000,
                    initial=comments.get(c.key, ""),
                    widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"}),
                )
                names.append(comment)
            sections.setdefault(c.section.title, []).append(
                Div(*names, css_class="border-bottom pb-2 mb-2", data_testid=f"criterion-{c.key}")
            )
        return [Fieldset(title, *rows) for title, rows in sections.items()]

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            c.key: data.get(answer_field_name(c.key)) or None
            for c in self.criteria
            if data.get(answer_field_name(c.key))
        }

    def comments(self) -> dict:
        return {
            c.key: self.cleaned_data.get(comment_field_name(c.key), "")
            for c in self.criteria
            if self.cleaned_data.get(comment_field_name(c.key))
        }

    def add_service_errors(self, errors: dict) -> None:
        """Put ``answers.<key>`` / ``comments.<key>`` errors on their fields."""
        for key, messages in errors.items():
            head, _, criterion = key.partition(".")
            field = None
            if head == "answers" and criterion:
                field = answer_field_name(criterion)
            elif head == "comments" and criterion:
                field = comment_field_name(criterion)
            elif key in self.fields:
                field = key
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


def _helper(layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = layout
    return helper


class EvaluationForm(AnswersFormMixin, forms.Form):
    """The evaluation form: answers and comments per criterion, overall comment."""

    overall_comment = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, evaluation: Evaluation, criteria, **kwargs):
        kwargs.setdefault(
            "initial",
            {"overall_comment": evaluation.overall_comment, "version": evaluation.version},
        )
        super().__init__(*args, **kwargs)
        sections = self.add_answer_fields(criteria, evaluation.answers, evaluation.comments)
        self.helper = _helper(Layout(*sections, "overall_comment", "version"))


class ResolveForm(AnswersFormMixin, forms.Form):
    """Resolve a dispute: uphold, or re-score with new answers."""

    with_comments = False
    outcome = forms.ChoiceField(choices=Resolution.choices, widget=forms.RadioSelect)
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, evaluation: Evaluation, criteria, **kwargs):
        kwargs.setdefault("initial", {"version": evaluation.version})
        super().__init__(*args, **kwargs)
        sections = self.add_answer_fields(criteria, evaluation.answers)
        self.helper = _helper(
            Layout(
                InlineRadios("outcome"),
                "reason",
                HTML('<p class="text-muted small">Answers (used when re-scoring):</p>'),
                *sections,
                "version",
            )
        )


class CalibrationScoreForm(AnswersFormMixin, forms.Form):
    with_comments = False

    def __init__(self, *args, criteria, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Layout(*self.add_answer_fields(criteria, answers)))


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Optional"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DisputeForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartEvaluationForm(forms.Form):
    item = forms.IntegerField(label="Item number", min_value=1)


class SampleForm(forms.Form):
    week_start = forms.DateField(
        label="Week starting (Monday)", widget=forms.DateInput(attrs={"type": "date"})
    )
    per_agent = forms.IntegerField(
        label="Items per agent", min_value=0, max_value=MAX_PER_AGENT, initial=3
    )

    def clean_week_start(self):
        day = self.cleaned_data["week_start"]
        if day != week_start_of(day):
            raise forms.ValidationError("Choose a Monday.")
        return day


class EvaluationFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status")])
    office = forms.ChoiceField(required=False, choices=[("", "Both offices"), *Office.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .choices import EvaluationStatus

        self.fields["status"].choices = [("", "Any status"), *EvaluationStatus.choices]


def reviewers():
    return User.objects.filter(
        Q(groups__name__in=[Role.QA, Role.SUPERVISOR]), is_active=True
    ).distinct()


class ItemsField(forms.ModelMultipleChoiceField):
    """Item ids from the picker; ids the database cannot hold are refused before any
    lookup (``pk=10**30`` would overflow the driver: a 500, not a form error)."""

    def clean(self, value):
        from ccops.api.fields import BIGINT

        for pk in value or ():
            text = str(pk).strip()
            if not text.isdigit() or not 0 < int(text) <= BIGINT:
                raise forms.ValidationError(f"“{pk}” is not an item number.", code="invalid_pk")
        return super().clean(value)


class ItemPickerWidget(forms.MultipleHiddenInput):
    """The items are chosen in the picker (``quality/_calibration_picker.html``, a
    searchable, paginated list of eligible items loaded with htmx); the page renders it."""


class CalibrationSessionForm(forms.Form):
    title = forms.CharField(max_length=150)
    scorecard = forms.ModelChoiceField(queryset=Scorecard.objects.filter(is_current=True))
    items = ItemsField(
        queryset=None,
        widget=ItemPickerWidget,
        help_text="Completed items of a work type the scorecard applies to.",
        error_messages={
            "required": "Choose at least one item to calibrate on.",
            "invalid_choice": "Item #%(value)s is not a completed item.",
            "invalid_pk_value": "“%(pk)s” is not an item number.",
        },
    )
    participants = forms.ModelMultipleChoiceField(
        queryset=reviewers(), widget=forms.CheckboxSelectMultiple
    )
    reference_evaluator = forms.ModelChoiceField(queryset=reviewers(), required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from workitems.choices import Status as ItemStatus
        from workitems.models import WorkItem

        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = WorkItem.objects.filter(
            status=ItemStatus.DONE
        ).select_related("work_type")
        self.fields["participants"].queryset = reviewers().order_by("username")
        self.fields["reference_evaluator"].queryset = reviewers().order_by("username")
        self.fields["scorecard"].widget.attrs["data-testid"] = "scorecard-select"

    def clean_items(self):
        items = list(self.cleaned_data["items"])
        if len(items) > MAX_ITEMS_PER_SESSION:
            raise forms.ValidationError(f"At most {MAX_ITEMS_PER_SESSION} items.")
        return items


class RevealForm(forms.Form):
    """Reveal a session; before every evaluator has scored only with ``override`` and a
    reason (recorded)."""

    override = forms.BooleanField(required=False, label="Reveal before everyone has scored")
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why now?"})
    )


class CoachingTipForm(forms.Form):
    title = forms.CharField(max_length=150)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(choices=TipKind.choices)
    office = forms.ChoiceField(required=False, choices=[("", "Both offices"), *Office.choices])
    criterion_keys = forms.CharField(
        required=False, help_text="Criterion keys this tip helps with, separated by commas."
    )

    def clean_criterion_keys(self):
        return [k.strip() for k in self.cleaned_data["criterion_keys"].split(",") if k.strip()]


class CoachingSessionForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none())
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    agreed_actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    evaluations = forms.ModelMultipleChoiceField(
        queryset=Evaluation.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tips = forms.ModelMultipleChoiceField(
        queryset=CoachingTip.objects.filter(active=True).order_by("title"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, agents, evaluations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents
        self.fields["evaluations"].queryset = evaluations
        self.fields["evaluations"].label_from_instance = lambda e: (
            f"#{e.pk} · {e.item.title} · {e.score}%"
        )


class ScorecardForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    office = forms.ChoiceField(required=False, choices=[("", "Both offices"), *Office.choices])
    work_types = forms.ModelMultipleChoiceField(queryset=None, required=False)
    pass_mark = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        from workitems.models import WorkType

        super().__init__(*args, **kwargs)
        self.fields["work_types"].queryset = WorkType.objects.order_by("office", "name")


class CriterionRowForm(forms.Form):
    section = forms.CharField(max_length=100)
    key = forms.SlugField(max_length=50)
    text = forms.CharField(max_length=300)
    guidance = forms.CharField(required=False, widget=forms.TextInput)
    weight = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    kind = forms.ChoiceField(choices=CriterionKind.choices, initial=CriterionKind.YES_NO)
    scale_max = forms.IntegerField(required=False, min_value=0, max_value=100)
    critical = forms.BooleanField(required=False)
    na_allowed = forms.BooleanField(required=False)
    required = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.BooleanField):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
            field.widget.attrs["aria-label"] = name.replace("_", " ")


CriterionFormSet = forms.formset_factory(CriterionRowForm, extra=3, can_delete=True)
