"""Calibration sessions: create, score blind, reveal, compare."""

from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from ccops.api.fields import BIGINT
from ccops.choices import Role
from ccops.permissions import RoleRequiredMixin

from .. import selectors, services
from ..choices import CalibrationStatus
from ..errors import QualityError
from ..forms import CalibrationScoreForm, CalibrationSessionForm, RevealForm
from ..models import CalibrationScore, CalibrationSession, Scorecard
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


PICKER_PAGE_SIZE = 10


def as_id(value) -> int | None:
    """A row id from query text, or None (never an int the database cannot hold)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= BIGINT else None


def picker_context(scorecard_id, selected_ids, search: str = "", page: str | int = 1) -> dict:
    """The calibration item picker: the chosen items (kept across searches and pages) and
    one page of the other eligible items of the scorecard's work types."""
    scorecard = None
    if as_id(scorecard_id):
        scorecard = Scorecard.objects.filter(pk=as_id(scorecard_id), is_current=True).first()
    ids = [as_id(i) for i in selected_ids if as_id(i)][: services.MAX_ITEMS_PER_SESSION]
    eligible = selectors.calibration_eligible_items(scorecard)
    selected = list(eligible.filter(pk__in=ids)) if ids else []
    others = selectors.calibration_eligible_items(scorecard, search=search).exclude(pk__in=ids)
    page_obj = Paginator(others, PICKER_PAGE_SIZE).get_page(page)
    return {
        "picker_scorecard": scorecard,
        "picker_selected": selected,
        "picker_page": page_obj,
        "picker_search": search,
    }


class CalibrationItemPickerView(RoleRequiredMixin, View):
    """The picker's list (htmx): ``?scorecard=&q=&page=`` and the chosen ``items``."""

    required_roles = (Role.QA,)

    def get(self, request):
        ctx = picker_context(
            request.GET.get("scorecard"),
            request.GET.getlist("items"),
            request.GET.get("q", "")[:100],
            request.GET.get("page", 1),
        )
        return render(request, "quality/_calibration_picker.html", ctx)


class CalibrationCreateView(RoleRequiredMixin, View):
    required_roles = (Role.QA,)
    template_name = "quality/calibration_form.html"

    def page(self, request, form, status=200):
        data = form.data if form.is_bound else {}
        selected = data.getlist("items") if hasattr(data, "getlist") else []
        ctx = {"form": form, **picker_context(data.get("scorecard"), selected)}
        return render(request, self.template_name, ctx, status=status)

    def get(self, request):
        return self.page(request, CalibrationSessionForm())

    def post(self, request):
        form = CalibrationSessionForm(request.POST)
        if form.is_valid():
            try:
                session = services.calibration_session_create(
                    by=request.user,
                    title=form.cleaned_data["title"],
                    scorecard=form.cleaned_data["scorecard"],
                    items=form.cleaned_data["items"],
                    participants=form.cleaned_data["participants"],
                    reference_evaluator=form.cleaned_data["reference_evaluator"],
                    notes=form.cleaned_data["notes"],
                )
            except QualityError as exc:
                if not apply_errors(form, exc):
                    report_error(request, exc)
            else:
                messages.success(request, "Calibration session opened.")
                return redirect("quality:calibration_detail", pk=session.pk)
        return self.page(request, form, status=400)


class CalibrationDetailView(RoleRequiredMixin, View):
    """Open: each participant scores the items blind (``?item=`` opens the form).
    Revealed: every score, against the group mean and the reference, and the agreement."""

    required_roles = REVIEWERS
    template_name = "quality/calibration_detail.html"

    def get_session(self, pk):
        session = get_object_or_404(
            CalibrationSession.objects.select_related(
                "scorecard", "reference_evaluator", "revealed_by"
            ),
            pk=pk,
        )
        self.is_participant = session.participants.filter(pk=self.request.user.pk).exists()
        if not (self.is_participant or is_qa(self.request.user)):
            raise Http404
        return session

    def context(self, session, form=None, item=None, reveal_form=None):
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
            # Progress from what is loaded: every participant on every item.
            ids = {u.pk for u in participants}
            expected = len(ids) * len(items)
            ctx["progress"] = {
                "expected": expected,
                "scored": sum(1 for s in scores if s.evaluator_id in ids),
            }
            ctx["reveal_form"] = reveal_form or RevealForm()
            return ctx
        report = services.calibration_report(session, scores)
        if report:
            ctx["reliability"] = services.calibration_reliability(session, scores)
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
            reveal_form = RevealForm(request.POST)
            reveal_form.is_valid()  # two optional fields: always valid
            try:
                services.calibration_session_reveal(
                    session=session,
                    by=request.user,
                    override=reveal_form.cleaned_data.get("override", False),
                    reason=reveal_form.cleaned_data.get("reason", ""),
                )
            except QualityError as exc:
                if not apply_errors(reveal_form, exc):
                    report_error(request, exc)
                    return redirect("quality:calibration_detail", pk=pk)
                ctx = self.context(session, reveal_form=reveal_form)
                return render(request, self.template_name, ctx, status=400)
            messages.success(request, "Scores revealed.")
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
