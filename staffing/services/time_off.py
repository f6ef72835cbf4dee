"""Time off: request, approve, decline, cancel; the auto-approval rule.

Who: an agent requests for themself and cancels while pending; their supervisor
(``team.supervisor``), a planner or an admin approves or declines (never their own).
Concurrency: approving a holiday locks the agent's allowance row of the year
(``select_for_update``) before counting what is already approved, so two approvals racing
for the last day end with one approved and one refused. Every other write locks the
agent's user row, so overlap checks see each other.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.audit import audited
from ccops.choices import Role

from .. import time_off as rules
from .. import time_off_selectors as sel
from ..errors import Conflict, InvalidInput, NotAllowed, Overlap
from ..models import TimeOffAllowance, TimeOffKind, TimeOffRequest
from ..time_off_models import MAX_ALLOWANCE_DAYS
from .rules import auto_approval_enabled

User = get_user_model()
Status = TimeOffRequest.Status


def time_off_auto_approvable(agent, start: datetime, end: datetime) -> bool:
    """THE auto-approval rule for time off: on every day the request touches, both offices
    stay at or above the published target counting cross-trained capacity
    (:func:`staffing.time_off.coverage_holds`), and the agent's buddy is not off that day."""
    days = sel.day_coverage(agent, start, end)
    if days is None or not rules.coverage_holds(days):
        return False
    return not sel.buddy_off(agent, start, end)


def _lock_user(pk: int) -> None:
    list(User.objects.select_for_update().filter(pk=pk).values_list("pk"))


def _validate(start, end, kind, note) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(start, datetime) or timezone.is_naive(start):
        errors["start"] = ["Must be a date and time with a time zone."]
    if not isinstance(end, datetime) or timezone.is_naive(end):
        errors["end"] = ["Must be a date and time with a time zone."]
    if kind not in TimeOffKind.values:
        errors["kind"] = [f"Must be one of {', '.join(TimeOffKind.values)}."]
    if len(note or "") > 500:
        errors["note"] = ["At most 500 characters."]
    if "start" not in errors and "end" not in errors:
        if end <= start:
            errors["end"] = ["Must be after the start."]
        elif timezone.localtime(start).date() < timezone.localdate():
            errors["start"] = ["Must be today or later."]
        elif (end - start).days > 366:
            errors["end"] = ["A request spans at most a year."]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)


def _year(req_start: datetime) -> int:
    return timezone.localtime(req_start).year


def time_off_request(
    *, agent, by, start: datetime, end: datetime, kind: str, note: str = ""
) -> TimeOffRequest:
    """A pending request of ``agent`` (who must be ``by``); approved at once when their
    team's auto-approval switch is on (:func:`staffing.services.rules.auto_approval_enabled`)
    and :func:`time_off_auto_approvable` holds."""
    if by is None or not by.is_authenticated or by.pk != agent.pk or not by.has_role(Role.AGENT):
        raise NotAllowed("Agents request time off for themselves only.")
    _validate(start, end, kind, note)
    with transaction.atomic():
        _lock_user(agent.pk)
        clash = sel.overlapping_requests(agent, start, end).first()
        if clash is not None:
            raise Overlap(f"Overlaps your request {clash}.", field="start")
        days = sel.days_counted(agent, start, end)
        if kind == TimeOffKind.HOLIDAY:
            left = sel.balance(agent, _year(start))["balance"]
            if days > left:
                raise InvalidInput(
                    f"Not enough holiday left: {days} day(s) asked, {left} left.", field="start"
                )
        req = TimeOffRequest.objects.create(
            agent=agent, start=start, end=end, kind=kind, note=note or "", days=days
        )
        if auto_approval_enabled(agent.team_id) and time_off_auto_approvable(agent, start, end):
            req = _decide(req.pk, None, Status.APPROVED, "Approved automatically.", auto=True)
    return req


