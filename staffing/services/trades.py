"""Shift trades: an agent offers one published working day, another takes it, the
supervisor (or auto-approval, when both agents' teams have it on) approves, and the day's
blocks move to the taker.

The taker's checks (:func:`taker_problems`, one place for take and approve): skilled for the
shift's office, no overlapping block or approved time off, the rest between shifts of their
scheduling rules (11 h by default) kept, and their weekly maximum hours kept.

Concurrency: taking is a conditional update (``offered`` -> ``taken``), so of two takers
racing one wins; approving locks both agents' rows, the trade and the day's blocks
(``select_for_update``) and moves the blocks in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ccops import notifications
from ccops.choices import Role

from .. import time_off_selectors as sel
from ..choices import PRODUCTIVE_ACTIVITIES, Activity
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import Shift, ShiftTrade
from ..timeutil import day_start
from .rules import auto_approval_enabled
from .schedules import run_shift_reassign
from .shift_rules import shift_problems

User = get_user_model()
Status = ShiftTrade.Status
DAY_ACTIVITIES = (*PRODUCTIVE_ACTIVITIES, Activity.BREAK)


def _lock_users(*pks: int) -> None:
    ids = sorted({pk for pk in pks if pk})
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def day_blocks(shift: Shift) -> list[Shift]:
    """The agent's working day around ``shift``: work and break blocks touching end to end."""
    around = list(
        Shift.objects.filter(
            agent_id=shift.agent_id,
            activity__in=DAY_ACTIVITIES,
            start__lt=shift.end + timedelta(hours=16),
            end__gt=shift.start - timedelta(hours=16),
        ).order_by("start")
    )
    chain = [s for s in around if s.pk == shift.pk]
    if not chain:
        return []
    i = around.index(chain[0])
    lo = hi = i
    while lo > 0 and around[lo - 1].end == around[lo].start:
        lo -= 1
    while hi + 1 < len(around) and around[hi + 1].start == around[hi].end:
        hi += 1
    return around[lo : hi + 1]


def taker_problems(trade: ShiftTrade, taker) -> dict[str, list[str]]:
    """Why ``taker`` may not work the trade's day (empty when they may): the shift rules of
    :func:`~staffing.services.shift_rules.shift_problems` (skills for the office, overlap,
    approved time off, rest) against the taker's published blocks, then their weekly
    maximum hours."""
    day = timezone.localtime(trade.start).date()
    mine = list(
        Shift.objects.filter(
            agent=taker,
            start__lt=trade.end + timedelta(days=1),
            end__gt=trade.start - timedelta(days=1),
        ).values_list("start", "end", "activity")
    )
    week = day - timedelta(days=day.weekday())
    begin, end = day_start(week), day_start(week + timedelta(days=7))
    worked = sum(
        (s.end - s.start).total_seconds() / 60
        for s in Shift.objects.filter(
            agent=taker, activity__in=PRODUCTIVE_ACTIVITIES, start__lt=end, end__gt=begin
        ).only("start", "end")
    )
    added = sum(
        (s.end - s.start).total_seconds() / 60
        for s in Shift.objects.filter(
            agent_id=trade.offered_by_id,
            activity__in=PRODUCTIVE_ACTIVITIES,
            start__gte=trade.start,
            end__lte=trade.end,
        ).only("start", "end")
    )
    problems = shift_problems(
        agent=taker,
        start=trade.start,
        end=trade.end,
        activity=trade.office_activity,
        busy=[(s, e) for s, e, _ in mine],
        worked=[(s, e) for s, e, act in mine if act in PRODUCTIVE_ACTIVITIES],
        week_minutes=worked,
        minutes=added,
    )
    return problems


def trade_offer(*, shift: Shift, by) -> ShiftTrade:
    """Offer the working day of one of ``by``'s future published work blocks."""
    if by is None or not by.is_authenticated or by.pk != shift.agent_id:
        raise NotAllowed("Agents offer their own shifts only.")
    if shift.activity not in PRODUCTIVE_ACTIVITIES:
        raise InvalidInput("Only work shifts can be offered.", field="shift")
    if shift.start <= timezone.now():
        raise InvalidInput("Only future shifts can be offered.", field="shift")
    with transaction.atomic():
        _lock_users(by.pk)
        blocks = day_blocks(shift)
        if ShiftTrade.objects.filter(
            offered_by=by,
            status__in=(Status.OFFERED, Status.TAKEN),
            start__lt=blocks[-1].end,
            end__gt=blocks[0].start,
        ).exists():
            raise Conflict("This day is already on offer.", field="shift")
        try:
            with transaction.atomic():
                return ShiftTrade.objects.create(
                    shift=shift,
                    start=blocks[0].start,
                    end=blocks[-1].end,
                    office_activity=shift.activity,
                    offered_by=by,
                )
        except IntegrityError:
            raise Conflict("This shift is already on offer.", field="shift") from None


