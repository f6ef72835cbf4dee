"""Calibration sessions: create, score blind, reveal, compare."""

from collections import defaultdict

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin
from workitems.models import WorkItem

from .. import selectors, services
from ..choices import CalibrationStatus
from ..errors import QualityError
from ..forms import CalibrationScoreForm, CalibrationSessionForm
from ..models import CalibrationScore, CalibrationSession
from ..services.common import is_qa
from .common import REVIEWERS, apply_errors, report_error


class CalibrationListView(RoleRequiredMixin, ListView):
    required_roles = REVIEWERS
    template_name = "quality/calibration_list.html"
    paginate_by = 25

    def get_queryset(self):
        return selectors.calibration_sessions_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = is_qa(self.request.user)
        return context


class CalibrationCreateView(RoleRequiredMixin, View):
    required_roles = (Role.QA,)
    template_name = "quality/calibration_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CalibrationSessionForm()})

    def post(self, request):
        form = CalibrationSessionForm(request.POST)
        if form.is_valid():
            ids = form.cleaned_data["item_ids"]
            items = list(WorkItem.objects.filter(pk__in=ids))
            missing = sorted(set(ids) - {i.pk for i in items})
            if missing:
                form.add_error("item_ids", f"There is no item #{missing[0]}.")
            else:
                try:
                    session = services.calibration_session_create(
                        by=request.user,
                        title=form.cleaned_data["title"],
                        scorecard=form.cleaned_data["scorecard"],
                        items=items,
                        participants=form.cleaned_data["participants"],
                        reference_evaluator=form.cleaned_data["reference_evaluator"],
                        notes=form.cleaned_data["notes"],
                    )
                except QualityError as exc:
                    if "items" in exc.errors:
                        exc.errors["item_ids"] = exc.errors.pop("items")
                    if not apply_errors(form, exc):
                        report_error(request, exc)
                else:
                    messages.success(request, "Calibration session opened.")
                    return redirect("quality:calibration_detail", pk=session.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class CalibrationDetailView(RoleRequiredMixin, View):
    """Open: each participant scores the items blind (``?item=`` opens the form).
    Revealed: every score, against the group mean and the reference, and the agreement."""

    required_roles = REVIEWERS
    template_name = "quality/calibration_detail.html"

    def get_session(self, pk):
        session = get_object_or_404(
            CalibrationSession.objects.select_related("scorecard", "reference_evaluator"), pk=pk
        )
        self.is_participant = session.participants.filter(pk=self.request.user.pk).exists()
        if not (self.is_participant or is_qa(self.request.user)):
            raise Http404
        return session

    def context(self, session, form=None, item=None):
        user = self.request.user
        items = list(session.items.order_by("id").select_related("work_type", "assignee"))
        scores = list(
            CalibrationScore.objects.filter(session=session).order_by("evaluator_id", "item_id")
        )
        participants = list(session.participants.order_by("username"))
        ctx = {
            "session": session,
            "items": items,
            "participants": participants,
            "is_participant": self.is_participant,
            "can_reveal": is_qa(user) and session.status == CalibrationStatus.OPEN,
            "form": form,
            "form_item": item,
        }
        if session.status == CalibrationStatus.OPEN:
            mine = {s.item_id: s for s in scores if s.evaluator_id == user.pk}
            scored_by = defaultdict(int)
            for s in scores:
                scored_by[s.item_id] += 1
            ctx["item_rows"] = [
                {"item": i, "mine": mine.get(i.pk), "scored_by": scored_by[i.pk]} for i in items
            ]
            return ctx
        report = services.calibration_report(session, scores)
        names = {u.pk: u for u in participants}
        matrix = defaultdict(dict)
        for s in scores:
            matrix[s.item_id][s.evaluator_id] = s.score
        evaluator_ids = [
            u.pk for u in participants if u.pk in (report.evaluators if report else {})
        ]
        ctx.update(
            report=report,
            evaluator_rows=[
                {"user": names[e], "stats": report.evaluators[e]} for e in evaluator_ids
            ]
            if report
            else [],
            score_rows=[
                {
                    "item": i,
                    "scores": [matrix[i.pk].get(e) for e in evaluator_ids],
                    "mean": report.item_mean_score.get(i.pk) if report else None,
                    "std": report.item_score_std.get(i.pk) if report else None,
                }
                for i in items
            ],
            score_headers=[names[e] for e in evaluator_ids],
        )
        return ctx

    def get(self, request, pk):
        session = self.get_session(pk)
        form = item = None
        item_id = request.GET.get("item")
        if item_id and session.status == CalibrationStatus.OPEN and self.is_participant:
            item = session.items.filter(pk=item_id if item_id.isdigit() else 0).first()
            if item is None:
                raise Http404
            mine = CalibrationScore.objects.filter(
                session=session, item=item, evaluator=request.user
            ).first()
            form = CalibrationScoreForm(
                criteria=services.scorecard_criteria(session.scorecard),
                answers=mine.answers if mine else None,
            )
        return render(request, self.template_name, self.context(session, form, item))

    def post(self, request, pk):
        session = self.get_session(pk)
        if request.POST.get("action") == "reveal":
            try:
                services.calibration_session_reveal(session=session, by=request.user)
                messages.success(request, "Scores revealed.")
            except QualityError as exc:
                report_error(request, exc)
            return redirect("quality:calibration_detail", pk=pk)
        item = session.items.filter(pk=request.POST.get("item") or 0).first()
        if item is None:
            raise Http404
        form = CalibrationScoreForm(
            request.POST, criteria=services.scorecard_criteria(session.scorecard)
        )
        if form.is_valid():
            try:
                score = services.calibration_score_submit(
                    session=session, by=request.user, item=item, answers=form.answers()
                )
            except QualityError as exc:
                if not apply_errors(form, exc):
                    report_error(request, exc)
                    return redirect("quality:calibration_detail", pk=pk)
            else:
                messages.success(request, f"Your score for item #{item.pk}: {score.score}%.")
                return redirect("quality:calibration_detail", pk=pk)
        return render(request, self.template_name, self.context(session, form, item), status=400)