def _decide(pk: int, by, status: str, reason: str, *, auto: bool = False) -> TimeOffRequest:
    """Within a transaction: lock (allowance row, then request), re-check, write, notify."""
    req = TimeOffRequest.objects.select_related("agent").get(pk=pk)
    if status == Status.APPROVED and req.kind == TimeOffKind.HOLIDAY:
        allowance = (
            TimeOffAllowance.objects.select_for_update()
            .filter(agent_id=req.agent_id, year=_year(req.start))
            .first()
        )
        req = (
            TimeOffRequest.objects.select_for_update(of=("self",))
            .select_related("agent")
            .get(pk=pk)
        )
        if req.status != Status.REQUESTED:
            raise Conflict(f"Already {req.get_status_display().lower()}.", field="status")
        taken = sel.holiday_taken(req.agent, _year(req.start), exclude_pk=req.pk)
        allowed = allowance.days if allowance else 0
        if taken + req.days > allowed:
            raise Conflict(
                f"Not enough holiday left: {req.days} day(s) asked, {allowed - taken} left.",
                field="days",
            )
    else:
        _lock_user(req.agent_id)
        req = (
            TimeOffRequest.objects.select_for_update(of=("self",))
            .select_related("agent")
            .get(pk=pk)
        )
        if req.status != Status.REQUESTED:
            raise Conflict(f"Already {req.get_status_display().lower()}.", field="status")
    req.status = status
    req.decided_by = by
    req.decided_at = timezone.now()
    req.reason = reason
    req.auto_approved = auto
    req.save(update_fields=["status", "decided_by", "decided_at", "reason", "auto_approved"])
    verb = "approved" if status == Status.APPROVED else "declined"
    local = timezone.localtime
    notifications.notify(
        notifications.Kind.TIME_OFF_DECIDED,
        [req.agent],
        title=f"Your time off from {local(req.start):%d %b %H:%M} was {verb}",
        body=reason,
        url=reverse("staffing:my_schedule"),
        key=f"time-off:{req.pk}",
    )
    return req


def _check_decider(by, req: TimeOffRequest) -> None:
    if not sel.can_decide_for(by, req.agent):
        raise NotAllowed("Only the agent's supervisor, a planner or an admin decides.")
    if by.pk == req.agent_id:
        raise NotAllowed("Nobody decides their own time off.")


def time_off_approve(*, request: TimeOffRequest, by, reason: str = "") -> TimeOffRequest:
    _check_decider(by, request)
    if len(reason or "") > 500:
        raise InvalidInput("At most 500 characters.", field="reason")
    with transaction.atomic():
        return _decide(request.pk, by, Status.APPROVED, reason or "")


def time_off_decline(*, request: TimeOffRequest, by, reason: str) -> TimeOffRequest:
    _check_decider(by, request)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why it is declined.", field="reason")
    if len(reason) > 500:
        raise InvalidInput("At most 500 characters.", field="reason")
    with transaction.atomic():
        return _decide(request.pk, by, Status.DECLINED, reason)


def time_off_cancel(*, request: TimeOffRequest, by) -> TimeOffRequest:
    """The agent withdraws a pending request."""
    if by is None or by.pk != request.agent_id:
        raise NotAllowed("Only the agent cancels their request.")
    with transaction.atomic():
        _lock_user(request.agent_id)
        updated = TimeOffRequest.objects.filter(pk=request.pk, status=Status.REQUESTED).update(
            status=Status.CANCELLED, decided_at=timezone.now()
        )
        if not updated:
            raise Conflict("Only a pending request can be cancelled.", field="status")
    request.refresh_from_db()
    return request


ALLOWANCE_SETTERS = (Role.PLANNER, Role.HR)


def can_set_allowance(user) -> bool:
    """Planners, HR and admins."""
    return bool(user and user.is_authenticated and user.has_role(*ALLOWANCE_SETTERS))


def allowance_set(*, agent, year: int, days, by) -> TimeOffAllowance:
    """Planners, HR and admins set an agent's yearly holiday allowance (0 to 366 days, two
    decimals); the change is in the audit trail (who, when, from what to what)."""
    if not can_set_allowance(by):
        raise NotAllowed("Only planners, HR and admins set allowances.")
    if not agent.has_role(Role.AGENT):
        raise InvalidInput("Allowances are for agents.", field="agent")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("A year from 2000 to 2100.", field="year")
    try:
        days = Decimal(str(days))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput("A number of days.", field="days") from None
    if not days.is_finite() or not 0 <= days <= MAX_ALLOWANCE_DAYS:
        raise InvalidInput(f"From 0 to {MAX_ALLOWANCE_DAYS} days.", field="days")
    if days != days.quantize(Decimal("0.01")):
        raise InvalidInput("At most two decimals.", field="days")
    with transaction.atomic():
        _lock_user(agent.pk)
        row = TimeOffAllowance.objects.filter(agent=agent, year=year).first()
        if row is None:
            row = TimeOffAllowance(agent=agent, year=year, days=days)
        elif row.days == days:
            return row
        row.days = days
        audited(row, by).save()
    return row
