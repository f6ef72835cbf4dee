"""Apply an intraday flex suggestion (planners and supervisors) and list today's moves."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View

from workitems.models import WorkType

from .. import timeutil
from ..adherence_models import FlexMove
from ..errors import StaffingError
from ..services.flex_moves import blocks_fingerprint, flex_move_apply
from .common import PlanReaderRequired, error_message


def flex_rows(snapshot, user) -> list[dict]:
    """Each suggestion with the fingerprint of the blocks it saw (one query per move)."""
    rows = []
    # A what-if time (?at=) may be applied too while its window is not over yet.
    is_open = snapshot["window_end"] > timezone.now()
    for move in snapshot["moves"]:
        ids = [a.agent_id for a in move.agents]
        rows.append(
            {
                "move": move,
                "agent_ids": ",".join(map(str, ids)),
                "fingerprint": blocks_fingerprint(ids, snapshot["current"], snapshot["window_end"]),
                "open": is_open,
            }
        )
    return rows


def applied_moves_today(limit: int = 20):
    start = timeutil.day_start(timezone.localdate())
    return list(
        FlexMove.objects.filter(applied_at__gte=start)
        .select_related("applied_by", "to_type")
        .prefetch_related("agents")[:limit]
    )


class FlexApplyForm(forms.Form):
    direction = forms.ChoiceField(choices=[("to_front", "to_front"), ("to_back", "to_back")])
    to_type = forms.ModelChoiceField(queryset=WorkType.objects.all(), required=False)
    agents = forms.RegexField(regex=r"^\d+(,\d+)*$")
    window_start = forms.DateTimeField()
    window_end = forms.DateTimeField()
    fingerprint = forms.CharField(max_length=64)
    summary = forms.CharField(max_length=500, required=False)


class FlexApplyView(PlanReaderRequired, View):
    def post(self, request):
        form = FlexApplyForm(request.POST)
        if not form.is_valid():
            first = next(iter(form.errors.items()))
            messages.error(request, f"{first[0]}: {first[1][0]}")
            return redirect("staffing:intraday")
        data = form.cleaned_data
        try:
            move = flex_move_apply(
                by=request.user,
                direction=data["direction"],
                agent_ids=data["agents"].split(","),
                window_start=data["window_start"],
                window_end=data["window_end"],
                fingerprint=data["fingerprint"],
                to_type=data["to_type"],
                suggestion={"summary": data["summary"]},
            )
        except StaffingError as exc:
            error_message(request, exc)
        else:
            messages.success(
                request, f"Flex move applied for {move.agents.count()} agent(s); they were told."
            )
        return redirect("staffing:intraday")
