"""Evaluator queue, evaluation form, detail, agent actions, dispute resolution, list."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin
from workitems.models import WorkItem

from .. import scoring, selectors, services
from ..choices import EvaluationStatus
from ..errors import QualityError
from ..forms import (
    AcknowledgeForm,
    DisputeForm,
    EvaluationFilterForm,
    EvaluationForm,
    ResolveForm,
    SampleForm,
    StartEvaluationForm,
)
from ..models import Evaluation, EvaluationEvent, SampleRun
from ..services.common import is_qa
from .common import REVIEWERS, apply_errors, query_string, report_error


class QueueView(RoleRequiredMixin, ListView):
    """The drafts waiting for the signed-in evaluator, plus start-one and sample buttons."""

    required_roles = REVIEWERS
    template_name = "quality/queue.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.evaluator_queue(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["start_form"] = StartEvaluationForm()
        if is_qa(self.request.user):
            context["sample_form"] = SampleForm(
                initial={
                    "week_start": services.previous_week_start(),
                    "per_agent": services.default_per_agent(),
                }
            )
            context["sample_runs"] = list(SampleRun.objects.select_related("last_run_by")[:3])
        return context


class SampleDrawView(RoleRequiredMixin, View):
    required_roles = (Role.QA,)

    def post(self, request):
        form = SampleForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
            return redirect("quality:queue")
        try:
            outcome = services.sample_draw(
                week_start=form.cleaned_data["week_start"],
                per_agent=form.cleaned_data["per_agent"],
                by=request.user,
            )
        except QualityError as exc:
            report_error(request, exc)
        else:
            messages.success(
                request,
                f"Sample of the week of {form.cleaned_data['week_start']:%d %b %Y}: "
                f"{outcome.count} item(s) drawn into evaluators' queues.",
            )
        return redirect("quality:queue")


class EvaluationStartView(RoleRequiredMixin, View):
    """Start evaluating an item chosen by number."""

    required_roles = REVIEWERS

    def post(self, request):
        form = StartEvaluationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give the number of a completed item.")
            return redirect("quality:queue")
        item = WorkItem.objects.filter(pk=form.cleaned_data["item"]).first()
        if item is None:
            messages.error(request, f"There is no item #{form.cleaned_data['item']}.")
            return redirect("quality:queue")
        try:
            evaluation = services.evaluation_create(item=item, evaluator=request.user)
        except QualityError as exc:
            report_error(request, exc)
            return redirect("quality:queue")
        return redirect("quality:evaluation_edit", pk=evaluation.pk)


class EvaluationFormView(LoginRequiredMixin, View):
    """The evaluator fills in a draft: save it (server score shown) or submit it."""

    template_name = "quality/evaluation_form.html"

    def get_evaluation(self, pk):
        return get_object_or_404(
            Evaluation.objects.select_related("item", "agent", "work_type", "scorecard"),
            pk=pk,
            evaluator=self.request.user,
        )

    def render_form(self, evaluation, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"evaluation": evaluation, "form": form},
            status=status,
        )

    def get(self, request, pk):
        evaluation = self.get_evaluation(pk)
        if not evaluation.is_draft:
            return redirect("quality:evaluation_detail", pk=pk)
        criteria = services.scorecard_criteria(evaluation.scorecard)
        return self.render_form(
            evaluation, EvaluationForm(evaluation=evaluation, criteria=criteria)
        )

    def post(self, request, pk):
        evaluation = self.get_evaluation(pk)
        if not evaluation.is_draft:
            messages.error(request, "This evaluation has been submitted already.")
            return redirect("quality:evaluation_detail", pk=pk)
        criteria = services.scorecard_criteria(evaluation.scorecard)
        form = EvaluationForm(request.POST, evaluation=evaluation, criteria=criteria)
        if not form.is_valid():
            return self.render_form(evaluation, form, status=400)
        submit = request.POST.get("action") == "submit"
        service = services.evaluation_submit if submit else services.evaluation_save
        try:
            saved = service(
                evaluation=evaluation,
                by=request.user,
                answers=form.answers(),
                comments=form.comments(),
                overall_comment=form.cleaned_data["overall_comment"],
                expected_version=form.cleaned_data["version"],
            )
        except QualityError as exc:
            if apply_errors(form, exc):
                return self.render_form(evaluation, form, status=400)
            report_error(request, exc)
            return redirect("quality:evaluation_edit", pk=pk)
        if submit:
            messages.success(request, f"Evaluation submitted: {saved.score}%.")
            return redirect("quality:evaluation_detail", pk=pk)
        score = "no score yet" if saved.score is None else f"score so far {saved.score}%"
        messages.success(request, f"Draft saved ({score}).")
        return redirect("quality:evaluation_edit", pk=pk)


def criterion_rows(evaluation, criteria) -> list[dict]:
    return [
        {
            "criterion": c,
            "answer": evaluation.answers.get(c.key),
            "points": evaluation.points.get(c.key),
            "comment": evaluation.comments.get(c.key, ""),
            "missed": c.key in (evaluation.failed_criteria or []),
        }
        for c in criteria
    ]


class EvaluationDetailView(LoginRequiredMixin, DetailView):
    """One evaluation: answers, sections, history, tips for what was missed, and the
    actions the viewer may take. Out of scope: 404."""

    template_name = "quality/evaluation_detail.html"
    context_object_name = "evaluation"

    def get_queryset(self):
        events = EvaluationEvent.objects.select_related("actor").order_by("at", "id")
        return selectors.evaluation_detail_queryset(self.request.user).prefetch_related(
            Prefetch("events", queryset=events)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = self.object
        user = self.request.user
        criteria = services.scorecard_criteria(evaluation.scorecard)
        context["rows"] = criterion_rows(evaluation, criteria)
        sections = {}
        if evaluation.score is not None:
            try:
                result = scoring.score(
                    services.criterion_specs(criteria),
                    evaluation.answers,
                    evaluation.scorecard.pass_mark,
                )
                sections = result.sections
            except (scoring.ScoringError, ValueError):
                sections = {}  # a draft that cannot be scored in full yet
        context["sections"] = sections
        context["tips"] = selectors.tips_for(evaluation)
        is_agent = evaluation.agent_id == user.pk
        status = evaluation.status
        context["can_edit"] = evaluation.evaluator_id == user.pk and evaluation.is_draft
        context["can_respond"] = is_agent and status == EvaluationStatus.SUBMITTED
        reviewer = not is_agent and (
            is_qa(user) or (evaluation.team and evaluation.team.supervisor_id == user.pk)
        )
        context["can_resolve"] = reviewer and status == EvaluationStatus.DISPUTED
        context["can_coach"] = reviewer and evaluation.score is not None
        if context["can_respond"]:
            initial = {"version": evaluation.version}
            context["ack_form"] = AcknowledgeForm(initial=initial)
            context["dispute_form"] = DisputeForm(initial=initial)
        return context


class EvaluationRespondView(LoginRequiredMixin, View):
    """The agent acknowledges or disputes (POST only)."""

    def post(self, request, pk, action):
        evaluation = get_object_or_404(Evaluation.objects.visible_to(request.user), pk=pk)
        form_class = AcknowledgeForm if action == "acknowledge" else DisputeForm
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                "Say why you dispute this evaluation."
                if "reason" in form.errors
                else "The form was incomplete; reload the page and try again.",
            )
            return redirect("quality:evaluation_detail", pk=pk)
        try:
            if action == "acknowledge":
                services.evaluation_acknowledge(
                    evaluation=evaluation,
                    by=request.user,
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, "Evaluation acknowledged.")
            else:
                services.evaluation_dispute(
                    evaluation=evaluation,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, "Dispute sent to QA and your supervisor.")
        except QualityError as exc:
            report_error(request, exc)
        return redirect("quality:evaluation_detail", pk=pk)


class EvaluationResolveView(RoleRequiredMixin, View):
    """QA or the agent's supervisor resolves a dispute: upheld or re-scored."""

    required_roles = REVIEWERS
    template_name = "quality/evaluation_resolve.html"

    def setup_objects(self, pk):
        evaluation = get_object_or_404(
            selectors.evaluation_detail_queryset(self.request.user), pk=pk
        )
        return evaluation, services.scorecard_criteria(evaluation.scorecard)

    def get(self, request, pk):
        evaluation, criteria = self.setup_objects(pk)
        if evaluation.status != EvaluationStatus.DISPUTED:
            messages.info(request, "This evaluation is not disputed.")
            return redirect("quality:evaluation_detail", pk=pk)
        form = ResolveForm(evaluation=evaluation, criteria=criteria)
        return render(request, self.template_name, {"evaluation": evaluation, "form": form})

    def post(self, request, pk):
        evaluation, criteria = self.setup_objects(pk)
        form = ResolveForm(request.POST, evaluation=evaluation, criteria=criteria)
        if form.is_valid():
            rescore = form.cleaned_data["outcome"] == "rescored"
            try:
                services.evaluation_resolve(
                    evaluation=evaluation,
                    by=request.user,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    answers=form.answers() if rescore else None,
                    expected_version=form.cleaned_data["version"],
                )
            except QualityError as exc:
                if not apply_errors(form, exc):
                    report_error(request, exc)
                    return redirect("quality:evaluation_detail", pk=pk)
            else:
                messages.success(request, "Dispute resolved.")
                return redirect("quality:evaluation_detail", pk=pk)
        context = {"evaluation": evaluation, "form": form}
        return render(request, self.template_name, context, status=400)


class EvaluationListView(RoleRequiredMixin, ListView):
    """Evaluations in the viewer's scope; ``?status=disputed`` is the dispute worklist."""

    required_roles = REVIEWERS
    template_name = "quality/evaluation_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = EvaluationFilterForm(self.request.GET or None)
        qs = selectors.evaluations_for(self.request.user)
        if self.filter_form.is_valid():
            for field in ("status", "office"):
                if self.filter_form.cleaned_data[field]:
                    qs = qs.filter(**{field: self.filter_form.cleaned_data[field]})
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["query_string"] = query_string(self.request)
        context["disputes_url"] = reverse("quality:evaluation_list") + "?status=disputed"
        return context