def trade_take(*, trade: ShiftTrade, by) -> ShiftTrade:
    """``by`` takes an offered day (after :func:`taker_problems`); approved at once when the
    auto-approval switch of both agents' teams is on (the checks are the rules; coverage is
    unchanged because the taker is skilled for the same office)."""
    if by is None or not by.is_authenticated or not by.has_role(Role.AGENT):
        raise NotAllowed("Only agents take shifts.")
    if by.pk == trade.offered_by_id:
        raise InvalidInput("You cannot take your own shift.", field="taken_by")
    if trade.start <= timezone.now():
        raise Conflict("This shift has started.", field="status")
    problems = taker_problems(trade, by)
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], errors=problems)
    with transaction.atomic():
        won = ShiftTrade.objects.filter(pk=trade.pk, status=Status.OFFERED).update(
            status=Status.TAKEN, taken_by=by
        )
        if not won:
            raise Conflict("Someone else took it, or it was withdrawn.", field="status")
        trade.refresh_from_db()
        if auto_approval_enabled(trade.offered_by.team_id, by.team_id):
            trade = _approve(trade.pk, None, "Approved automatically.", auto=True)
    return trade


def _notify(trade: ShiftTrade, verb: str) -> None:
    local = timezone.localtime
    notifications.notify(
        notifications.Kind.SCHEDULE_PUBLISHED,
        [trade.offered_by, trade.taken_by],
        title=f"Shift trade of {local(trade.start):%a %d %b %H:%M} {verb}",
        body=trade.reason,
        url=reverse("staffing:my_schedule"),
        key=f"shift-trade:{trade.pk}:{verb}",
    )


def _approve(pk: int, by, reason: str, *, auto: bool = False) -> ShiftTrade:
    trade = ShiftTrade.objects.get(pk=pk)
    _lock_users(trade.offered_by_id, trade.taken_by_id)
    trade = (
        ShiftTrade.objects.select_for_update(of=("self",))
        .select_related("offered_by", "taken_by")
        .get(pk=pk)
    )
    if trade.status != Status.TAKEN:
        raise Conflict(f"The trade is {trade.get_status_display().lower()}.", field="status")
    blocks = list(
        Shift.objects.select_for_update()
        .filter(
            agent_id=trade.offered_by_id,
            activity__in=DAY_ACTIVITIES,
            start__gte=trade.start,
            end__lte=trade.end,
        )
        .order_by("start")
    )
    if not blocks:
        raise Conflict("The offered shift is no longer on the schedule.", field="shift")
    problems = taker_problems(trade, trade.taken_by)
    if problems:
        raise InvalidInput(next(iter(problems.values()))[0], errors=problems)
    Shift.objects.filter(pk__in=[b.pk for b in blocks]).update(
        agent_id=trade.taken_by_id, updated_at=timezone.now()
    )
    # The published run's shift moves with the blocks; its coverage is recounted.
    run_shift_reassign(
        agent_id=trade.offered_by_id,
        start=trade.start,
        end=trade.end,
        to_agent_id=trade.taken_by_id,
    )
    trade.status = Status.APPROVED
    trade.decided_by = by
    trade.decided_at = timezone.now()
    trade.reason = reason
    trade.auto_approved = auto
    trade.save(update_fields=["status", "decided_by", "decided_at", "reason", "auto_approved"])
    _notify(trade, "approved")
    return trade


def _check_decider(by, trade: ShiftTrade) -> None:
    if not sel.can_decide_for(by, trade.offered_by):
        raise NotAllowed("Only the agent's supervisor, a planner or an admin decides.")
    if by.pk in (trade.offered_by_id, trade.taken_by_id):
        raise NotAllowed("Nobody decides their own trade.")


def trade_approve(*, trade: ShiftTrade, by, reason: str = "") -> ShiftTrade:
    _check_decider(by, trade)
    with transaction.atomic():
        return _approve(trade.pk, by, (reason or "")[:500])


def trade_decline(*, trade: ShiftTrade, by, reason: str) -> ShiftTrade:
    _check_decider(by, trade)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why it is declined.", field="reason")
    with transaction.atomic():
        won = ShiftTrade.objects.filter(pk=trade.pk, status=Status.TAKEN).update(
            status=Status.DECLINED, decided_by=by, decided_at=timezone.now(), reason=reason[:500]
        )
        if not won:
            raise Conflict("Only a taken trade can be declined.", field="status")
        trade.refresh_from_db()
        _notify(trade, "declined")
    return trade


def trade_cancel(*, trade: ShiftTrade, by) -> ShiftTrade:
    """The offering agent withdraws an offer not yet approved."""
    if by is None or by.pk != trade.offered_by_id:
        raise NotAllowed("Only the agent who offered it withdraws it.")
    with transaction.atomic():
        won = ShiftTrade.objects.filter(
            pk=trade.pk, status__in=(Status.OFFERED, Status.TAKEN)
        ).update(status=Status.CANCELLED, decided_at=timezone.now())
        if not won:
            raise Conflict("Only an open offer can be withdrawn.", field="status")
    trade.refresh_from_db()
    return trade
